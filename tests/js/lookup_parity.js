// search.js's ranking and signatures.js's extraction under node, for tests/test_lookup_parity.py.
// stdin: {index: path of a search-index.js or null, queries: [text], logs: [text]}.
// stdout: {patterns, searches: per query the top ten [ref, score], signatures: per log the list}.
"use strict";
const fs = require("fs");
const path = require("path");
const assets = path.join(__dirname, "../../themes/default/assets");
const search = require(path.join(assets, "search.js"));
const signatures = require(path.join(assets, "signatures.js"));

const input = JSON.parse(fs.readFileSync(0, "utf8"));
let searches = [];
if (input.index) {
  const idx = search.readSite((name) => fs.readFileSync(path.join(path.dirname(input.index), name), "utf8")).idx;
  searches = input.queries.map((text) =>
    search.runSearch(idx, text, { prefix: false }).slice(0, 10).map((h) => [Number(h.ref), h.score]));
}
const extracted = (input.logs || []).map((log) => signatures.extract(log));
process.stdout.write(JSON.stringify({ patterns: signatures.PATTERNS, limits: signatures.LIMITS, searches, signatures: extracted }));
