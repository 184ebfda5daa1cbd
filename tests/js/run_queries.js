// Loads a search-index.js written by sitegen and runs queries through search.js's runSearch.
// argv[2]: path of search-index.js; stdin: JSON list of query strings (or {text, prefix}).
// stdout: JSON list of {refs: [...], terms: n} or {error: message}, one per query.
"use strict";
const fs = require("fs");
const path = require("path");
const assets = path.join(__dirname, "../../themes/default/assets");
const lunr = require(path.join(assets, "vendor/lunr.min.js"));
const search = require(path.join(assets, "search.js"));

const data = search.readSite((name) => fs.readFileSync(path.join(path.dirname(process.argv[2]), name), "utf8"));
const idx = data.idx;
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
// runSearch never throws by design; it reports on console.error, which counts as a failure here.
let logged = [];
console.error = (...args) => logged.push(args.map(String).join(" "));
const out = queries.map((q) => {
  logged = [];
  const text = typeof q === "string" ? q : q.text;
  const prefix = typeof q === "string" ? false : q.prefix;
  try {
    const hits = search.runSearch(idx, text, { prefix });
    if (logged.length) return { error: logged.join("\n") };
    return { refs: hits.map((h) => h.ref), terms: search.queryTerms(text, { prefix }).length };
  } catch (err) {
    return { error: String(err && err.stack) };
  }
});
process.stdout.write(JSON.stringify({ docs: data.docs, results: out }));
