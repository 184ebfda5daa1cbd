// The search box's search under node: loads a search-index.js written by sitegen and runs each
// query through search.js's runSearch with { prefix: false }, as the search box runs a paste.
// argv[2]: path of search-index.js; argv[3]: how many results to keep; stdin: JSON list of strings.
// stdout: JSON list, per query, of the top result urls.
"use strict";
const fs = require("fs");
const path = require("path");
const assets = path.join(__dirname, "../themes/default/assets");
const search = require(path.join(assets, "search.js"));

// The whole sharded index at once: its manifest, every term shard and every store chunk.
const site = search.readSite((name) => fs.readFileSync(path.join(path.dirname(process.argv[2]), name), "utf8"));
const idx = site.idx;
const data = site;
const byRef = Object.create(null);
data.docs.forEach((d) => { byRef[String(d.ref)] = d; });
const top = Number(process.argv[3] || 10);
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
const out = queries.map((text) =>
  search.runSearch(idx, text, { prefix: false }).map((hit) => byRef[hit.ref]).filter(Boolean).slice(0, top).map((d) => d.url)
);
process.stdout.write(JSON.stringify(out));
