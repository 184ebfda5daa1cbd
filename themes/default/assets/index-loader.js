/*
 * sitegen search: the sharded index (sitegen/shards.py) made into a lunr.Index, piece by piece.
 *
 * search-index.js (the manifest) names the fields and boosts, holds every entry's field lengths
 * and lists the term shards; search/t-<key>.js holds the terms starting with <key>, with each
 * posting's term frequency; search/d-<n>.js holds result-store entries. Every file is a script
 * calling window.SITEGEN_SEARCH_ADD(name, data): a <script> tag loads it, also from file://.
 *
 * No score is shipped: lunr 2.3.9's BM25 is worked out in the browser (index-match.js), for the
 * postings a query meets. A query of optional clauses (all sitegen makes) is scored there into
 * typed arrays (`idx.sitegenMatch`, and `idx.query`, which gives lunr.Index#query's results from
 * it); any other query goes to lunr.Index#query itself, unchanged: it scores a field as
 * queryVector.similarity(fieldVector), and the dot product only meets the query's own terms, so
 * the field vector lunr asks for is made when it asks, holding just the terms this query
 * expanded to (each passes through TermList#ready first). Vector indexes are the terms
 * themselves: lunr.Vector only compares them, and strings keep one order however shards arrive.
 *
 * Needs, before it: vendor/lunr.min.js and index-match.js. Used by search.js (and by node tests, through it).
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./vendor/lunr.min.js"), require("./index-match.js"));
  } else {
    root.sitegen = root.sitegen || {};
    var made = factory(root.lunr, root.sitegen.indexMatch);
    root.sitegen.loadIndex = made.loadIndex;
    root.sitegen.indexLoader = made;
  }
})(typeof self !== "undefined" ? self : this, function (lunr, indexMatch) {
  "use strict";

  var NOTHING = Object.freeze({});
  var lowerBound = indexMatch.lowerBound; // the first position in a sorted list not below a value
  var REGISTER = "SITEGEN_SEARCH_ADD";

  /** An index holding no term yet: `idx.sitegenShards.add(name, data)` adds each shard's terms. */
  function createIndex(manifest) {
    if (manifest.format !== 1) throw new Error("search index format " + manifest.format + " is not known to this search.js");
    var fields = manifest.fields.map(function (f) { return f[0]; });
    var postings = new Postings(fields, manifest);
    var scorer = new indexMatch.Scorer(manifest, postings);
    var fieldVectors = new Proxy(Object.create(null), {
      get: function (target, name) { return typeof name === "string" ? scorer.vector(name) : undefined; }
    });
    // lunr's own query reads a term's postings as {field: {ref: metadata}}: made only when it reads them.
    var invertedIndex = new Proxy(Object.create(null), {
      get: function (target, name) { return typeof name === "string" ? postings.get(name) : undefined; }
    });
    var idx = new lunr.Index({
      fields: fields,
      fieldVectors: fieldVectors,
      invertedIndex: invertedIndex,
      tokenSet: new TermList(postings),
      pipeline: lunr.Pipeline.load(manifest.pipeline)
    });
    idx.sitegenPostings = postings;
    // Terms in so many documents that the index left out their body postings (sitegen/search.py).
    idx.sitegenDropped = Object.create(null);
    idx.sitegenDocs = manifest.docs;
    idx.sitegenShards = new Shards(manifest, idx);
    // The query `fn` builds, each query starting with no term expanded and no vector made.
    function start(fn) {
      postings.active = [];
      postings.isActive = Object.create(null);
      scorer.made = Object.create(null);
      var query = new lunr.Query(idx.fields);
      fn.call(query, query);
      return query;
    }
    function plain(query) {
      return query.clauses.every(function (c) { return c.presence === lunr.Query.presence.OPTIONAL; });
    }
    idx.query = function (fn) {
      var query = start(fn);
      if (!plain(query)) return lunr.Index.prototype.query.call(this, function (q) { q.clauses = query.clauses; });
      return new indexMatch.Match(this, query, postings, scorer).results();
    };
    /** lunr.Index#query itself, whatever the clauses (tests compare it with `query`). */
    idx.sitegenLunrQuery = function (fn) {
      var query = start(fn);
      return lunr.Index.prototype.query.call(this, function (q) { q.clauses = query.clauses; });
    };
    /** The matches of a query of optional clauses (index-match.js Match), or null for any other query. */
    idx.sitegenMatch = function (fn) {
      var query = start(fn);
      return plain(query) ? new indexMatch.Match(this, query, postings, scorer) : null;
    };
    return idx;
  }

  /** An index with every shard given already added (node tests and tools: the whole index at once). */
  function loadIndex(manifest, shards) {
    var idx = createIndex(manifest);
    Object.keys(shards || {}).forEach(function (key) { idx.sitegenShards.add(key, shards[key]); });
    return idx;
  }

  function Shards(manifest, idx) {
    this.manifest = manifest;
    this.idx = idx;
    this.loaded = Object.create(null);
    this.count = 0; // shards added
    this.prefix = manifest.prefix;
    this.keys = manifest.shards;
    this.known = Object.create(null);
    // A shard over the size limit was split by one more letter of its terms (sitegen/shards.py
    // split_payload): every shorter start of a longer key is such a split key.
    this.split = Object.create(null);
    var known = this.known;
    var split = this.split;
    var prefix = this.prefix;
    this.keys.forEach(function (key) {
      known[key] = true;
      for (var length = prefix; length < key.length; length++) split[key.slice(0, length)] = true;
    });
  }

  /** The key of the shard that would hold `term`: one more unit while that start was split (shards.py shard_key). */
  Shards.prototype.keyFor = function (term) {
    var length = this.prefix;
    var key = term.slice(0, length);
    while (this.split[key] && term.length > length) key = term.slice(0, ++length);
    return key;
  };

  /** The shard holding `term` (a stemmed index term), or null when no shard could hold it. */
  Shards.prototype.keyOf = function (term) {
    var key = this.keyFor(term);
    return this.known[key] ? key : null;
  };

  /** The shards holding every term that starts with `word`. */
  Shards.prototype.keysStarting = function (word) {
    // Past the split keys every such term is in the one shard of `word`'s start; a split `word`
    // (or one shorter than the prefix) has them in every shard whose key starts with it.
    if (word.length >= this.prefix && !this.split[word]) {
      var key = this.keyOf(word);
      return key === null ? [] : [key];
    }
    return this.keys.filter(function (key) { return key.lastIndexOf(word, 0) === 0; });
  };

  /**
   * The shards holding every index term one edit from `word` (a deletion, swap, substitution or
   * insertion) that starts with its first unit: search.js nearestTerm's candidates for a typo. Where
   * the edited unit follows a split start, each unit a key has there is tried; past the split keys
   * every unit gives one shard. Far fewer than all the shards of its first letter once big shards split.
   */
  Shards.prototype.keysNear = function (word) {
    var found = Object.create(null);
    var self = this;
    function add(term) {
      var key = self.keyOf(term);
      if (key !== null) found[key] = true;
    }
    if (word.charAt(1) === word.charAt(0)) add(word.slice(1)); // `aab` less its first unit still starts with `a`
    for (var i = 1; i <= word.length; i++) {
      var head = word.slice(0, i);
      if (i < word.length) add(head + word.slice(i + 1));
      if (i + 1 < word.length) add(head + word.charAt(i + 1) + word.charAt(i) + word.slice(i + 2));
      this.nextUnits(head).forEach(function (unit) {
        if (i < word.length) add(head + unit + word.slice(i + 1));
        add(head + unit + word.slice(i));
      });
    }
    return Object.keys(found);
  };

  /** Units after `head` that lead to different shards: those the keys have there, or "" for "any, all alike". */
  Shards.prototype.nextUnits = function (head) {
    if (head.length >= this.prefix && !this.split[head]) return [""];
    var units = Object.create(null);
    this.keys.forEach(function (key) {
      if (key.length > head.length && key.lastIndexOf(head, 0) === 0) units[key.charAt(head.length)] = true;
    });
    return Object.keys(units);
  };

  /** Adds one term shard: its terms' postings, which lunr reads (and scores) as queries meet them. */
  Shards.prototype.add = function (key, data) {
    if (this.loaded[key]) return;
    this.loaded[key] = true;
    this.count += 1;
    var postings = this.idx.sitegenPostings;
    var dropped = this.idx.sitegenDropped;
    data.dropped.forEach(function (term) { dropped[term] = true; });
    postings.addRun(data.terms);
  };

  /**
   * Postings of the terms loaded so far: rows[term] is the shard's row, row(term) the same decoded,
   * [term, postings idf counted, {field: [refs]}] (made when a query first meets the term); lunr reads {_index, field: {ref: metadata}} for every field from `built`, made on first use.
   * Nothing writes to these objects, so the empty ones are shared.
   */
  function Postings(fields, manifest) {
    this.fields = fields;
    this.marks = null; // Uint32Array by ref, for counting a term's documents (`documents`)
    this.mark = 0;
    this.size = manifest ? Math.max(manifest.docs, manifest.lengths[fields[0]].length) + 1 : 0;
    // Terms a query leaves out beside rarer ones (search.js isCommon), with the most entries each is
    // in, from the manifest: their shards need not load for such a query.
    this.common = Object.create(null);
    var common = (manifest && manifest.common) || {};
    for (var term in common) this.common[term] = common[term];
    this.rows = Object.create(null); // term -> the shard's row [term, count, {field: [ref gaps, tfs]}]
    this.decoded = Object.create(null); // term -> [term, count, {field: [refs]}], made on first use
    this.tfs = Object.create(null); // term -> field -> {ref: tf}, made on first use
    this.built = Object.create(null);
    this.runs = []; // the loaded terms: one sorted list per shard, ordered by first term (see settle)
    this.fresh = []; // lists added since
    this.whole = []; // every loaded term, in order, once settled
    this.active = []; // the terms the running query expanded to
    this.isActive = Object.create(null);
  }

  /** A shard's rows [term, postings idf counts, {field: [ref gaps, tfs]}], in term order; decoded on first use. */
  Postings.prototype.addRun = function (rows) {
    var run = new Array(rows.length);
    var ordered = true;
    for (var i = 0; i < rows.length; i++) {
      var term = rows[i][0];
      this.rows[term] = rows[i]; // as the shard has it, until `row` decodes it
      run[i] = term;
      if (i && !(run[i - 1] < term)) ordered = false;
    }
    if (!ordered) run.sort();
    if (run.length) this.fresh.push(run);
  };

  /** Every loaded term, in order (JavaScript's string order, as lunr's token set lists them). */
  Object.defineProperty(Postings.prototype, "sorted", {
    get: function () {
      this.settle();
      return this.whole;
    }
  });

  /**
   * Keeps `whole` in order once shards came in. A shard's terms share its key, so shards' lists
   * never overlap (every term of `ab` sorts between `aa`'s and `ac`'s): the lists ordered by their
   * first term and joined are in order, checked as they are joined. A query loads some twenty
   * shards; sorting every loaded term again after each one cost as much as parsing them.
   */
  Postings.prototype.settle = function () {
    if (!this.fresh.length) return;
    var runs = this.runs.concat(this.fresh).sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    this.fresh = [];
    this.runs = runs;
    var apart = true;
    for (var i = 1; i < runs.length && apart; i++) apart = runs[i - 1][runs[i - 1].length - 1] < runs[i][0];
    var whole = [].concat.apply([], runs);
    this.whole = apart ? whole : whole.sort();
  };

  /** rows[term] with its refs per field: [term, count, {field: [refs]}]. */
  Postings.prototype.row = function (term) {
    var row = this.decoded[term];
    if (row || !(term in this.rows)) return row;
    var packed = this.rows[term][2];
    var byField = Object.create(null);
    var tfs = Object.create(null);
    Object.keys(packed).forEach(function (field) {
      var gaps = packed[field][0];
      var refs = new Array(gaps.length);
      var ref = 0;
      for (var i = 0; i < gaps.length; i++) {
        ref += gaps[i];
        refs[i] = ref;
      }
      byField[field] = refs;
      tfs[field] = packed[field][1] || null; // null: every tf is 1
    });
    this.tfs[term] = tfs;
    return (this.decoded[term] = [term, this.rows[term][1], byField]);
  };


  /** Whether `term` is among the loaded terms. */
  Postings.prototype.has = function (term) {
    return term in this.rows;
  };

  /** Whether `term` is an index term: loaded, or a common term the manifest lists. */
  Postings.prototype.knows = function (term) {
    return term in this.rows || term in this.common;
  };

  /** The most entries `term` is in, in any one field (0: not loaded, nor a common term). */
  Postings.prototype.most = function (term) {
    var row = this.row(term);
    var most = 0;
    if (!row) return this.common[term] || 0;
    for (var f = 0; f < this.fields.length; f++) {
      var refs = row[2][this.fields[f]];
      if (refs) most = Math.max(most, refs.length);
    }
    return most;
  };

  /** How many entries hold `term` in any field (0: not loaded). */
  Postings.prototype.documents = function (term) {
    var row = this.row(term);
    if (!row) return 0;
    if (!this.marks) this.marks = new Uint32Array(this.size);
    var marks = this.marks;
    var mark = ++this.mark;
    var count = 0;
    for (var f = 0; f < this.fields.length; f++) {
      var refs = row[2][this.fields[f]] || [];
      for (var i = 0; i < refs.length; i++) {
        if (marks[refs[i]] !== mark) { marks[refs[i]] = mark; count++; }
      }
    }
    return count;
  };

  /** How often `term` occurs in `ref`'s field (0: not there). */
  Postings.prototype.tf = function (term, field, ref) {
    var row = this.row(term);
    var refs = row && row[2][field];
    if (!refs) return 0;
    var low = lowerBound(refs, ref);
    if (refs[low] !== ref) return 0;
    var tfs = this.tfs[term][field];
    return tfs ? tfs[low] : 1;
  };


  Postings.prototype.get = function (term) {
    var posting = this.built[term];
    if (posting || !(term in this.rows)) return posting;
    var row = this.row(term);
    posting = { _index: term };
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
    this.fullOf = null;
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
    // Any other clause (fuzzy, inner wildcards): lunr's own token set of the terms loaded so far.
    if (this.fullOf !== this.postings.sorted) {
      this.full = lunr.TokenSet.fromArray(this.postings.sorted);
      this.fullOf = this.postings.sorted;
    }
    return this.ready(this.full.intersect(clause).toArray());
  };

  /** The terms equal to `word`, or (prefix) starting with it. */
  TermList.prototype.between = function (word, prefix) {
    var list = this.postings.sorted;
    var low = lowerBound(list, word);
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
    terms.forEach(function (term) {
      if (!postings.isActive[term]) {
        postings.isActive[term] = true;
        postings.active.push(term);
      }
    });
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

  /* ------------------------------------------------------------------ files */

  /** The file of shard `key` (sitegen/shards.py shard_file). */
  function shardFile(key) {
    if (/^[a-z0-9]*$/.test(key)) return "search/t-" + key + ".js";
    var hex = "";
    for (var i = 0; i < key.length; i++) hex += ("000" + key.charCodeAt(i).toString(16)).slice(-4);
    return "search/t-x" + hex + ".js";
  }

  function chunkFile(number) {
    return "search/d-" + number + ".js";
  }

  /** The value a search index file registers, from its text (node: no <script> tags there). */
  function evaluate(text) {
    var got = [];
    var win = {};
    win[REGISTER] = function (name, data) { got.push([name, data]); };
    new Function("window", text)(win); // eslint-disable-line no-new-func
    if (got.length !== 1) throw new Error("a search index file registers " + got.length + " values, not 1");
    return got[0];
  }

  /**
   * The whole index of a built site, read with `read(path relative to the site) -> text`:
   * {idx, docs: [store entries by ref]}. For node tests and tools; the browser loads by the piece.
   */
  function readSite(read) {
    var manifest = evaluate(read("search-index.js"))[1];
    var shards = {};
    manifest.shards.forEach(function (key) { shards[key] = evaluate(read(shardFile(key)))[1]; });
    var docs = [];
    manifest.chunks.forEach(function (n) { docs = docs.concat(evaluate(read(chunkFile(n)))[1]); });
    return { idx: loadIndex(manifest, shards), docs: docs, manifest: manifest };
  }

  /* --------------------------------------------------------------- browser */

  /**
   * Loads the index's files on demand with <script> tags, each once. `root`: the site's root
   * address from the page. The manifest first (`open`), then the term shards a query needs
   * (`terms`) and the store chunks of the results shown (`docs`).
   */
  function Loader(win, doc, root) {
    this.win = win;
    this.doc = doc;
    this.root = root;
    this.idx = null;
    this.store = Object.create(null); // ref -> store entry
    this.waiting = Object.create(null); // file name -> callbacks
    this.done = Object.create(null); // file name -> registered value
    var self = this;
    var previous = win[REGISTER];
    win[REGISTER] = function (name, data) {
      self.done[name] = data;
      if (typeof previous === "function") previous(name, data);
    };
  }

  /** Loads the script registering `name` (unless it did already); callback(err, value). */
  Loader.prototype.load = function (name, file, callback) {
    if (name in this.done) return callback(null, this.done[name]);
    var waiters = this.waiting[name];
    if (waiters) return waiters.push(callback);
    waiters = this.waiting[name] = [callback];
    var self = this;
    function finish(err) {
      delete self.waiting[name];
      if (!err && !(name in self.done)) err = new Error(file + " did not register " + name);
      waiters.forEach(function (fn) { fn(err || null, self.done[name]); });
    }
    var script = this.doc.createElement("script");
    script.src = this.root + file;
    script.onload = function () { finish(null); };
    script.onerror = function () { finish(new Error(file + " could not be loaded")); };
    this.doc.body.appendChild(script);
  };

  /** Loads every (name, file) pair; callback(err) once all are in. */
  Loader.prototype.loadAll = function (pairs, callback) {
    var left = pairs.length;
    var failed = null;
    if (!left) return callback(null);
    var self = this;
    pairs.forEach(function (pair) {
      self.load(pair[0], pair[1], function (err) {
        failed = failed || err;
        left -= 1;
        if (!left) callback(failed);
      });
    });
  };

  /** The manifest, made into an index with no terms yet: callback(err, idx). */
  Loader.prototype.open = function (callback) {
    if (this.idx) return callback(null, this.idx);
    var self = this;
    this.load("index", "search-index.js", function (err, manifest) {
      if (err) return callback(err);
      try {
        self.idx = self.idx || createIndex(manifest);
      } catch (e) {
        return callback(e);
      }
      callback(null, self.idx);
    });
  };

  /** Loads the term shards `keys` and adds them to the index; callback(err). */
  Loader.prototype.terms = function (keys, callback) {
    var self = this;
    var shards = this.idx.sitegenShards;
    var missing = keys.filter(function (key, i) { return !shards.loaded[key] && keys.indexOf(key) === i; });
    this.loadAll(missing.map(function (key) { return ["t:" + key, shardFile(key)]; }), function (err) {
      if (err) return callback(err);
      try {
        missing.forEach(function (key) { shards.add(key, self.done["t:" + key]); });
      } catch (e) {
        return callback(e);
      }
      callback(null);
    });
  };

  /** Loads the store entries of `refs`; callback(err, store) with store[ref] for each. */
  Loader.prototype.docs = function (refs, callback) {
    var chunk = this.idx.sitegenShards.manifest.chunk;
    var numbers = [];
    var store = this.store;
    refs.forEach(function (ref) {
      var number = Math.floor(Number(ref) / chunk);
      if (!(ref in store) && numbers.indexOf(number) < 0) numbers.push(number);
    });
    this.loadAll(numbers.map(function (n) { return ["d:" + n, chunkFile(n)]; }), function (err) {
      if (err) return callback(err);
      numbers.forEach(function (n) {
        (this.done["d:" + n] || []).forEach(function (d) { store[String(d.ref)] = d; });
      }, this);
      callback(null, store);
    }.bind(this));
  };

  return {
    loadIndex: loadIndex,
    createIndex: createIndex,
    readSite: readSite,
    evaluate: evaluate,
    shardFile: shardFile,
    chunkFile: chunkFile,
    Loader: Loader
  };
});
