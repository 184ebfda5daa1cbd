// Reads a JSON list of words on stdin; prints lunr.js 2.3.9's stem of each (the theme's vendored copy).
"use strict";
const path = require("path");
const lunr = require(path.join(__dirname, "../../themes/default/assets/vendor/lunr.min.js"));
const words = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(words.map((w) => lunr.stemmer(new lunr.Token(w)).toString())));
