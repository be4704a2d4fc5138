// Optional: highlight the words of ?q=... on a meeting page (search result links add it).
// The page works without it; :target already marks the speech.
(function () {
  var q = new URLSearchParams(location.search).get("q");
  if (!q || !window.TreeWalker) return;
  var words = q.toLowerCase().split(/\s+/).map(function (w) { return w.replace(/[^\p{L}\p{N}]/gu, ""); })
    .filter(function (w) { return w.length > 1; });
  if (!words.length) return;
  var root = (location.hash && document.getElementById(location.hash.slice(1))) || document.querySelector(".transcript");
  if (!root) return;
  var re = new RegExp("(" + words.join("|") + ")", "giu");
  var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), nodes = [], n;
  while ((n = walker.nextNode())) if (n.parentNode.closest("p") && re.test(n.data)) nodes.push(n);
  nodes.forEach(function (node) {
    var frag = document.createDocumentFragment(), last = 0, text = node.data, m;
    re.lastIndex = 0;
    while ((m = re.exec(text))) {
      frag.appendChild(document.createTextNode(text.slice(last, m.index)));
      var mark = document.createElement("mark"); mark.textContent = m[0]; frag.appendChild(mark);
      last = m.index + m[0].length;
    }
    frag.appendChild(document.createTextNode(text.slice(last)));
    node.parentNode.replaceChild(frag, node);
  });
})();
