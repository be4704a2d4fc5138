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


  /* ---- loading: shards are scripts calling PlenumSearch.register ---- */

  var cache = {}, waiting = {};
  var loader = { base: "", files: 0, onload: null };

  function register(kind, key, data) {
    var id = kind + ":" + key;
    cache[id] = data;
    (waiting[id] || []).forEach(function (w) { w[0](data); });
    delete waiting[id];
  }

  function shardId(rel) { /* "t/3-1.js" -> "t:3-1", "manifest.js" -> "manifest:0" */
    var m = /^(?:(\w+)\/)?([\w-]+)\.js$/.exec(rel);
    return m[1] ? m[1] + ":" + m[2] : m[2] + ":0";
  }

  function load(rel) {
    var id = shardId(rel);
    if (id in cache) return Promise.resolve(cache[id]);
    return new Promise(function (resolve, reject) {
      if (waiting[id]) { waiting[id].push([resolve, reject]); return; }
      waiting[id] = [[resolve, reject]];
      var el = document.createElement("script");
      el.src = loader.base + rel;
      el.async = true;
      el.onerror = function () {
        var ws = waiting[id] || []; delete waiting[id];
        ws.forEach(function (w) { w[1](new Error("cannot load " + rel)); });
      };
      el.onload = function () { el.remove(); };
      loader.files++;
      document.head.appendChild(el);
    });
  }

  /* ---- query language: the same as generator/search/query.py ---- */

  var MAX_EXPANSIONS = 12, MIN_PREFIX = 2, PHRASE_VERIFY_ALL = 200;
  var FACETS = ["type", "year", "kind", "party", "speaker"];

  function parseQuery(text) {
    var q = { clauses: [], phrases: [], excluded: [], prefixes: [] }, seen = {};
    function add(t) { if (t && !seen[t]) { seen[t] = 1; q.clauses.push({ terms: [t], prefix: false }); } }
    (text.match(/-?"[^"]*"?|\S+/g) || []).forEach(function (raw) {
      var negative = raw.charAt(0) === "-" && raw.length > 1;
      var body = negative ? raw.slice(1) : raw;
      if (body.charAt(0) === '"') {
        var words = terms(body.replace(/^"+|"+$/g, ""));
        if (negative) { q.excluded = q.excluded.concat(words); return; }
        words.forEach(add);
        if (words.length > 1) q.phrases.push(words);
      } else if (negative) {
        q.excluded = q.excluded.concat(terms(body));
      } else if (body.slice(-1) === "*") {
        var tokens = tokenize(body);
        tokens.slice(0, -1).forEach(function (t) { add(stem(t)); });
        if (tokens.length) {
          var last = tokens[tokens.length - 1], st = stem(last);
          var prefix = last.indexOf(st) === 0 ? st : last;
          if (prefix.length >= MIN_PREFIX && !seen["*" + prefix]) {
            seen["*" + prefix] = 1;
            q.clauses.push({ terms: [prefix], prefix: true });
            q.prefixes.push(prefix);
          }
        }
      } else {
        terms(body).forEach(add);
      }
    });
    return q;
  }

  /* ---- the engine ---- */

  function Engine(manifest) {
    this.m = manifest;
    this.postings = {};
  }

  Engine.prototype.shardOf = function (term) { /* bisect_right(keys, term) - 1 */
    var keys = this.m.shards, lo = 0, hi = keys.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (term < keys[mid]) hi = mid; else lo = mid + 1; }
    return lo - 1;
  };

  /* A tier: base64 of varints, four columns (record gaps, scores, speakers, groups). */
  function decodeVarints(text) {
    var bytes = atob(text), out = [], v = 0, shift = 0;
    for (var i = 0; i < bytes.length; i++) {
      var c = bytes.charCodeAt(i);
      v |= (c & 127) << shift;
      if (c & 128) shift += 7; else { out.push(v); v = 0; shift = 0; }
    }
    return out;
  }

  /* Adds a tier; it follows the loaded ones in (score desc, record asc) order,
     so its last posting is the last loaded one (alt.low, alt.last). */
  Engine.prototype.addPostings = function (alt, encoded) {
    var target = this.postings[alt.term], v = decodeVarints(encoded), n = v.length / 4;
    var doc = 0, low = -1, last = -1;
    for (var i = 0; i < n; i++) {
      doc += v[i];
      var score = v[n + i];
      target.set(doc, [score, v[2 * n + i], v[3 * n + i]]);
      if (low < 0 || score <= low) { low = score; last = doc; }
    }
    if (low >= 0) { alt.low = low; alt.last = last; }
  };

  /* The most `doc` can score for a term whose posting for it is not loaded (-1: none left). */
  function altBound(alt, doc) {
    if (alt.loaded >= alt.maxima.length) return -1;
    var next = alt.maxima[alt.loaded];
    return doc < alt.last ? Math.min(next, alt.low - 1) : next;
  }

  Engine.prototype.entry = function (term) {
    var self = this, n = this.shardOf(term);
    if (n < 0) return Promise.resolve(null);
    return load("t/" + n + ".js").then(function (data) {
      var e = Object.prototype.hasOwnProperty.call(data, term) ? data[term] : null;
      if (!e) return null;
      var alt = { term: term, df: e[0], maxima: e[1], deep: e[3] || [], loaded: 1, low: 0, last: -1 };
      if (!self.postings[term]) self.postings[term] = new Map();
      self.addPostings(alt, e[2]);
      return alt;
    });
  };

  /* Loads the term's next tier, and the tiers after it in the same file (free). */
  Engine.prototype.loadNext = function (alt) {
    var self = this, file = alt.deep[alt.loaded - 1][0];
    return load("d/" + file + ".js").then(function (data) {
      while (alt.loaded < alt.maxima.length && alt.deep[alt.loaded - 1][0] === file) {
        self.addPostings(alt, data[alt.deep[alt.loaded - 1][1]]);
        alt.loaded++;
      }
    });
  };

  Engine.prototype.expand = function (prefix) {
    var self = this, keys = this.m.shards, first = Math.max(this.shardOf(prefix), 0), found = [];
    function step(n) {
      if (!(n < keys.length && (n === first || keys[n].indexOf(prefix) === 0))) return Promise.resolve();
      return load("t/" + n + ".js").then(function (data) {
        Object.keys(data).forEach(function (t) { if (t.indexOf(prefix) === 0) found.push([data[t][0], t]); });
        return step(n + 1);
      });
    }
    return step(first).then(function () {
      found.sort(function (a, b) { return b[0] - a[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0); });
      return Promise.all(found.slice(0, MAX_EXPANSIONS).map(function (f) { return self.entry(f[1]); }));
    }).then(function (alts) { return alts.filter(Boolean); });
  };

  Engine.prototype.record = function (doc) {
    var per = this.m.recordsPerShard;
    return load("r/" + Math.floor(doc / per) + ".js").then(function (rows) { return rows[doc % per]; });
  };

  Engine.prototype.facetValues = function (speaker, group) {
    var sp = this.m.speakers[speaker], g = this.m.groups[group];
    return { type: g[2], year: g[0], kind: g[1], party: sp[2] >= 0 ? this.m.parties[sp[2]] : "",
      speaker: sp[0] || "~" + sp[1] };
  };

  function passes(values, filters, skip) {
    for (var f in filters) if (f !== skip && filters[f].indexOf(values[f]) < 0) return false;
    return true;
  }

  function complete(clauses) {
    return clauses.every(function (alts) { return alts.every(function (a) { return a.loaded === a.maxima.length; }); });
  }

  Engine.prototype.matches = function (clauses, excluded, rejected) {
    var self = this;
    var weights = clauses.map(function (alts) {
      var merged = new Map();
      alts.forEach(function (alt) {
        self.postings[alt.term].forEach(function (p, doc) {
          var have = merged.get(doc);
          if (!have || p[0] > have[0]) merged.set(doc, p);
        });
      });
      return merged;
    });
    weights.sort(function (a, b) { return a.size - b.size; });
    var matches = new Map(), info = new Map();
    weights[0].forEach(function (p, doc) {
      if (excluded.has(doc) || rejected.has(doc)) return;
      var total = p[0];
      for (var i = 1; i < weights.length; i++) {
        var q = weights[i].get(doc);
        if (!q) return;
        total += q[0];
      }
      matches.set(doc, total);
      info.set(doc, self.facetValues(p[1], p[2]));
    });
    return [matches, info];
  };

  /* null when no record outside the loaded postings can still enter the top
     `need` (threshold algorithm, ties settled by record order); else the term
     whose next tier to load: one the strongest such record lacks (query.py). */
  Engine.prototype.nextTier = function (clauses, ranked, matches, need, skip, filters) {
    var self = this, n = clauses.length, last = -1, score = -1;
    if (ranked.length >= need) { last = ranked[need - 1]; score = matches.get(last); }
    var partial = new Map();
    clauses.forEach(function (alts, i) {
      alts.forEach(function (alt) {
        self.postings[alt.term].forEach(function (p, doc) {
          if (matches.has(doc) || skip.has(doc)) return;
          var row = partial.get(doc);
          if (!row) {
            if (!passes(self.facetValues(p[1], p[2]), filters)) { skip.add(doc); return; }
            row = clauses.map(function () { return -1; });
            partial.set(doc, row);
          }
          row[i] = Math.max(row[i], p[0]);
        });
      });
    });
    var unseen = clauses.map(function () { return -1; });
    var candidates = Array.from(partial.entries());
    candidates.push([this.m.records, unseen]);
    if (last > 0) candidates.push([last - 1, unseen]);
    var best = null, bestDoc = 0, bestRow = null;
    candidates.forEach(function (c) {
      var doc = c[0], row = c[1], total = 0;
      for (var i = 0; i < n; i++) {
        var b = -1;
        clauses[i].forEach(function (a) { b = Math.max(b, altBound(a, doc)); });
        if (row[i] < 0 && b < 0) return;
        total += Math.max(row[i], b);
      }
      if (total > score || (total === score && doc < last)) {
        if (best === null || total > best || (total === best && doc < bestDoc)) {
          best = total; bestDoc = doc; bestRow = row;
        }
      }
    });
    if (best === null) return null;
    var choice = null;
    clauses.forEach(function (alts, i) {
      if (bestRow[i] >= 0 && alts.length === 1) return;
      alts.forEach(function (a) {
        if (a.loaded < a.maxima.length && (!choice || a.maxima[a.loaded] > choice.maxima[choice.loaded])) choice = a;
      });
    });
    return choice || bestNext(clauses);
  };

  function bestNext(clauses) { /* the term whose next tier has the best score */
    var best = null;
    clauses.forEach(function (alts) {
      alts.forEach(function (a) {
        if (a.loaded < a.maxima.length && (!best || a.maxima[a.loaded] > best.maxima[best.loaded])) best = a;
      });
    });
    return best;
  }

  function containsPhrase(words, phrase) {
    outer: for (var i = 0; i + phrase.length <= words.length; i++) {
      for (var j = 0; j < phrase.length; j++) if (words[i + j] !== phrase[j]) continue outer;
      return true;
    }
    return false;
  }

  Engine.prototype.verifyPhrases = function (query, ranked, need, rejected) {
    var self = this, limit = ranked.length <= PHRASE_VERIFY_ALL ? ranked.length : need, kept = [];
    function step(i) {
      if (i >= ranked.length) return Promise.resolve(kept);
      var doc = ranked[i];
      if (kept.length >= limit) { kept.push(doc); return step(i + 1); }
      return self.record(doc).then(function (rec) {
        var words = terms(rec[5] + "\n" + rec[6]);
        // a cut record (rec[7]: large archives keep only its opening) cannot disprove a phrase
        if (rec[7] === 1 || query.phrases.every(function (p) { return containsPhrase(words, p); })) kept.push(doc);
        else rejected.add(doc);
        return step(i + 1);
      });
    }
    return step(0);
  };

  Engine.prototype.facetCounts = function (matches, info, filters, rejected) {
    var counts = {};
    FACETS.forEach(function (f) { counts[f] = new Map(); });
    matches.forEach(function (score, doc) {
      if (rejected.has(doc)) return;
      var v = info.get(doc);
      FACETS.forEach(function (f) {
        if (v[f] && passes(v, filters, f)) counts[f].set(v[f], (counts[f].get(v[f]) || 0) + 1);
      });
    });
    var out = {};
    FACETS.forEach(function (f) {
      out[f] = Array.from(counts[f].entries()).sort(function (a, b) {
        return b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
      });
    });
    return out;
  };

  Engine.prototype.search = function (text, filters, need) {
    var self = this, query = parseQuery(text), clauses = [];
    need = need || 10;
    var f = {};
    for (var k in filters || {}) if (filters[k] && filters[k].length) f[k] = filters[k];
    filters = f;
    var empty = { total: 0, exact: true, hits: [], facets: {}, query: query };
    if (!query.clauses.length) return Promise.resolve(empty);
    return Promise.all(query.clauses.map(function (c) {
      return c.prefix ? self.expand(c.terms[0]) : self.entry(c.terms[0]).then(function (e) { return e ? [e] : []; });
    })).then(function (all) {
      if (all.some(function (alts) { return !alts.length; })) return empty;
      clauses = all;
      function whole(alt) { /* small posting lists are loaded whole: exact counts */
        if (alt.df > self.m.exactPostings || alt.loaded >= alt.maxima.length) return Promise.resolve();
        return self.loadNext(alt).then(function () { return whole(alt); });
      }
      var wholes = [];
      clauses.forEach(function (alts) { alts.forEach(function (a) { wholes.push(whole(a)); }); });
      var excluded = new Set(), rejected = new Set();
      function exclude(i) {
        if (i >= query.excluded.length) return Promise.resolve();
        var term = query.excluded[i];
        return self.entry(term).then(function loadAll(alt) {
          if (alt && alt.loaded < alt.maxima.length) return self.loadNext(alt).then(function () { return loadAll(alt); });
          if (alt) self.postings[term].forEach(function (p, doc) { excluded.add(doc); });
          return exclude(i + 1);
        });
      }
      function round() {
        var mi = self.matches(clauses, excluded, rejected), matches = mi[0], info = mi[1];
        var ranked = [];
        matches.forEach(function (score, doc) { if (passes(info.get(doc), filters)) ranked.push(doc); });
        ranked.sort(function (a, b) { return matches.get(b) - matches.get(a) || a - b; });
        var verified = query.phrases.length ? self.verifyPhrases(query, ranked, need, rejected) : Promise.resolve(ranked);
        return verified.then(function (ranked) {
          if (!complete(clauses)) {
            var skip = new Set(excluded); rejected.forEach(function (d) { skip.add(d); });
            var tier = self.nextTier(clauses, ranked, matches, need, skip, filters);
            if (tier) return self.loadNext(tier).then(round);
          }
          return {
            total: ranked.length, exact: complete(clauses), query: query,
            hits: ranked.slice(0, need).map(function (d) { return { doc: d, score: matches.get(d) }; }),
            facets: self.facetCounts(matches, info, filters, rejected)
          };
        });
      }
      return Promise.all(wholes).then(function () { return exclude(0); }).then(round);
    });
  };

  function open(base) {
    loader.base = base;
    return load("manifest.js").then(function (m) { return new Engine(m); });
  }


  /* ---- the page: zoeken/index.html ---- */

  var PAGE_SIZE = 10;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var a in attrs || {}) e.setAttribute(a, attrs[a]);
    if (text != null) e.textContent = text;
    return e;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return k in values ? values[k] : m; });
  }

  /* Words of `text` with marks where a token's stem is a query term, or a query
   * term (or prefix) is part of it (compounds): [[text, marked], ...]. */
  function markWords(text, query) {
    var wanted = query.highlight, prefixes = query.prefixes, out = [], last = 0, m;
    var re = /[\p{L}\p{N}'\u2019]+/gu;
    while ((m = re.exec(text))) {
      var toks = tokenize(m[0]), hit = false;
      for (var i = 0; i < toks.length && !hit; i++) {
        var st = stem(toks[i]);
        hit = wanted.some(function (w) { return st === w || (w.length > 3 && toks[i].indexOf(w) >= 0); }) ||
          prefixes.some(function (p) { return toks[i].indexOf(p) === 0 || st.indexOf(p) === 0; });
      }
      if (hit) {
        if (m.index > last) out.push([text.slice(last, m.index), false]);
        out.push([m[0], true]);
        last = m.index + m[0].length;
      }
    }
    if (last < text.length) out.push([text.slice(last), false]);
    return out;
  }

  /* A window of about `size` words around the densest cluster of marks. */
  function snippet(text, query, size) {
    var words = text.replace(/\s+/g, " ").trim().split(" "), best = 0, bestAt = 0, hits = [];
    var flat = words.map(function (w) { return markWords(w, query).some(function (p) { return p[1]; }); });
    flat.forEach(function (h, i) { if (h) hits.push(i); });
    for (var i = 0; i < hits.length; i++) {
      var n = 0;
      for (var j = i; j < hits.length && hits[j] < hits[i] + size; j++) n++;
      if (n > best) { best = n; bestAt = hits[i]; }
    }
    var start = Math.max(0, bestAt - Math.floor(size / 4)), end = Math.min(words.length, start + size);
    return (start > 0 ? "\u2026 " : "") + words.slice(start, end).join(" ") + (end < words.length ? " \u2026" : "");
  }

  function appendMarked(parent, text, query) {
    markWords(text, query).forEach(function (part) {
      parent.appendChild(part[1] ? el("mark", {}, part[0]) : document.createTextNode(part[0]));
    });
  }

  function readState() {
    var params = new URLSearchParams(location.search), filters = {};
    FACETS.forEach(function (f) { var v = params.getAll(f); if (v.length) filters[f] = v; });
    return { q: params.get("q") || "", filters: filters };
  }

  function writeState(state) {
    var params = new URLSearchParams();
    if (state.q) params.set("q", state.q);
    FACETS.forEach(function (f) { (state.filters[f] || []).forEach(function (v) { params.append(f, v); }); });
    var search = params.toString();
    try { history.replaceState(null, "", location.pathname + (search ? "?" + search : "") + location.hash); } catch (e) { /* file:// in some browsers */ }
  }

  function Page(root) {
    this.root = root;
    this.labels = JSON.parse(root.getAttribute("data-labels") || "{}");
    this.site = root.getAttribute("data-root") || "";
    this.input = root.querySelector("input[type=search]");
    this.status = root.querySelector("[role=status]");
    this.facetsBox = root.querySelector(".search-facets");
    this.list = root.querySelector(".search-results");
    this.state = readState();
    this.seq = 0;
  }

  Page.prototype.label = function (key, values) {
    return fill(this.labels[key] || key, values || {});
  };

  Page.prototype.start = function (engine) {
    var self = this, timer = null;
    this.engine = engine;
    this.input.value = this.state.q;
    this.root.querySelector("form").addEventListener("submit", function (e) { e.preventDefault(); self.run(); });
    this.input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.state.q = self.input.value; self.run(); }, 120);
    });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { var a = self.list.querySelector("a"); if (a) { e.preventDefault(); a.focus(); } }
    });
    this.list.addEventListener("keydown", function (e) { self.move(e); });
    document.addEventListener("keydown", function (e) {
      var t = e.target, typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
      if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) { e.preventDefault(); self.input.focus(); self.input.select(); }
    });
    this.run();
  };

  Page.prototype.move = function (e) {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
    var links = Array.prototype.slice.call(this.list.querySelectorAll("a.result-link"));
    var i = links.indexOf(document.activeElement);
    if (i < 0) return;
    e.preventDefault();
    if (e.key === "ArrowUp" && i === 0) { this.input.focus(); return; }
    var next = links[Math.min(links.length - 1, Math.max(0, i + (e.key === "ArrowDown" ? 1 : -1)))];
    next.focus();
  };

  Page.prototype.run = function () {
    var self = this, seq = ++this.seq, state = this.state;
    writeState(state);
    if (!state.q.trim()) {
      this.list.textContent = ""; this.facetsBox.textContent = "";
      this.status.textContent = "";
      return Promise.resolve();
    }
    this.root.setAttribute("aria-busy", "true");
    return this.engine.search(state.q, state.filters, PAGE_SIZE).then(function (result) {
      return Promise.all(result.hits.map(function (h) { return self.engine.record(h.doc); })).then(function (records) {
        if (seq !== self.seq) return;
        self.render(result, records);
      });
    }).catch(function (err) {
      if (seq !== self.seq) return;
      self.status.textContent = self.label("error");
      if (window.console) console.warn(err);
    }).then(function () {
      if (seq === self.seq) self.root.removeAttribute("aria-busy");
    });
  };

  Page.prototype.render = function (result, records) {
    var self = this, q = result.query, m = this.engine.m;
    q.highlight = q.clauses.filter(function (c) { return !c.prefix; }).map(function (c) { return c.terms[0]; });
    var n = result.total;
    this.status.textContent = n === 0 ? this.label("none") :
      this.label(result.exact ? (n === 1 ? "one" : "count") : "more", { n: n });
    this.list.textContent = "";
    records.forEach(function (rec, i) {
      var sp = m.speakers[rec[4]], party = sp[2] >= 0 ? m.parties[sp[2]] : "";
      var li = el("li", { "class": "search-result" });
      var url = rec[1], hash = url.indexOf("#");
      var page = hash < 0 ? url : url.slice(0, hash), frag = hash < 0 ? "" : url.slice(hash);
      var a = el("a", { "class": "result-link", href: self.site + page + "?q=" + encodeURIComponent(self.state.q) + frag });
      a.appendChild(el("span", { "class": "result-speaker" }, sp[1]));
      if (party) a.appendChild(el("span", { "class": "party" }, " (" + party + ")"));
      li.appendChild(el("h2", {})).appendChild(a);
      var meta = el("p", { "class": "meta" });
      meta.appendChild(el("span", { "class": "result-type" }, self.label(rec[0] === "m" ? "motion" : "speech")));
      meta.appendChild(document.createTextNode(" \u00b7 "));
      if (rec[3]) { meta.appendChild(el("time", { datetime: rec[3] }, rec[3])); meta.appendChild(document.createTextNode(" \u00b7 ")); }
      meta.appendChild(document.createTextNode(rec[5] ? rec[5] + " \u00b7 " + rec[2] : rec[2]));
      li.appendChild(meta);
      var p = el("p", { "class": "snippet" });
      appendMarked(p, snippet(rec[6], q, 36), q);
      li.appendChild(p);
      li.setAttribute("data-doc", result.hits[i].doc);
      self.list.appendChild(li);
    });
    this.renderFacets(result.facets);
  };

  Page.prototype.facetLabel = function (facet, value) {
    if (facet === "type") return this.label(value === "motion" ? "motion" : "speech");
    if (facet === "speaker") {
      var sp = this.engine.m.speakers.filter(function (s) { return (s[0] || "~" + s[1]) === value; })[0];
      return sp ? sp[1] : value;
    }
    return value;
  };

  Page.prototype.renderFacets = function (facets) {
    var self = this;
    this.facetsBox.textContent = "";
    FACETS.forEach(function (f) {
      var chosen = self.state.filters[f] || [], values = (facets[f] || []).slice(0, 12);
      chosen.forEach(function (v) { if (!values.some(function (x) { return x[0] === v; })) values.push([v, 0]); });
      if (values.length < 2 && !chosen.length) return;
      var fs = el("fieldset", { "class": "facet", "data-facet": f });
      fs.appendChild(el("legend", {}, self.label("facet_" + f)));
      values.forEach(function (pair) {
        var id = "f-" + f + "-" + pair[0].replace(/[^\w-]/g, "_");
        var box = el("input", { type: "checkbox", id: id, value: pair[0] });
        box.checked = chosen.indexOf(pair[0]) >= 0;
        box.addEventListener("change", function () {
          var list = (self.state.filters[f] || []).filter(function (v) { return v !== pair[0]; });
          if (box.checked) list.push(pair[0]);
          self.state.filters[f] = list;
          self.run();
        });
        var label = el("label", { "for": id }, self.facetLabel(f, pair[0]) + " ");
        label.appendChild(el("span", { "class": "count" }, "(" + pair[1] + ")"));
        var row = el("div", { "class": "facet-value" });
        row.appendChild(box); row.appendChild(label);
        fs.appendChild(row);
      });
      self.facetsBox.appendChild(fs);
    });
  };

  function init() {
    var root = document.getElementById("plenum-search");
    if (!root) return;
    root.hidden = false;
    var page = new Page(root);
    root.plenum = page;
    open(root.getAttribute("data-index") || "").then(function (engine) { page.start(engine); },
      function () { page.status.textContent = page.label("error"); });
  }

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
  }

  var api = { fold: fold, tokenize: tokenize, stem: stem, terms: terms, parseQuery: parseQuery,
    register: register, open: open, loader: loader };
  root.PlenumSearch = api;
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : globalThis);
