/*
 * sitegen search: query building (pure, shared with node tests) and the browser UI.
 *
 * Queries never go through lunr's query-string parser (`idx.search`), which throws on input such
 * as `ImportError: cannot import name 'X'` or `--no-cache`: terms come from the shared tokenizer
 * (tokenizer.js) and are handed to `idx.query` one by one, so no input can throw.
 *
 * Needs, before it: vendor/lunr.min.js, tokenizer.js and index-loader.js. The index is sharded
 * (sitegen/shards.py): its manifest `search-index.js` is loaded with a <script> tag (never fetch,
 * so file:// works) on first use of the search box, then each query loads the term shards its
 * words need (`prepare`) and the result-store chunks of the results it shows.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./vendor/lunr.min.js"), require("./tokenizer.js").tokenize,
                             require("./index-loader.js"));
  } else {
    root.sitegen = root.sitegen || {};
    root.sitegen.search = factory(root.lunr, root.sitegen.tokenize, root.sitegen.indexLoader);
    if (root.document) root.sitegen.search.start(root, root.document);
  }
})(typeof self !== "undefined" ? self : this, function (lunr, tokenize, indexLoader) {
  "use strict";

  var loadIndex = indexLoader.loadIndex;

  var HEAD_CHARS = 2000; // a long paste keeps its start (the message) ...
  var TAIL_CHARS = 8000; // ... and its end (the final exception line)
  var MAX_TERMS = 48;
  var MIN_PREFIX = 2;

  // How much a pasted line says about the problem. The last exception line says the most.
  var WEIGHT = { last: 4, exception: 2, text: 1, code: 0.3, frame: 0.1, number: 0.4 };
  var SKIP_LINE = /^\s*(Traceback \(most recent call last\):?|During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:|\^+|~+)\s*$/;
  var FRAME_LINE = /^\s*(File ".*", line \d+|at [\w$.<>\[\]\/]+ ?\(.*\)\s*$|at \S+:\d+(:\d+)?\)?\s*$|#\d+ |\.\.\. \d+ more)/;
  var EXCEPTION_LINE = /^(?:E\s+)?(?:[A-Za-z_][\w]*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)\b/;
  var ADDRESS = /\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
  var PATH = /(?:[A-Za-z]:)?(?:[\\\/][^\s\\\/"'<>|:]+){2,}[\\\/]?/g;
  var NUMBER = /^[0-9][0-9._-]*$/;
  // A name in single or double quotes, as error messages quote the user's own names (`KeyError:
  // 'user_id'`). Not backticks: those are Markdown's, and a line copied from a document keeps its names.
  var QUOTED_NAME = /(['"])([^'"`\s]+)\1/g;

  function isStopWord(term) {
    return lunr.stopWordFilter(term) === undefined;
  }

  function capInput(text) {
    if (typeof text !== "string") return "";
    if (text.length <= HEAD_CHARS + TAIL_CHARS) return text;
    return text.slice(0, HEAD_CHARS) + "\n" + text.slice(-TAIL_CHARS);
  }

  // A traceback pasted into <input> arrives on one line: cut it where its lines began.
  var LINE_START = /(?:\s+|(?<=[)\]}'">]))(?=Traceback \(most recent call last\)|File "|During handling of|The above exception|at [\w$.<>]+ ?\(|(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)\b:)/g;

  /** Each line of the input with the weight of its words. */
  function weighLines(text) {
    if (!/[\r\n]/.test(text)) text = text.replace(LINE_START, "\n");
    var lines = text.split(/\r\n|\r|\n/);
    var weighed = [];
    var lastException = -1;
    var afterFrame = false;
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (!line.trim() || SKIP_LINE.test(line)) continue;
      var weight = WEIGHT.text;
      if (FRAME_LINE.test(line)) {
        weight = WEIGHT.frame;
        afterFrame = true;
      } else if (EXCEPTION_LINE.test(line)) {
        weight = WEIGHT.exception;
        lastException = weighed.length;
        afterFrame = false;
      } else if (afterFrame && /^\s/.test(line)) {
        weight = WEIGHT.code; // the source line a traceback quotes under its frame
      } else {
        afterFrame = false;
      }
      weighed.push({ text: line, weight: weight });
    }
    if (lastException >= 0) weighed[lastException].weight = WEIGHT.last;
    return weighed;
  }

  /**
   * The query terms for `text`: [{term, boost, prefix}], strongest first.
   * options.prefix: the words being typed at the end also match as prefixes.
   */
  function queryTerms(text, options) {
    var capped = capInput(text);
    var byTerm = Object.create(null);
    var order = [];
    var words = 0; // each word of the input (a compound and its parts) gets a number; a term keeps its first
    var quoted = Object.create(null);
    function add(term, weight, prefix, word) {
      if (!term || isStopWord(term)) return;
      if (NUMBER.test(term)) weight = Math.min(weight, WEIGHT.number);
      var seen = byTerm[term];
      if (!seen) {
        seen = byTerm[term] = { term: term, boost: weight, prefix: false, first: order.length, word: word, quoted: !!quoted[word] };
        order.push(seen);
      }
      seen.boost = Math.max(seen.boost, weight);
      seen.prefix = seen.prefix || prefix;
    }
    weighLines(capped).forEach(function (line) {
      var rest = line.text.replace(ADDRESS, " ").replace(PATH, function (path) {
        var word = ++words;
        tokenize(path).forEach(function (term) { add(term, Math.min(line.weight, WEIGHT.frame), false, word); });
        return " ";
      });
      var names = Object.create(null);
      rest.replace(QUOTED_NAME, function (match, quote, name) {
        var found = tokenize(name);
        if (found.length) names[found[0]] = true;
        return match;
      });
      var head = null;
      tokenize(rest).forEach(function (term) {
        // A compound (`invoice_total`, `app.models`) comes first, then its parts: one word.
        if (head === null || head.indexOf(term) < 0) {
          head = term;
          words++;
          if (names[term] === true) quoted[words] = true;
        }
        add(term, line.weight, false, words);
      });
    });
    if (options && options.prefix && capped && !/\s$/.test(capped)) {
      var lastWord = capped.split(/\s+/).pop();
      var typed = lastWord.toLowerCase();
      tokenize(lastWord).forEach(function (term) {
        // Only what is still being typed: in `app.db.perm` that is `perm` and `app.db.perm`, not
        // `app`, whose expansion to every `app…` term would cost much and say nothing.
        var atEnd = typed.length >= term.length && typed.lastIndexOf(term) === typed.length - term.length;
        if (Array.from(term).length >= MIN_PREFIX && byTerm[term] && atEnd) byTerm[term].prefix = true;
      });
    }
    order.sort(function (a, b) { return b.boost - a.boost || a.first - b.first; });
    return order.slice(0, MAX_TERMS).map(function (t) {
      return { term: t.term, boost: t.boost, prefix: t.prefix, word: t.word, quoted: t.quoted };
    });
  }

  /**
   * The ranking, in one pure function (sitegen lookup mirrors it in Python): query terms from
   * queryTerms + a loaded index -> lunr results, best first, each with `coverage`.
   *
   * Coverage first: a result's coverage is the weighted share of the query's words it matches
   * (boost x idf; see below), so a document holding all five words of a pasted message beats one
   * holding two of them in its title. lunr's score (BM25 with field boosts) orders results of
   * equal coverage.
   */
  function rank(idx, terms) {
    // A term found in most documents adds almost nothing to any score (its idf is near 0) but
    // makes lunr score every document: leave such terms out while the query has others.
    var rare = terms.filter(function (t) { return !isCommon(idx, t.term); });
    if (rare.length) terms = rare;
    if (!terms.length) return [];
    var clauses = function (q) {
      terms.forEach(function (t) {
        // usePipeline: the query term is stemmed by lunr.js's stemmer, as the index was.
        // (A typo's correction is an index term already: `raw`, it is not stemmed again.)
        q.term(t.term, { boost: t.boost, usePipeline: !t.raw });
        if (t.prefix) {
          q.term(t.term, { boost: t.boost / 2, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
        }
      });
    };
    // The sharded index scores into typed arrays and ranks there (index-match.js): the same
    // results in the same order as lunr's query and the loop below, without an object per posting.
    var match = idx.sitegenMatch ? idx.sitegenMatch(clauses) : null;
    var results = match ? null : idx.query(clauses);
    // Frame and code words of a pasted traceback (boosts 0.1 and 0.3) still score, but coverage is
    // the share of the message's own words (numbers included), when it has any.
    var message = terms.filter(function (t) { return t.boost >= COVERAGE_MIN_BOOST; });
    var counted = message.length ? message : terms;
    // Coverage weighs each term by how telling it is (boost x idf) and each word of the message by
    // its most telling term, shared among the word's terms: `invoice_total` is one word, and a
    // document holding only its part `total` holds a third of that word, not two words of the message.
    // A quoted name (the user's own, as errors quote it) counts half a word.
    var typing = terms.some(function (t) { return t.prefix; });
    var wordWeight = Object.create(null);
    var wordTerms = Object.create(null);
    var words = [];
    var weighed = counted.map(function (t) {
      var stem = t.stem || stemOf(t.term);
      // While a word is being typed its idf is unknown (a prefix of many terms): then each term
      // counts by its boost alone, as before idf weights (pastes are what they were measured on).
      var weight = t.boost * (typing ? 1 : termIdf(idx, stem));
      var word = t.word || 0;
      var most = weight * (t.quoted ? QUOTED_WEIGHT : 1);
      if (!(word in wordWeight)) {
        words.push(word);
        wordWeight[word] = most;
        wordTerms[word] = weight;
      } else {
        wordWeight[word] = Math.max(wordWeight[word], most);
        wordTerms[word] = wordTerms[word] + weight;
      }
      return { stem: stem, term: t.term, prefix: t.prefix, weight: weight, word: word };
    });
    var total = 0;
    words.forEach(function (word) { total += wordWeight[word]; });
    var wanted = weighed.map(function (w) {
      var boost = wordTerms[w.word] ? w.weight * wordWeight[w.word] / wordTerms[w.word] : 0;
      return { stem: w.stem, term: w.term, prefix: w.prefix, boost: boost };
    });
    if (match) return match.ranked(wanted, total, COVERAGE_STEPS);
    results.forEach(function (r) {
      var matched = (r.matchData && r.matchData.metadata) || {};
      var names = Object.keys(matched);
      var got = 0;
      var byField = Object.create(null);
      wanted.forEach(function (w) {
        var name = w.stem in matched ? w.stem : w.prefix ? names.filter(function (n) { return n.lastIndexOf(w.term, 0) === 0; })[0] : undefined;
        if (name === undefined) return;
        got += w.boost;
        Object.keys(matched[name]).forEach(function (field) { byField[field] = (byField[field] || 0) + w.boost; });
      });
      r.coverage = total ? got / total : 0;
      // How much of the query one field (title, symptoms, body...) holds on its own: the nearest
      // thing to a phrase match that an index without positions allows.
      var together = 0;
      Object.keys(byField).forEach(function (field) { together = Math.max(together, byField[field]); });
      r.together = total ? together / total : 0;
    });
    return results.sort(function (a, b) {
      return coverageStep(b.coverage) - coverageStep(a.coverage) || coverageStep(b.together) - coverageStep(a.together) ||
        b.score - a.score || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
    });
  }

  // Measured with make bench on ../shared/corpus and 1,000 generated docs: 1 (numbers left out
  // too) lost 4 points of hit@3 on generated symptoms, which differ mostly in their numbers.
  var COVERAGE_MIN_BOOST = 0.35;
  // Measured with make bench (bench/quality_run.py) on ../shared/corpus and 1,000 generated docs:
  // a quoted name at half a word raised "names changed" on both; at 0 (left out) verbatim pastes lost
  // first places, since the name is what tells two documents with the same message apart.
  var QUOTED_WEIGHT = 0.5;
  // The index dropped the body postings of terms in over ~37% of the entries, so their document
  // frequency is unknown: they are given lunr's idf of a term in half of them (ln 2).
  var DROPPED_IDF = Math.LN2;

  /** lunr's idf of the index term `stem` over the entries (ranking.py's term_idf). */
  function termIdf(idx, stem) {
    var cache = idx.sitegenIdf || (idx.sitegenIdf = Object.create(null));
    if (!(stem in cache)) {
      if (idx.sitegenDropped && idx.sitegenDropped[stem]) {
        cache[stem] = DROPPED_IDF;
      } else if (idx.sitegenPostings) {
        cache[stem] = idfOf(documentCount(idx), idx.sitegenPostings.documents(stem));
      } else {
        var posting = idx.invertedIndex[stem];
        var refs = Object.create(null);
        var df = 0;
        if (posting) {
          idx.fields.forEach(function (field) {
            Object.keys(posting[field] || {}).forEach(function (ref) {
              if (!refs[ref]) { refs[ref] = true; df++; }
            });
          });
        }
        cache[stem] = idfOf(documentCount(idx), df);
      }
    }
    return cache[stem];
  }

  function idfOf(n, df) {
    return Math.log(1 + Math.abs((n - df + 0.5) / (df + 0.5)));
  }

  // Coverage is compared in steps, so a hair's difference in a long paste (one frame word) does not
  // outrank a much better score.
  var COVERAGE_STEPS = 20;

  function coverageStep(coverage) {
    return Math.round(coverage * COVERAGE_STEPS);
  }

  /** rank() for `text`; never throws, [] for an empty query. */
  function runQuery(idx, terms) {
    try {
      // prepare() ranks a query whose words might be typos, to see whether the retry will be needed;
      // search() then ranks it again: the same terms over the same shards give the same results.
      var shards = idx.sitegenShards;
      var key = shards ? shards.count + "\n" + JSON.stringify(terms) : null;
      if (key !== null && idx.sitegenLast && idx.sitegenLast.key === key) return idx.sitegenLast.results;
      var results = rank(idx, terms);
      if (key !== null) idx.sitegenLast = { key: key, results: results };
      return results;
    } catch (err) {
      // Not expected (terms hold no query syntax), but a search box must never break the page.
      if (typeof console !== "undefined") console.error("sitegen search:", err);
      return [];
    }
  }

  /**
   * Search `idx` for `text`: {results, showing}. When nothing (or only a weak match) is found, the
   * longer words not in the index are retried one edit away (a typo), and `showing` is the text
   * the results are for. options.prefix: the last word is still being typed.
   */
  function search(idx, text, options) {
    var terms = queryTerms(text, options);
    var results = runQuery(idx, terms);
    var best = results.length ? results[0].coverage : 0;
    if (best >= WEAK_COVERAGE) return { results: results, showing: null };
    var fixed = correctTerms(idx, terms);
    if (!fixed) return { results: results, showing: null };
    var retried = runQuery(idx, fixed.terms);
    if (!retried.length || retried[0].coverage <= best) return { results: results, showing: null };
    return { results: retried, showing: fixed.showing(text) };
  }

  /** lunr results for `text` against `idx` (typos corrected as `search` does); never throws. */
  function runSearch(idx, text, options) {
    return search(idx, text, options).results;
  }

  /* --------------------------------------------------- loading shards on demand */

  /**
   * Loads what `search(idx, text, options)` will read: the shards of the query's terms (and of
   * every term a typed prefix may expand to), then, only when the results are weak enough for
   * the typo retry, the shards of the words it may correct (all terms sharing their first
   * letter). `load(keys, callback(err))` loads term shards (index-loader.js Loader#terms).
   */
  function prepare(idx, text, options, load, callback) {
    var shards = idx.sitegenShards;
    if (!shards) return callback(null);
    var terms = queryTerms(text, options);
    var keys = [];
    function want(key) {
      if (key !== null && !shards.loaded[key] && keys.indexOf(key) < 0) keys.push(key);
    }
    // A common term is left out of a query holding a rarer one (rank): its shard is not needed then.
    var rare = terms.some(function (t) { return !isCommon(idx, t.term); });
    terms.forEach(function (t) {
      if (!rare || !isCommon(idx, t.term)) want(shards.keyOf(stemOf(t.term)));
      if (t.prefix) shards.keysStarting(t.term).forEach(want);
    });
    load(keys, function (err) {
      if (err) return callback(err);
      keys = [];
      var typos = false;
      terms.forEach(function (t) {
        var stem = stemOf(t.term);
        if (!typoCandidate(idx, t, stem)) return;
        typos = true;
        shards.keysStarting(stem.charAt(0)).forEach(want);
      });
      // The corrected words may be common ones, leaving no rarer term: then the common terms count.
      if (typos) terms.forEach(function (t) { want(shards.keyOf(stemOf(t.term))); });
      // Only a weak result is retried: the query runs here first only when a word could be corrected.
      if (!keys.length) return callback(null);
      var results = runQuery(idx, terms);
      if (results.length && results[0].coverage >= WEAK_COVERAGE) return callback(null);
      load(keys, callback);
    });
  }

  /* ------------------------------------------------------------ typo tolerance */

  var WEAK_COVERAGE = 0.5; // best result matches under half the query: retry with corrections
  var TYPO_MIN_LENGTH = 5; // shorter words have too many neighbours one edit away

  /** Terms with each long unknown word replaced by its most common index term one edit away. */
  function correctTerms(idx, terms) {
    var postings = idx.sitegenPostings;
    if (!postings) return null;
    var swaps = [];
    var out = terms.map(function (t) {
      var stem = stemOf(t.term);
      if (!typoCandidate(idx, t, stem)) return t;
      var found = nearestTerm(postings, stem);
      if (!found) return t;
      swaps.push({ from: t.term, stem: stem, to: found });
      return { term: found, stem: found, boost: t.boost, prefix: false, word: t.word, quoted: t.quoted };
    });
    if (!swaps.length) return null;
    return {
      terms: out.map(function (t) {
        // A corrected term is an index term already: keep the pipeline from stemming it again.
        return t.stem ? { term: t.term, stem: t.stem, boost: t.boost, prefix: false, raw: true, word: t.word, quoted: t.quoted } : t;
      }),
      showing: function (text) {
        var shown = text;
        swaps.forEach(function (s) {
          shown = shown.replace(new RegExp("\\b" + s.from + "\\b", "i"), applyEdit(s.from, s.stem, s.to));
        });
        return shown;
      }
    };
  }

  /** Whether a query term is a word the typo retry may correct: long, plain and unknown. */
  function typoCandidate(idx, t, stem) {
    return t.term.length >= TYPO_MIN_LENGTH && !idx.sitegenPostings.knows(stem) && /^[a-z]+$/.test(t.term);
  }

  /**
   * The word as typed with the one edit that turns its stem into `to`: `gatway` (stem `gatwai`,
   * corrected to the index term `gatewai`) -> `gateway`. Falls back to `to` itself.
   */
  function applyEdit(word, stem, to) {
    var same = 0;
    while (same < word.length && same < stem.length && word[same] === stem[same]) same++;
    var i = 0;
    while (i < stem.length && i < to.length && stem[i] === to[i]) i++;
    if (i < same) {
      if (to.length > stem.length) return word.slice(0, i) + to[i] + word.slice(i);
      if (to.length < stem.length) return word.slice(0, i) + word.slice(i + 1);
      if (stem.slice(i + 1) === to.slice(i + 1)) return word.slice(0, i) + to[i] + word.slice(i + 1);
      return word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
    }
    return stem === word.slice(0, stem.length) ? to + word.slice(stem.length) : to;
  }

  /** The index term one edit from `word` found in the most documents, or null. */
  function nearestTerm(postings, word) {
    var best = null;
    var bestCount = 0;
    // Only the terms sharing the first letter (a typo there is rare): a slice of the sorted list,
    // so a retry costs a few hundred comparisons, not one per index term.
    var list = postings.sorted;
    var low = 0;
    var high = list.length;
    while (low < high) {
      var mid = (low + high) >>> 1;
      if (list[mid] < word[0]) low = mid + 1;
      else high = mid;
    }
    for (var i = low; i < list.length && list[i][0] === word[0]; i++) {
      var term = list[i];
      if (Math.abs(term.length - word.length) > 1 || !oneEditApart(term, word)) continue;
      var row = postings.row(term);
      var count = 0;
      Object.keys(row[2]).forEach(function (field) { count += row[2][field].length; });
      if (count > bestCount) { best = term; bestCount = count; }
    }
    return best;
  }

  /** Whether `a` and `b` differ by one insertion, deletion, substitution or swap of neighbours. */
  function oneEditApart(a, b) {
    if (a === b) return false;
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    if (a.length === b.length) {
      if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
      return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
    }
    var longer = a.length > b.length ? a : b;
    var shorter = a.length > b.length ? b : a;
    return longer.slice(i + 1) === shorter.slice(i);
  }

  // Measured with `make bench` (search quality): leaving out terms found in over a fifth of the
  // entries raised hit@3 on 1,000 generated docs from 92.7% to 95% when ranking was by score
  // alone. With coverage first and whole bodies indexed, a third (0.35) ranks better on
  // ../shared/corpus (hit@1 0.92 -> 0.93) and no worse on the generated docs; the index already
  // leaves out body postings of terms in over ~37% of documents. Small sites keep every term.
  var COMMON_SHARE = 0.35;
  var COMMON_MIN_DOCS = 100;

  function isCommon(idx, term) {
    var cache = idx.sitegenCommon || (idx.sitegenCommon = { docs: documentCount(idx), terms: Object.create(null) });
    if (!(term in cache.terms)) {
      var stem = stemOf(term);
      var posting = idx.sitegenPostings ? null : idx.invertedIndex[stem];
      var most = idx.sitegenPostings ? idx.sitegenPostings.most(stem) : 0;
      if (posting) {
        idx.fields.forEach(function (field) {
          if (posting[field]) most = Math.max(most, Object.keys(posting[field]).length);
        });
      }
      cache.terms[term] = cache.docs >= COMMON_MIN_DOCS && most > cache.docs * COMMON_SHARE;
    }
    return cache.terms[term];
  }

  function documentCount(idx) {
    // A sharded index knows its size before any term is loaded; lunr's own, from its vectors.
    if (idx.sitegenDocs !== undefined) return idx.sitegenDocs;
    return Object.keys(idx.fieldVectors).length / Math.max(1, idx.fields.length);
  }

  function stemOf(term) {
    return lunr.stemmer(new lunr.Token(term)).toString();
  }

  /** The index terms matched by a result, for highlighting. */
  function matchedTerms(result) {
    var terms = Object.create(null);
    Object.keys((result.matchData && result.matchData.metadata) || {}).forEach(function (t) { terms[t] = true; });
    return terms;
  }

  /**
   * Split `text` into [{text, mark}] around the words whose terms were matched, keeping about
   * `maxWords` words starting a little before the first match.
   */
  function snippetParts(text, terms, maxWords) {
    var words = String(text || "").split(/\s+/).filter(Boolean);
    var marks = words.map(function (word) {
      return tokenize(word).some(function (t) { return terms[stemOf(t)] === true; });
    });
    var first = marks.indexOf(true);
    var start = first > 5 ? first - 5 : 0;
    var end = Math.min(words.length, start + (maxWords || 40));
    var parts = [];
    if (start > 0) parts.push({ text: "… ", mark: false });
    for (var i = start; i < end; i++) {
      parts.push({ text: words[i], mark: marks[i] });
      if (i < end - 1) parts.push({ text: " ", mark: false });
    }
    if (end < words.length) parts.push({ text: " …", mark: false });
    return parts;
  }

  /* ---------------------------------------------------------------- browser UI */

  var FACETS = [["component", "Component"], ["problem_type", "Problem type"], ["severity", "Severity"]];
  var DROPDOWN_RESULTS = 8;
  var PAGE_RESULTS = 100;

  /** `import_error` -> `Import error`, as the site's pages show values (sitegen.pages.humanize). */
  function humanize(value) {
    var text = String(value).replace(/_/g, " ");
    var lower = text === text.toLowerCase() && text !== text.toUpperCase();
    return lower ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  function valuesOf(doc, key) {
    var value = doc[key];
    if (Array.isArray(value)) return value;
    return value ? [value] : [];
  }

  function start(win, doc) {
    var state = { idx: null, pasted: null, logLine: null, asked: 0 };
    var root = (doc.body && doc.body.getAttribute("data-root")) || "./";
    // <script> tags, not fetch: fetch of a local file is refused under file://.
    var loader = new indexLoader.Loader(win, doc, root);

    /** The manifest, loaded once (the term shards and store chunks come with each query). */
    function whenLoaded(callback) {
      loader.open(function (err, idx) {
        if (!err) state.idx = idx;
        callback(err);
      });
    }

    // Prefix expansion only while the user is typing the last word: never for a paste, a drop,
    // an autocompleted word or a query arriving in the page address.
    var typing = false;

    // A pasted log (many lines) is searched for its most telling error line, the one `sitegen
    // lookup` picks (signatures.js), as pasted text: no prefix. Anything else as it came.
    function plan(text) {
      var query = text;
      var options = { prefix: typing };
      var signatures = win.sitegen && win.sitegen.signatures;
      var logLine = null;
      if (signatures && /[\r\n]/.test(text)) {
        var lines = signatures.extract(text);
        if (lines.length) {
          logLine = lines[0];
          query = lines[0].query;
          options = { prefix: false };
        }
      }
      return { query: query, options: options, logLine: logLine };
    }

    /**
     * Searches `text` once the shards its terms need are in, then loads the store entries of the
     * first `shown` results: callback(err, {results: [{doc, hit}], showing}), where a result past
     * `shown` has no doc yet. Only the latest search calls back: an older one's loads finishing
     * later never paint stale results.
     */
    function find(text, shown, callback) {
      var asked = ++state.asked;
      var planned = plan(text);
      prepare(state.idx, planned.query, planned.options, function (keys, done) { loader.terms(keys, done); }, function (err) {
        if (asked !== state.asked) return;
        if (err) return callback(err);
        var found = search(state.idx, planned.query, planned.options);
        var refs = found.results.slice(0, shown).map(function (hit) { return hit.ref; });
        loader.docs(refs, function (err2, store) {
          if (asked !== state.asked) return;
          if (err2) return callback(err2);
          state.logLine = planned.logLine;
          var results = found.results.map(function (hit) { return { doc: store[hit.ref], hit: hit }; });
          callback(null, { results: results.slice(0, shown).filter(function (r) { return r.doc; }).concat(results.slice(shown)),
                           showing: found.showing });
        });
      });
    }

    function el(tag, className, text) {
      var node = doc.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }

    function metaLine(d) {
      var meta = el("span", "search-result-meta");
      var bits = [valuesOf(d, "component").map(humanize).join(", "), valuesOf(d, "problem_type").map(humanize).join(", "),
                  d.severity ? humanize(d.severity) : ""];
      meta.textContent = bits.filter(Boolean).join(" · ");
      if (d.severity) meta.setAttribute("data-severity", d.severity);
      return meta;
    }

    /** "In guide: …" for one problem of a long guide, so the reader knows where it lands. */
    function guideLine(d) {
      return d.guide ? el("span", "search-result-guide", "In guide: " + d.guide) : null;
    }

    function snippetNode(r, tag) {
      var node = el(tag, "search-snippet");
      snippetParts(r.doc.snippet, matchedTerms(r.hit), 30).forEach(function (part) {
        node.appendChild(part.mark ? el("mark", "", part.text) : doc.createTextNode(part.text));
      });
      return node;
    }

    var form = doc.querySelector("form.search-form");
    var input = doc.getElementById("search-input");
    var dropdown = doc.getElementById("search-dropdown");
    var resultsList = doc.getElementById("search-results");
    if (!input) return;

    // The text to search: a pasted multi-line traceback keeps its lines, which <input> drops.
    function queryText() {
      if (state.pasted && state.pasted.value === input.value) return state.pasted.raw;
      return input.value;
    }
    // What goes in an address: a pasted log whole while it is short enough to share, else its error line.
    var MAX_ADDRESS_CHARS = 50000;
    function addressText() {
      var text = queryText();
      if (text.length <= MAX_ADDRESS_CHARS) return text;
      return state.logLine ? state.logLine.text : input.value;
    }
    input.addEventListener("paste", function (event) {
      var raw = event.clipboardData && event.clipboardData.getData("text/plain");
      if (!raw || !/[\r\n]/.test(raw)) return;
      setTimeout(function () {
        state.pasted = { raw: raw, value: input.value };
        typing = false;
        update();
      }, 0);
    });

    /* ------------------------------------------ dropdown (combobox + listbox) */
    var active = -1;
    var options = [];
    var listbox = null;
    if (dropdown && !resultsList) {
      listbox = el("ul", "search-listbox");
      listbox.id = "search-listbox";
      listbox.setAttribute("role", "listbox");
      listbox.setAttribute("aria-label", "Search results");
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", listbox.id);
      input.setAttribute("aria-expanded", "false");
      // Keep focus in the input when a result is pressed, with any button: a blur would close the
      // dropdown before the click lands. The link still opens (a middle click in a new tab).
      dropdown.addEventListener("mousedown", function (event) { event.preventDefault(); });
    }

    function setActive(i) {
      if (active >= 0 && options[active]) {
        options[active].classList.remove("is-active");
        options[active].setAttribute("aria-selected", "false");
      }
      active = i;
      if (active >= 0 && options[active]) {
        options[active].classList.add("is-active");
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        if (options[active].scrollIntoView) options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function closeDropdown() {
      if (!listbox) return;
      setActive(-1);
      dropdown.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function renderDropdown(results, text, showing) {
      dropdown.textContent = "";
      listbox.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!text.trim()) return closeDropdown();
      if (state.logLine) dropdown.appendChild(el("p", "search-dropdown-status search-log-line", searchedLine()));
      results.slice(0, DROPDOWN_RESULTS).forEach(function (r, i) {
        // Each option is the result's own link (role=option is allowed on <a href>), so a middle
        // click, "open in new tab" and copying the address work as on any link. The <li> is only
        // a list item to assistive technology's eyes: role=none.
        var li = el("li");
        li.setAttribute("role", "none");
        var link = el("a", "search-result");
        link.id = "search-option-" + i;
        link.href = root + r.doc.url;
        link.setAttribute("role", "option");
        link.setAttribute("aria-selected", "false");
        link.setAttribute("tabindex", "-1");
        link.appendChild(el("span", "search-result-title", r.doc.title));
        var guide = guideLine(r.doc);
        if (guide) link.appendChild(guide);
        link.appendChild(metaLine(r.doc));
        link.appendChild(snippetNode(r, "span"));
        li.appendChild(link);
        listbox.appendChild(li);
        options.push(link);
      });
      if (showing) dropdown.appendChild(el("p", "search-dropdown-status search-showing", "Showing results for “" + showing + "”"));
      if (!results.length) dropdown.appendChild(el("p", "search-dropdown-status", "No matching documents."));
      dropdown.appendChild(listbox);
      var all = el("a", "search-all", results.length === 1 ? "The 1 result" : results.length ? "All " + results.length + " results" : "Search page");
      all.href = root + "search.html?q=" + encodeURIComponent(addressText());
      dropdown.appendChild(all);
      dropdown.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    /* ------------------------------------------------------------ search page */
    var facetsBox = doc.getElementById("search-facets");
    var statusBox = doc.getElementById("search-status");
    var params = new URLSearchParams(win.location.search);
    var filters = {};
    FACETS.forEach(function (f) { filters[f[0]] = params.getAll(f[0]); });
    var pageResults = [];
    var pageShowing = null;
    var pageLimit = PAGE_RESULTS;
    var moreButton = doc.getElementById("search-more");
    var filterBox = doc.getElementById("search-filter");
    var wide = win.matchMedia ? win.matchMedia("(min-width: 60em)") : null;

    // The facets are a side column on wide screens (always open) and fold under "Filter" on
    // narrow ones (closed until asked for, so the results come first).
    function fitFilter() {
      if (filterBox) filterBox.open = !!(wide && wide.matches);
    }
    if (filterBox) {
      fitFilter();
      if (wide && wide.addEventListener) wide.addEventListener("change", fitFilter);
    }
    if (moreButton) {
      moreButton.addEventListener("click", function () {
        pageLimit += PAGE_RESULTS;
        renderResults();
      });
    }

    function filtering() {
      return FACETS.some(function (f) { return filters[f[0]].length > 0; });
    }

    function passes(d) {
      return FACETS.every(function (f) {
        var wanted = filters[f[0]];
        return !wanted.length || valuesOf(d, f[0]).some(function (v) { return wanted.indexOf(v) >= 0; });
      });
    }

    function rememberInUrl() {
      var next = new URLSearchParams();
      next.set("q", addressText());
      FACETS.forEach(function (f) { filters[f[0]].forEach(function (v) { next.append(f[0], v); }); });
      try {
        win.history.replaceState(null, "", "?" + next.toString());
      } catch (err) {
        // Some browsers refuse history changes on file:// pages; the results still show.
      }
    }

    function renderFacets() {
      if (!facetsBox) return;
      facetsBox.textContent = "";
      FACETS.forEach(function (f) {
        var counts = Object.create(null);
        var names = [];
        pageResults.forEach(function (r) {
          valuesOf(r.doc, f[0]).forEach(function (v) {
            if (!(v in counts)) { counts[v] = 0; names.push(v); }
            counts[v] += 1;
          });
        });
        if (!names.length) return;
        names.sort();
        var box = el("fieldset", "search-facet");
        box.appendChild(el("legend", "", f[1]));
        names.forEach(function (name) {
          var label = el("label");
          var check = el("input");
          check.type = "checkbox";
          check.name = f[0];
          check.value = name;
          check.checked = filters[f[0]].indexOf(name) >= 0;
          check.addEventListener("change", function () {
            var list = filters[f[0]].filter(function (v) { return v !== name; });
            if (check.checked) list.push(name);
            filters[f[0]] = list;
            pageLimit = PAGE_RESULTS;
            rememberInUrl();
            renderResults();
          });
          label.appendChild(check);
          label.appendChild(doc.createTextNode(" " + humanize(name) + " (" + counts[name] + ")"));
          box.appendChild(label);
        });
        facetsBox.appendChild(box);
      });
      if (filterBox) filterBox.hidden = !facetsBox.childNodes.length;
    }

    function searchedLine() {
      var line = state.logLine.text;
      return "Searched for line " + state.logLine.line + " of the pasted log: “" +
        (line.length > 160 ? line.slice(0, 160) + "…" : line) + "”.";
    }

    function renderResults() {
      var text = state.logLine ? state.logLine.text : input.value.trim();
      var passing = pageResults.filter(function (r) { return passes(r.doc); });
      var shown = passing.slice(0, pageLimit);
      resultsList.textContent = "";
      shown.forEach(function (r) {
        var li = el("li", "search-result");
        var link = el("a", "search-result-title", r.doc.title);
        link.href = root + r.doc.url;
        li.appendChild(link);
        var guide = guideLine(r.doc);
        if (guide) li.appendChild(guide);
        li.appendChild(metaLine(r.doc));
        li.appendChild(snippetNode(r, "p"));
        resultsList.appendChild(li);
      });
      if (moreButton) {
        moreButton.hidden = passing.length <= shown.length;
        moreButton.textContent = "Show more (" + (passing.length - shown.length) + " left)";
      }
      if (!statusBox) return;
      var shownText = pageShowing || text;
      var quoted = "“" + (shownText.length > 80 ? shownText.slice(0, 80) + "…" : shownText) + "”";
      if (state.logLine && !pageShowing) quoted = "that line";
      var count = function (n) { return n + (n === 1 ? " result" : " results"); };
      var message;
      if (!text) message = "Type a word or paste an error message.";
      else if (!pageResults.length) message = "No documents match " + quoted + ". Try fewer words or the exact error message.";
      else if (filtering()) message = passing.length + " of " + count(pageResults.length) + " for " + quoted + " (filtered).";
      else message = count(pageResults.length) + " for " + quoted + ".";
      if (pageShowing && pageResults.length) message = "Showing results for " + quoted + ". " + message.replace(" for " + quoted, "");
      if (state.logLine) message = searchedLine() + " " + message;
      statusBox.textContent = message;
    }

    function showError(err) {
      if (statusBox) statusBox.textContent = "Search is unavailable: " + err.message + ".";
      else if (dropdown) { dropdown.textContent = ""; dropdown.appendChild(el("p", "search-dropdown-status", "Search is unavailable.")); dropdown.hidden = false; }
    }

    /* --------------------------------------------------------------- wiring */
    var timer = null;
    function update() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        whenLoaded(function (err) {
          if (err) return showError(err);
          var text = queryText();
          // The search page counts facets over every result; the dropdown shows its first few.
          find(text, resultsList ? Infinity : DROPDOWN_RESULTS, function (err2, found) {
            if (err2) return showError(err2);
            show(text, found);
          });
        });
      }, 60);
    }

    function show(text, found) {
      if (resultsList) {
        pageResults = found.results;
        pageShowing = found.showing;
        pageLimit = PAGE_RESULTS;
        rememberInUrl();
        renderFacets();
        renderResults();
      } else if (listbox) {
        renderDropdown(found.results, text, found.showing);
      }
    }

    input.addEventListener("focus", function () { whenLoaded(function () {}); });
    input.addEventListener("input", function (event) {
      var kind = event.inputType || "";
      typing = /^(insert|delete)/.test(kind) && !/FromPaste|FromDrop|FromYank|ReplacementText/.test(kind);
      update();
    });
    input.addEventListener("blur", function () { closeDropdown(); });
    input.addEventListener("keydown", function (event) {
      if (!listbox) return;
      var open = !dropdown.hidden && options.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) return;
        event.preventDefault();
        if (dropdown.hidden) { dropdown.hidden = false; input.setAttribute("aria-expanded", "true"); }
        // Wraps through -1 (no result highlighted: Enter submits to the search page).
        var next = active + (event.key === "ArrowDown" ? 1 : -1);
        if (next >= options.length) next = -1;
        if (next < -1) next = options.length - 1;
        setActive(next);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        win.location.href = options[active].href;
      } else if (event.key === "Escape" && !dropdown.hidden) {
        event.preventDefault();
        closeDropdown();
      }
    });
    doc.addEventListener("keydown", function (event) {
      // Ctrl-K (Cmd-K on a Mac) focuses the search box from anywhere, as in most documentation sites.
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        input.focus();
        input.select();
        return;
      }
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var t = event.target;
      var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
      event.preventDefault();
      input.focus();
    });
    if (form && resultsList) {
      // On the search page the results update as you type; no reload needed.
      form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    }

    if (resultsList) {
      input.value = params.get("q") || "";
      // An <input> drops line breaks: a log passed in the address keeps them for the search.
      if (/[\r\n]/.test(params.get("q") || "")) state.pasted = { raw: params.get("q"), value: input.value };
      if (statusBox) statusBox.textContent = "Loading search index…";
      update();
    }
  }

  return {
    loadIndex: loadIndex,
    readSite: indexLoader.readSite,
    prepare: prepare,
    queryTerms: queryTerms,
    rank: rank,
    search: search,
    humanize: humanize,
    applyEdit: applyEdit,
    runSearch: runSearch,
    snippetParts: snippetParts,
    matchedTerms: matchedTerms,
    start: start
  };
});
