// The term shards search.js's prepare() loads for each query on a fresh index, as a first query in
// the browser loads them. argv[2]: path of the site's search-index.js; stdin: JSON list of {text, prefix}.
// stdout: JSON list, per query, of {keys: shard keys loaded in order, refs: the results' refs}.
"use strict";
const fs = require("fs");
const path = require("path");
const assets = path.join(__dirname, "../../themes/default/assets");
const search = require(path.join(assets, "search.js"));
const loader = require(path.join(assets, "index-loader.js"));

const dir = path.dirname(process.argv[2]);
const read = (name) => fs.readFileSync(path.join(dir, name), "utf8");
const manifest = loader.evaluate(read("search-index.js"))[1];
const queries = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(queries.map((q) => {
  const idx = loader.createIndex(manifest);
  const keys = [];
  const load = (wanted, done) => {
    wanted.forEach((key) => { keys.push(key); idx.sitegenShards.add(key, loader.evaluate(read(loader.shardFile(key)))[1]); });
    done(null);
  };
  search.prepare(idx, q.text, { prefix: q.prefix }, load, (err) => { if (err) throw err; });
  return { keys, refs: search.runSearch(idx, q.text, { prefix: q.prefix }).map((r) => r.ref) };
})));
