/* Plenum search: the client of the sharded index written by generator/search/index.py.
 * Vanilla JavaScript, no dependencies. Shards are <script> files that call
 * PlenumSearch.register(...), so the search works from file:// and from any subpath.
 * The analysis (fold, tokenize, stem) must stay identical to analysis.py:
 * tests/test_search_parity.py checks it on thousands of real words. */
(function (root) {
  "use strict";

  /* ---- analysis: the same steps as generator/search/analysis.py ---- */

  var MARKS = /\p{Mn}/gu;
  var APOSTROPHE_S = /['\u2019\u2018\u02bc]s(?![a-z0-9])/g;
  var APOSTROPHES = /['\u2019\u2018\u02bc]/g;
  var TOKEN = /[a-z0-9]+/g;

  function fold(text) {
    var t = text.replace(APOSTROPHE_S, function (m, offset, whole) {
      return /[\p{L}\p{N}_]/u.test(whole.charAt(offset + 2)) ? m : "";
    });
    t = t.replace(APOSTROPHES, "");
    return t.normalize("NFKD").replace(MARKS, "").toLowerCase();
  }

  function tokenize(text) {
    return fold(text).match(TOKEN) || [];
  }

  /* Snowball "dutch_porter" (the classic Dutch algorithm), ported line by line
   * from the generated snowballstemmer code. */
  var V = "aeiouy\u00e8", V_I = "Iaeiouy\u00e8", V_J = "aeijouy\u00e8";
  var ACCENTS = { "\u00e1": "a", "\u00e4": "a", "\u00e9": "e", "\u00eb": "e", "\u00ed": "i",
    "\u00ef": "i", "\u00f3": "o", "\u00f6": "o", "\u00fa": "u", "\u00fc": "u" };

  function stemDutch(word) {
    var s = word, cursor = 0, limit = s.length, lb = 0, bra = 0, ket = 0;
    var p1, p2, eFound = false;
    function sliceFrom(t) {
      var adj = t.length - (ket - bra);
      s = s.slice(0, bra) + t + s.slice(ket);
      limit += adj;
      if (cursor >= ket) cursor += adj; else if (cursor > bra) cursor = bra;
      ket = bra + t.length;
    }
    function goOut(g) { while (cursor < limit) { if (g.indexOf(s[cursor]) >= 0) return true; cursor++; } return false; }
    function goIn(g) { while (cursor < limit) { if (g.indexOf(s[cursor]) < 0) return true; cursor++; } return false; }
    function outB(g) { if (cursor <= lb || g.indexOf(s[cursor - 1]) >= 0) return false; cursor--; return true; }
    function eqB(t) { if (cursor - lb < t.length || s.slice(cursor - t.length, cursor) !== t) return false; cursor -= t.length; return true; }
    function amongB(list) { /* the longest entry that ends at the cursor */
      var best = "";
      for (var i = 0; i < list.length; i++) {
        var t = list[i];
        if (t.length > best.length && cursor - lb >= t.length && s.slice(cursor - t.length, cursor) === t) best = t;
      }
      if (!best) return "";
      cursor -= best.length;
      return best;
    }
    function undouble() {
      var v1 = limit - cursor;
      if (!amongB(["dd", "kk", "tt"])) return false;
      cursor = limit - v1; ket = cursor;
      if (cursor <= lb) return false;
      cursor--; bra = cursor; sliceFrom("");
      return true;
    }
    function eEnding() {
      eFound = false; ket = cursor;
      if (cursor <= lb || s[cursor - 1] !== "e") return false;
      cursor--; bra = cursor;
      if (!(p1 <= cursor)) return false;
      var v1 = limit - cursor;
      if (!outB(V)) return false;
      cursor = limit - v1; sliceFrom(""); eFound = true;
      return undouble();
    }
    function enEnding() {
      if (!(p1 <= cursor)) return false;
      var v1 = limit - cursor;
      if (!outB(V)) return false;
      cursor = limit - v1;
      if (eqB("gem")) return false;
      sliceFrom("");
      return undouble();
    }
    /* prelude */
    for (;;) {
      bra = cursor;
      var ch = s[cursor];
      if (ch !== undefined && ACCENTS[ch]) { cursor++; ket = cursor; sliceFrom(ACCENTS[ch]); continue; }
      if (cursor >= limit) break;
      cursor++;
    }
    cursor = 0;
    if (cursor < limit && s[cursor] === "y") { bra = cursor; cursor++; ket = cursor; sliceFrom("Y"); }
    for (;;) {
      var v4 = cursor;
      if (!goOut(V)) { cursor = v4; break; }
      cursor++;
      var v5 = cursor;
      bra = cursor;
      if (cursor < limit && s[cursor] === "i") {
        cursor++; ket = cursor;
        var v7 = cursor;
        if (cursor < limit && V.indexOf(s[cursor]) >= 0) { cursor++; sliceFrom("I"); }
        cursor = v7;
      } else if (cursor < limit && s[cursor] === "y") {
        cursor++; ket = cursor; sliceFrom("Y");
      } else {
        cursor = v5;
      }
    }
    /* mark regions */
    cursor = 0; p1 = limit; p2 = limit;
    (function () {
      if (cursor + 3 > limit) return;
      var x = cursor + 3;
      if (!goOut(V)) return; cursor++;
      if (!goIn(V)) return; cursor++;
      p1 = cursor;
      if (p1 < x) p1 = x;
      if (!goOut(V)) return; cursor++;
      if (!goIn(V)) return; cursor++;
      p2 = cursor;
    })();
    /* standard suffixes, backwards */
    lb = 0; cursor = limit;
    var v, m;
    v = limit - cursor;
    ket = cursor;
    m = amongB(["ene", "se", "en", "heden", "s"]);
    if (m) {
      bra = cursor;
      if (m === "heden") { if (p1 <= cursor) sliceFrom("heid"); }
      else if (m === "en" || m === "ene") { enEnding(); }
      else if (p1 <= cursor && outB(V_J)) { sliceFrom(""); }
    }
    cursor = limit - v;
    v = limit - cursor; eEnding(); cursor = limit - v;
    v = limit - cursor;
    ket = cursor;
    if (eqB("heid")) {
      bra = cursor;
      if (p2 <= cursor && !(cursor > lb && s[cursor - 1] === "c")) {
        sliceFrom(""); ket = cursor;
        if (eqB("en")) { bra = cursor; enEnding(); }
      }
    }
    cursor = limit - v;
    v = limit - cursor;
    ket = cursor;
    m = amongB(["end", "ig", "ing", "lijk", "baar", "bar"]);
    if (m) {
      bra = cursor;
      if (m === "end" || m === "ing") {
        if (p2 <= cursor) {
          sliceFrom("");
          var v5b = limit - cursor, done = false;
          ket = cursor;
          if (eqB("ig")) {
            bra = cursor;
            if (p2 <= cursor && !(cursor > lb && s[cursor - 1] === "e")) { sliceFrom(""); done = true; }
          }
          if (!done) { cursor = limit - v5b; undouble(); }
        }
      } else if (m === "ig") {
        if (p2 <= cursor && !(cursor > lb && s[cursor - 1] === "e")) sliceFrom("");
      } else if (m === "lijk") {
        if (p2 <= cursor) { sliceFrom(""); eEnding(); }
      } else if (m === "baar") {
        if (p2 <= cursor) sliceFrom("");
      } else if (p2 <= cursor && eFound) {
        sliceFrom("");
      }
    }
    cursor = limit - v;
    v = limit - cursor;
    if (outB(V_I)) {
      var v7b = limit - cursor;
      if (amongB(["aa", "ee", "oo", "uu"]) && outB(V)) {
        cursor = limit - v7b; ket = cursor;
        if (cursor > lb) { cursor--; bra = cursor; sliceFrom(""); }
      }
    }
    cursor = limit - v;
    /* postlude */
    return s.slice(0, limit).replace(/I/g, "i").replace(/Y/g, "y");
  }

  function stem(token) {
    var st = stemDutch(token);
    if (st.length > 4 && st.slice(-3) === "ies") st = st.slice(0, -1);
    return st;
  }

  function terms(text) {
    return tokenize(text).map(stem);
  }

  var api = { fold: fold, tokenize: tokenize, stem: stem, terms: terms };
  root.PlenumSearch = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
