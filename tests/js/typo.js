// search.js's search() (typo retry included) for each query: stdin JSON list of strings;
// stdout JSON list of {refs, showing}.
"use strict";
const fs = require("fs");
const path = require("path");
const search = require(path.join(__dirname, "../../themes/default/assets/search.js"));

const idx = search.readSite((name) => fs.readFileSync(path.join(path.dirname(process.argv[2]), name), "utf8")).idx;
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(queries.map((text) => {
  const found = search.search(idx, text, { prefix: false });
  return { refs: found.results.map((r) => r.ref), showing: found.showing };
})));
