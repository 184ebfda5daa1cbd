// search.js's loadIndex against lunr.Index.load: the same results and scores for every query.
// argv[2]: path of search-index.js; stdin: JSON list of {text, prefix} or {term, editDistance}.
// stdout: JSON {compared: n, differences: [...]}.
"use strict";
const fs = require("fs");
const path = require("path");
const vm = require("vm");
const assets = path.join(__dirname, "../../themes/default/assets");
const lunr = require(path.join(assets, "vendor/lunr.min.js"));
const search = require(path.join(assets, "search.js"));

const sandbox = { window: {} };
vm.runInNewContext(fs.readFileSync(process.argv[2], "utf8"), sandbox);
const serialized = JSON.parse(JSON.stringify(sandbox.window.SITEGEN_SEARCH.index));
// lunr's own format, rebuilt from sitegen's compact postings.
const lunrFormat = Object.assign({}, serialized, {
  invertedIndex: serialized.postings.map(([term, index, byField]) => {
    const posting = { _index: index };
    serialized.fields.forEach((field) => {
      posting[field] = {};
      (byField[field] || []).forEach((ref) => { posting[field][ref] = {}; });
    });
    return [term, posting];
  }),
});
delete lunrFormat.postings;
const stock = lunr.Index.load(lunrFormat);
const ours = search.loadIndex(serialized);
stock.sitegenDropped = ours.sitegenDropped;  // what the ranking reads besides lunr's own index
const queries = JSON.parse(fs.readFileSync(0, "utf8"));

function run(idx, q) {
  if (q.term !== undefined) {  // a raw clause: fuzzy, leading or inner wildcards take the fallback
    return idx.query((query) => query.term(q.term, { editDistance: q.editDistance || 0, usePipeline: false,
                                                    wildcard: q.wildcard || lunr.Query.wildcard.NONE }));
  }
  return search.runSearch(idx, q.text, { prefix: q.prefix });
}

const differences = [];
queries.forEach((q) => {
  const a = run(stock, q).map((r) => [r.ref, r.score.toFixed(9)]);
  const b = run(ours, q).map((r) => [r.ref, r.score.toFixed(9)]);
  if (JSON.stringify(a) !== JSON.stringify(b)) differences.push({ query: q, stock: a.slice(0, 5), ours: b.slice(0, 5) });
});
process.stdout.write(JSON.stringify({ compared: queries.length, differences }));
