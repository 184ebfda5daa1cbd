/*
 * sitegen search: the index in search-index.js, made into a lunr.Index quickly.
 *
 * Needs, before it: vendor/lunr.min.js. Used by search.js (and by node tests, through it).
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./vendor/lunr.min.js"));
  } else {
    root.sitegen = root.sitegen || {};
    root.sitegen.loadIndex = factory(root.lunr).loadIndex;
  }
})(typeof self !== "undefined" ? self : this, function (lunr) {
  "use strict";

  /**
   * lunr.Index.load, less the two costs that made up most of its time: building the token set
   * automaton of every index term, and creating every posting object up front. The queries made
   * here (whole terms, and a trailing wildcard while typing) need only a sorted list of terms,
   * and each posting is built the first time a query reaches its term. Any other clause builds
   * the real token set on first use.
   */
  function loadIndex(serialized) {
    var fieldVectors = Object.create(null);
    serialized.fieldVectors.forEach(function (pair) { fieldVectors[pair[0]] = new lunr.Vector(pair[1]); });
    var postings = new Postings(serialized.fields, serialized.postings);
    var idx = new lunr.Index({
      fields: serialized.fields,
      fieldVectors: fieldVectors,
      invertedIndex: postings.built,
      tokenSet: new TermList(postings),
      pipeline: lunr.Pipeline.load(serialized.pipeline)
    });
    idx.sitegenPostings = postings;
    // Terms in so many documents that the index left out their body postings (sitegen/search.py).
    idx.sitegenDropped = Object.create(null);
    (serialized.dropped || []).forEach(function (term) { idx.sitegenDropped[term] = true; });
    return idx;
  }

  var NOTHING = Object.freeze({});

  /**
   * sitegen writes postings compactly, [term, term index, {field: [refs]}] (sitegen/search.py,
   * compact); lunr reads {_index, field: {ref: metadata}} for every field from `built`. Nothing
   * writes to these objects, so the empty ones are shared.
   */
  function Postings(fields, rows) {
    this.fields = fields;
    this.rows = Object.create(null);
    this.built = Object.create(null);
    var terms = [];
    for (var i = 0; i < rows.length; i++) {
      this.rows[rows[i][0]] = rows[i];
      terms.push(rows[i][0]);
    }
    this.sorted = terms.sort();
  }

  Postings.prototype.get = function (term) {
    var posting = this.built[term];
    if (posting || !(term in this.rows)) return posting;
    var row = this.rows[term];
    posting = { _index: row[1] };
    this.fields.forEach(function (field) {
      var refs = row[2][field];
      if (!refs) {
        posting[field] = NOTHING;
        return;
      }
      var docs = {};
      for (var i = 0; i < refs.length; i++) docs[refs[i]] = NOTHING;
      posting[field] = docs;
    });
    this.built[term] = posting;
    return posting;
  };

  /** Stands in for lunr.TokenSet in lunr.Index#query, which only calls `intersect(clause).toArray()`. */
  function TermList(postings) {
    this.postings = postings;
    this.full = null;
  }

  TermList.prototype.intersect = function (clause) {
    // A clause's token set is a chain of single characters, ending either in a final node (a whole
    // word) or in a node whose one edge is a `*` loop back to itself (a trailing wildcard).
    var word = "";
    var node = clause;
    for (;;) {
      var keys = Object.keys(node.edges);
      if (keys.length === 0) return node.final ? this.between(word, false) : listOf([]);
      if (keys.length !== 1) break;
      if (keys[0] === "*") {
        if (node.edges["*"] === node && node.final) return this.between(word, true);
        break;
      }
      word += keys[0];
      node = node.edges[keys[0]];
    }
    if (!this.full) this.full = lunr.TokenSet.fromArray(this.postings.sorted);
    return this.ready(this.full.intersect(clause).toArray());
  };

  /** The terms equal to `word`, or (prefix) starting with it. */
  TermList.prototype.between = function (word, prefix) {
    var list = this.postings.sorted;
    var low = 0;
    var high = list.length;
    while (low < high) {
      var mid = (low + high) >>> 1;
      if (list[mid] < word) low = mid + 1;
      else high = mid;
    }
    var found = [];
    for (var i = low; i < list.length && list[i].lastIndexOf(word, 0) === 0; i++) {
      if (!prefix && list[i] !== word) break;
      found.push(list[i]);
      if (!prefix) break;
    }
    return this.ready(found.sort(tokenSetOrder));
  };

  /** `terms`, once lunr can read each one's postings. */
  TermList.prototype.ready = function (terms) {
    var postings = this.postings;
    terms.forEach(function (term) { postings.get(term); });
    return listOf(terms);
  };

  // The order lunr.TokenSet#toArray lists words in, so that scores add up in the same order and
  // come out identical to the last bit: depth first, a word before its longer forms, branches in
  // reverse order of their edge keys, where digit keys come first (they are array indices).
  function tokenSetOrder(a, b) {
    for (var i = 0; i < a.length && i < b.length; i++) {
      if (a.charCodeAt(i) !== b.charCodeAt(i)) return edgeRank(b.charCodeAt(i)) - edgeRank(a.charCodeAt(i));
    }
    return a.length - b.length;
  }

  function edgeRank(code) {
    if (code >= 48 && code <= 57) return code - 48;
    return code >= 0xd800 && code <= 0xdfff ? code + 0x10000 : code + 10; // surrogates: code point order
  }

  function listOf(terms) {
    return { toArray: function () { return terms; } };
  }

  return { loadIndex: loadIndex };
});
