// Reads a JSON list of strings on stdin; prints the list of their token lists (tokenizer.js).
"use strict";
const path = require("path");
const { tokenize } = require(path.join(__dirname, "../../themes/default/assets/tokenizer.js"));
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(input.map(tokenize)));
