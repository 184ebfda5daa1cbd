// index-match.js against lunr.Index#query itself, over the same sharded index: the same results in
// the same order, with scores equal to the last bit and MatchData listing the same terms and fields
// in the same key order (search.js's rank() reads that order for a typed prefix).
// argv[2]: path of the site's search-index.js; stdin: JSON list of {text, prefix}.
// stdout: JSON {compared: n, results: results compared, differences: [...]}.
"use strict";
const fs = require("fs");
const path = require("path");
const assets = path.join(__dirname, "../../themes/default/assets");
const lunr = require(path.join(assets, "vendor/lunr.min.js"));
const search = require(path.join(assets, "search.js"));

const dir = path.dirname(process.argv[2]);
const idx = search.readSite((name) => fs.readFileSync(path.join(dir, name), "utf8")).idx;
const queries = JSON.parse(fs.readFileSync(0, "utf8"));

// Keys in their own order, all the way down.
const ordered = (value) => (value && typeof value === "object"
  ? "{" + Object.keys(value).map((k) => JSON.stringify(k) + ":" + ordered(value[k])).join(",") + "}" : JSON.stringify(value));
const shown = (results) => results.map((r) => r.ref + " " + r.score + " " + ordered(r.matchData.metadata));

const differences = [];
let compared = 0;
queries.forEach((q) => {
  const terms = search.queryTerms(q.text, { prefix: q.prefix });
  // The clauses search.js's rank() makes.
  const clauses = (query) => terms.forEach((t) => {
    query.term(t.term, { boost: t.boost, usePipeline: true });
    if (t.prefix) query.term(t.term, { boost: t.boost / 2, usePipeline: false, wildcard: lunr.Query.wildcard.TRAILING });
  });
  const ours = shown(idx.query(clauses));
  const theirs = shown(idx.sitegenLunrQuery(clauses));
  compared += theirs.length;
  const at = ours.findIndex((line, i) => line !== theirs[i]);
  if (at >= 0 || ours.length !== theirs.length) {
    differences.push({ query: q, at, ours: ours[at], lunr: theirs[at], lengths: [ours.length, theirs.length] });
  }
});
process.stdout.write(JSON.stringify({ compared: queries.length, results: compared, differences }));
