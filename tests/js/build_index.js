// Builds a lunr.js index the way sitegen/search.py does, but entirely in JavaScript.
// stdin: {"fields": [[name, boost], ...], "docs": [{"ref": "0", "fields": {name: text}}]}
// stdout: the serialised index.
"use strict";
const path = require("path");
const assets = path.join(__dirname, "../../themes/default/assets");
const lunr = require(path.join(assets, "vendor/lunr.min.js"));
const { tokenize } = require(path.join(assets, "tokenizer.js"));
const spec = JSON.parse(require("fs").readFileSync(0, "utf8"));

const idx = lunr(function () {
  this.pipeline.reset();
  this.searchPipeline.reset();
  this.pipeline.add(lunr.stopWordFilter, lunr.stemmer);
  this.searchPipeline.add(lunr.stemmer);
  this.ref("ref");
  for (const [name, boost] of spec.fields) {
    // An array field skips lunr's whitespace tokenizer, as on the Python side.
    this.field(name, { boost, extractor: (doc) => tokenize(doc.fields[name]) });
  }
  for (const doc of spec.docs) this.add(doc);
});
process.stdout.write(JSON.stringify(idx));
