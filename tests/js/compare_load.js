// The sharded index against stock lunr: the same results, in the same order, with the same scores.
// argv[2]: path of the site's search-index.js (the sharded index);
// argv[3]: path of a JSON file holding lunr.js 2.3.9's serialised index of the same entries (scores baked);
// stdin: JSON list of {text, prefix} or {term, editDistance, wildcard}.
// stdout: JSON {compared: n, differences: [...], lazyQueries: cold queries run, lazyShards: shards they loaded}.
// Three indexes answer: stock lunr.Index.load of the reference, the sharded index with every shard
// loaded (readSite), and, for search queries, a fresh sharded index per query loading only the shards
// search.js's prepare() asks for, as the browser does on a first query.
"use strict";
const fs = require("fs");
const path = require("path");
const assets = path.join(__dirname, "../../themes/default/assets");
const lunr = require(path.join(assets, "vendor/lunr.min.js"));
const search = require(path.join(assets, "search.js"));
const loader = require(path.join(assets, "index-loader.js"));

const dir = path.dirname(process.argv[2]);
const read = (name) => fs.readFileSync(path.join(dir, name), "utf8");
const site = search.readSite(read);
const ours = site.idx;
const reference = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const stock = lunr.Index.load(reference);
// lunr.Index.load's token set misses some terms (of 260 generated documents, `11830762`: its
// TokenSet.Builder minimises a digit-keyed branch wrongly); lunr.TokenSet.fromArray of the same
// sorted terms finds every one, so the reference searches with that.
stock.tokenSet = lunr.TokenSet.fromArray(reference.invertedIndex.map((row) => row[0]).sort());
// What the ranking reads besides lunr's own index: the dropped terms, and the term list and
// posting counts the typo retry picks a correction from.
stock.sitegenDropped = ours.sitegenDropped;
stock.sitegenPostings = ours.sitegenPostings;
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
let lazyShards = 0;
let lazyQueries = 0;
// A fresh index per query costs a shard's scoring each time: at most this many cold queries, spread out.
const LAZY = 150;
const every = Math.max(1, Math.ceil(queries.length / LAZY));

function lazyIndex() {
  const idx = loader.createIndex(site.manifest);
  const load = (keys, done) => {
    keys.forEach((key) => { idx.sitegenShards.add(key, loader.evaluate(read(loader.shardFile(key)))[1]); });
    lazyShards += keys.length;
    done(null);
  };
  return { idx, load };
}

function run(idx, q) {
  if (q.term !== undefined) { // a raw clause: fuzzy, leading or inner wildcards take the fallback
    return idx.query((query) => query.term(q.term, { editDistance: q.editDistance || 0, usePipeline: false,
                                                    wildcard: q.wildcard || lunr.Query.wildcard.NONE }));
  }
  return search.runSearch(idx, q.text, { prefix: q.prefix });
}

// Scores to 9 decimals: the index adds a document's field scores in term order, lunr in the order
// its builder met the terms; the two sums may differ in the last bit, never in the 9th decimal.
// So the top ten must come in the same order, and the rest must be the same results with the same
// scores: deep in a long list, two results whose scores differ only in the last bit may swap.
const TOP = 10;
// A search's results also carry their coverage and best field's share (search.js rank), which the
// sharded index works out without lunr's MatchData (index-match.js): those must be equal too.
const share = (value) => (value === undefined ? null : value.toFixed(9));
const shown = (results) => {
  const all = results.map((r) => JSON.stringify([r.ref, r.score.toFixed(9), share(r.coverage), share(r.together)]));
  return { top: all.slice(0, TOP), rest: all.slice(TOP).sort() };
};

const differences = [];
queries.forEach((q, n) => {
  const a = shown(run(stock, q));
  const b = shown(run(ours, q));
  let c = b;
  if (q.term === undefined && n % every === 0) {
    lazyQueries += 1;
    const lazy = lazyIndex();
    search.prepare(lazy.idx, q.text, { prefix: q.prefix }, lazy.load, (err) => { if (err) throw err; });
    c = shown(run(lazy.idx, q));
  }
  if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(b) !== JSON.stringify(c)) {
    differences.push({ query: q, stock: a.top.slice(0, 4), ours: b.top.slice(0, 4), lazy: c.top.slice(0, 4),
                       sameTop: [JSON.stringify(a.top) === JSON.stringify(b.top), JSON.stringify(b.top) === JSON.stringify(c.top)] });
  }
});
process.stdout.write(JSON.stringify({ compared: queries.length, differences, lazyShards, lazyQueries }));
