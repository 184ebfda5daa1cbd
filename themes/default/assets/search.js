/*
 * sitegen search: query building and ranking (pure, shared with node tests). The browser UI over
 * it, the search box's dropdown and the search page, is search-page.js.
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
    if (match) return match.ranked(wanted, total, COVERAGE_STEPS, TOGETHER_STEPS);
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
      return coverageStep(b.coverage) - coverageStep(a.coverage) || togetherStep(b.together) - togetherStep(a.together) ||
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

  // The best single field's share ("together") is compared in hundredths, not twentieths: it only
  // orders results of equal coverage, and there a twentieth hid the evidence it exists for (one
  // document holds the whole message in its symptoms, another has a word of it in its body).
  // Measured with bench.quality_run (Python runner; generated docs every 5th query): shared corpus
  // hit@1 93.5 -> 93.7, generated names changed 71.8/84.1 -> 75.9/86.8, symptoms 83.7/89.8 ->
  // 87.1/91.5, no split worse; 1/40 was in between, exact the same as 1/100.
  var TOGETHER_STEPS = 100;

  function togetherStep(together) {
    return Math.round(together * TOGETHER_STEPS);
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
   * the typo retry, the shards of the words it may correct (every term one edit away that
   * shares their first letter: Shards#keysNear). `load(keys, callback(err))` loads term shards (index-loader.js Loader#terms).
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
        shards.keysNear(stem).forEach(want);
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

  return {
    loadIndex: loadIndex,
    readSite: indexLoader.readSite,
    prepare: prepare,
    queryTerms: queryTerms,
    rank: rank,
    search: search,
    applyEdit: applyEdit,
    runSearch: runSearch,
    snippetParts: snippetParts,
    matchedTerms: matchedTerms
  };
});
