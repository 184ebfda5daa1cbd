/*
 * sitegen search: a query's matches, scored into typed arrays indexed by (field, ref).
 *
 * lunr.Index#query, for the optional clauses sitegen makes, gives each document met the sum of
 * its fields' scores (a field's score: the dot product of the query vector with the field vector,
 * over the query vector's magnitude) and a MatchData naming the terms met in each field. A common
 * word meets most of a large site's documents: lunr makes a MatchData, a FieldRef and a result
 * per posting, and search.js's rank() then read each result's MatchData back. Here the very same
 * numbers are added up posting by posting into arrays, in lunr's order of operations, so every
 * score is the same to the last bit, and no object is made per posting:
 *
 *   first[f * size + ref]   1 + the place of the first query term (in the order lunr expands
 *                           them) that met `ref`'s field f, 0 where none did: lunr meets a
 *                           document's fields, adds their scores and merges their MatchData in
 *                           the order (first, f), and rank() reads the MatchData's terms in it;
 *   dots[f * size + ref]    the dot product of the query vector with the field vector, added up
 *                           term by term in term order (lunr.Vector's order).
 *
 * `results()` is what lunr.Index#query returns; `ranked()` is search.js's rank() after the query
 * (coverage, the best field's share, score, ref). A result's MatchData is made only when read.
 *
 * Needs, before it: vendor/lunr.min.js. Used by index-loader.js.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./vendor/lunr.min.js"));
  } else {
    root.sitegen = root.sitegen || {};
    root.sitegen.indexMatch = factory(root.lunr);
  }
})(typeof self !== "undefined" ? self : this, function (lunr) {
  "use strict";

  var K1 = 1.2;
  var B = 0.75;
  var NOTHING = Object.freeze({});
  var CLASS_TWO = 4294967296; // above every array index: Object.keys lists those first, by value

  /**
   * BM25 scores of postings, and the field vectors lunr's own query asks for, made from them:
   * lunr.Builder#createFieldVectors for one posting, operation for operation (document boost 1).
   */
  function Scorer(manifest, postings) {
    this.postings = postings;
    this.lengths = manifest.lengths;
    this.docs = manifest.docs;
    // Refs are below `size` (a site's are 0..docs-1; the lengths are listed by ref).
    this.size = Math.max(manifest.docs, manifest.lengths[manifest.fields[0][0]].length) + 1;
    this.made = Object.create(null);
    this.sorted = [];
    this.sortedOf = null;
    this.average = Object.create(null);
    this.boost = Object.create(null);
    this.norms = Object.create(null); // field -> Float64Array by ref of K1 * (1 - B + B * length / average)
    var average = this.average;
    var boost = this.boost;
    manifest.fields.forEach(function (f) {
      var total = 0;
      var lengths = manifest.lengths[f[0]];
      for (var i = 0; i < lengths.length; i++) total += lengths[i];
      average[f[0]] = total / manifest.docs;
      boost[f[0]] = f[1];
    });
  }

  /** lunr.idf of a term with `count` postings. */
  Scorer.prototype.idf = function (count) {
    var x = (this.docs - count + 0.5) / (count + 0.5);
    return Math.log(1 + Math.abs(x));
  };

  /** The length part of BM25's denominator for each ref's `field`, as lunr works it out. */
  Scorer.prototype.normsOf = function (field) {
    var norms = this.norms[field];
    if (norms) return norms;
    var lengths = this.lengths[field];
    var average = this.average[field];
    norms = this.norms[field] = new Float64Array(lengths.length);
    for (var i = 0; i < lengths.length; i++) norms[i] = K1 * (1 - B + B * (lengths[i] / average));
    return norms;
  };

  /** The score of one posting: lunr's arithmetic, rounded as lunr's builder rounds. */
  function bm25(idf, tf, norm, boost) {
    var score = idf * ((K1 + 1) * tf) / (norm + tf);
    score *= boost;
    return Math.round(score * 1000) / 1000;
  }

  Scorer.prototype.score = function (count, tf, field, ref) {
    return bm25(this.idf(count), tf, this.normsOf(field)[ref], this.boost[field]);
  };

  /** The vector of "field/ref" (lunr's own query): the score of each term of this query the field holds. */
  Scorer.prototype.vector = function (name) {
    var vector = this.made[name];
    if (vector) return vector;
    var slash = name.indexOf("/");
    var field = name.slice(0, slash);
    var ref = Number(name.slice(slash + 1));
    // The query's terms, in order: sorted once per query (no term is added once vectors are asked for).
    if (this.sortedOf !== this.postings.active || this.sorted.length !== this.postings.active.length) {
      this.sortedOf = this.postings.active;
      this.sorted = this.postings.active.slice().sort();
    }
    var active = this.sorted;
    var elements = [];
    for (var i = 0; i < active.length; i++) {
      var tf = this.postings.tf(active[i], field, ref);
      if (tf) elements.push(active[i], this.score(this.postings.rows[active[i]][1], tf, field, ref));
    }
    return (this.made[name] = new lunr.Vector(elements));
  };

  /** The terms `query`'s clauses expand to, in the order lunr meets them, and each one's boost. */
  function expand(idx, query) {
    var boosts = Object.create(null);
    var terms = [];
    query.clauses.forEach(function (clause) {
      var words = clause.usePipeline ? idx.pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
      words.forEach(function (word) {
        clause.term = word;
        idx.tokenSet.intersect(lunr.TokenSet.fromClause(clause)).toArray().forEach(function (term) {
          if (!(term in boosts)) terms.push(term);
          boosts[term] = (boosts[term] || 0) + clause.boost;
        });
      });
    });
    return { terms: terms, boosts: boosts };
  }

  /** The matches of `query` (optional clauses only) against the loaded postings. */
  function Match(idx, query, postings, scorer) {
    var fields = idx.fields;
    var count = fields.length;
    var size = scorer.size;
    var expanded = expand(idx, query);
    var terms = expanded.terms;
    var boosts = expanded.boosts;
    var rows = terms.map(function (term) { return postings.row(term); });
    this.fields = fields;
    this.size = size;
    this.terms = terms;
    this.rows = rows;
    this.place = Object.create(null); // term -> its place in `terms`
    for (var t = 0; t < terms.length; t++) this.place[terms[t]] = t;
    // Which query term first met each (field, ref), and every ref met, in the order lunr meets them.
    var first = new Int32Array(count * size);
    var refs = [];
    var metRef = new Uint8Array(size);
    for (var i = 0; i < terms.length; i++) {
      for (var f = 0; f < count; f++) {
        var list = rows[i][2][fields[f]];
        if (!list) continue;
        var base = f * size;
        for (var k = 0; k < list.length; k++) {
          var ref = list[k];
          if (first[base + ref] === 0) {
            first[base + ref] = i + 1;
            if (!metRef[ref]) { metRef[ref] = 1; refs.push(ref); }
          }
        }
      }
    }
    this.first = first;
    this.refs = refs;
    // The query vector: its terms in order, its magnitude.
    var sorted = terms.slice().sort();
    var magnitude = 0;
    sorted.forEach(function (term) { magnitude += boosts[term] * boosts[term]; });
    magnitude = Math.sqrt(magnitude);
    var dots = new Float64Array(count * size);
    for (var g = 0; g < count; g++) {
      var field = fields[g];
      var norms = scorer.normsOf(field);
      var fieldBoost = scorer.boost[field];
      var at = g * size;
      for (var s = 0; s < sorted.length; s++) {
        var row = postings.row(sorted[s]);
        var found = row[2][field];
        if (!found) continue;
        var tfs = postings.tfs[sorted[s]][field];
        var boost = boosts[sorted[s]];
        var idf = scorer.idf(row[1]);
        for (var j = 0; j < found.length; j++) {
          dots[at + found[j]] += boost * bm25(idf, tfs ? tfs[j] : 1, norms[found[j]], fieldBoost);
        }
      }
    }
    // Each document's score: its fields' shares added in the order lunr met the fields.
    var scores = new Float64Array(size);
    var order = new Int32Array(count);
    for (var r = 0; r < refs.length; r++) {
      var n = this.fieldOrder(refs[r], order);
      var total = 0;
      for (var o = 0; o < n; o++) {
        var share = dots[order[o] * size + refs[r]] / magnitude || 0;
        total = o === 0 ? share : total + share;
      }
      scores[refs[r]] = total;
    }
    this.scores = scores;
  }

  /** The fields of `ref` the query met, into `out` in the order lunr met them; returns how many. */
  Match.prototype.fieldOrder = function (ref, out) {
    var n = 0;
    var first = this.first;
    var size = this.size;
    for (var f = 0; f < this.fields.length; f++) {
      var met = first[f * size + ref];
      if (met === 0) continue;
      var at = n++;
      while (at > 0 && first[out[at - 1] * size + ref] > met) {
        out[at] = out[at - 1];
        at--;
      }
      out[at] = f;
    }
    return n;
  };

  /** Whether query term `i` is in `ref`'s field `f`. */
  Match.prototype.has = function (i, f, ref) {
    var list = this.rows[i][2][this.fields[f]];
    return !!list && list[lowerBound(list, ref)] === ref;
  };

  /** lunr's MatchData of a result: {metadata: {term: {field: {}}}}, keys in the order lunr gives them. */
  Match.prototype.matchData = function (ref) {
    var metadata = Object.create(null);
    var order = new Int32Array(this.fields.length);
    var n = this.fieldOrder(ref, order);
    for (var o = 0; o < n; o++) {
      var field = this.fields[order[o]];
      for (var i = 0; i < this.terms.length; i++) {
        if (this.has(i, order[o], ref)) (metadata[this.terms[i]] || (metadata[this.terms[i]] = Object.create(null)))[field] = NOTHING;
      }
    }
    return { metadata: metadata };
  };

  /** What lunr.Index#query returns: every document met, by score (ties in the order met). */
  Match.prototype.results = function () {
    var self = this;
    return this.refs.map(function (ref) {
      return { ref: String(ref), score: self.scores[ref], matchData: self.matchData(ref) };
    }).sort(function (a, b) { return b.score - a.score; });
  };

  /** A result of rank(): ref, score, coverage, together; its MatchData made when read. */
  function Ranked(match, ref, coverage, together) {
    this.ref = String(ref);
    this.score = match.scores[ref];
    this.coverage = coverage;
    this.together = together;
    this._match = match;
    this._data = null;
  }
  Object.defineProperty(Ranked.prototype, "matchData", {
    get: function () { return this._data || (this._data = this._match.matchData(Number(this.ref))); }
  });

  /**
   * search.js's rank() from here on: `wanted` [{stem, term, prefix, boost}] in its order, `total`
   * the query's weight; a result's coverage is the boost of the wanted terms it matched over
   * `total`, `together` the same for its best single field, compared in `steps` and
   * `togetherSteps`. A wanted
   * term matches by its stem; failing that, a typed prefix matches by the first of the
   * document's matched terms (in MatchData key order) starting with it.
   */
  Match.prototype.ranked = function (wanted, total, steps, togetherSteps) {
    var count = this.fields.length;
    var size = this.size;
    var got = new Float64Array(size);
    var byField = new Float64Array(count * size);
    var stamp = new Int32Array(size);
    for (var w = 0; w < wanted.length; w++) {
      var mark = w + 1;
      var boost = wanted[w].boost;
      var i = wanted[w].stem in this.place ? this.place[wanted[w].stem] : -1;
      for (var f = 0; i >= 0 && f < count; f++) {
        var list = this.rows[i][2][this.fields[f]];
        if (!list) continue;
        for (var k = 0; k < list.length; k++) {
          var ref = list[k];
          if (stamp[ref] !== mark) { stamp[ref] = mark; got[ref] += boost; }
          byField[f * size + ref] += boost;
        }
      }
      if (wanted[w].prefix) this.addPrefix(wanted[w].term, boost, mark, stamp, got, byField);
    }
    var refs = this.refs;
    var coverage = new Float64Array(size);
    var cover = new Int32Array(size);
    var together = new Float64Array(size);
    var along = new Int32Array(size);
    for (var r = 0; r < refs.length; r++) {
      var at = refs[r];
      var best = 0;
      for (var g = 0; g < count; g++) best = Math.max(best, byField[g * size + at]);
      coverage[at] = total ? got[at] / total : 0;
      together[at] = total ? best / total : 0;
      cover[at] = Math.round(coverage[at] * steps);
      along[at] = Math.round(together[at] * togetherSteps);
    }
    var scores = this.scores;
    var names = Object.create(null); // ref -> String(ref), for the rare tie on everything else
    function name(ref) { return names[ref] || (names[ref] = String(ref)); }
    var sorted = Int32Array.from(refs).sort(function (a, b) {
      if (cover[a] !== cover[b]) return cover[b] - cover[a];
      if (along[a] !== along[b]) return along[b] - along[a];
      if (scores[a] !== scores[b]) return scores[b] - scores[a];
      return name(a) < name(b) ? -1 : name(a) > name(b) ? 1 : 0;
    });
    var out = new Array(sorted.length);
    for (var s = 0; s < sorted.length; s++) out[s] = new Ranked(this, sorted[s], coverage[sorted[s]], together[sorted[s]]);
    return out;
  };

  /**
   * A typed prefix's share, for the documents without its stem: each takes the first of its
   * matched terms starting with `prefix` in the order lunr's MatchData lists them (Object.keys:
   * array-index keys first, by value; then the order added: by field met, then by term met).
   */
  Match.prototype.addPrefix = function (prefix, boost, mark, stamp, got, byField) {
    var count = this.fields.length;
    var size = this.size;
    var first = this.first;
    var best = new Float64Array(size);
    var bestTerm = new Int32Array(size);
    var seen = new Uint8Array(size);
    var touched = [];
    var places = this.terms.length + 1;
    for (var i = 0; i < this.terms.length; i++) {
      var term = this.terms[i];
      if (term.lastIndexOf(prefix, 0) !== 0) continue;
      var index = arrayIndex(term);
      for (var f = 0; f < count; f++) {
        var list = this.rows[i][2][this.fields[f]];
        if (!list) continue;
        for (var k = 0; k < list.length; k++) {
          var ref = list[k];
          if (stamp[ref] === mark) continue; // it has the stem
          var key = index >= 0 ? index : CLASS_TWO + (first[f * size + ref] * count + f) * places + i;
          if (!seen[ref]) { seen[ref] = 1; touched.push(ref); best[ref] = key; bestTerm[ref] = i; }
          else if (key < best[ref]) { best[ref] = key; bestTerm[ref] = i; }
        }
      }
    }
    for (var t = 0; t < touched.length; t++) {
      var at = touched[t];
      got[at] += boost;
      for (var g = 0; g < count; g++) if (this.has(bestTerm[at], g, at)) byField[g * size + at] += boost;
    }
  };

  /** The value of `key` when it is an array index (0 .. 2^32 - 2 written plainly), else -1. */
  /** The first position in the sorted `list` whose item is not below `value`. */
  function lowerBound(list, value) {
    var low = 0;
    var high = list.length;
    while (low < high) {
      var mid = (low + high) >>> 1;
      if (list[mid] < value) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  function arrayIndex(key) {
    if (!/^(0|[1-9][0-9]{0,9})$/.test(key)) return -1;
    var value = Number(key);
    return value <= 4294967294 ? value : -1;
  }

  return { Scorer: Scorer, Match: Match, expand: expand, arrayIndex: arrayIndex, lowerBound: lowerBound };
});
