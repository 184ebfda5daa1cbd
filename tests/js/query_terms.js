// search.js's queryTerms for each input: stdin JSON list of {text, prefix}; stdout JSON list of terms.
"use strict";
const fs = require("fs");
const path = require("path");
const search = require(path.join(__dirname, "../../themes/default/assets/search.js"));

const inputs = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(inputs.map((q) => search.queryTerms(q.text, { prefix: q.prefix }))));
