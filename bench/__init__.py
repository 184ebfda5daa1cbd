"""`make bench`: generate realistic troubleshooting docs, then measure build speed, index size and search.

Modules, in the order a run uses them:
- generate: a seeded, deterministic generator of troubleshooting Markdown documents
- measure: clean build, no-change rebuild, one-document edits and stage timings, each in a subprocess
- browser: index load time and query latency in headless Chromium (Playwright, file://)
- quality: hit@1, hit@3 and MRR of symptom queries over the sample content and the shared corpus
- lookup: `sitegen lookup` on symptoms embedded in synthetic CI logs: hit@1, hit@3, a 20,000-line log's time
- peers: the same documents built with MkDocs + Material, when `make bench-peers` has been run
- report: the targets of the issue, the printed table and results.json
- readme: the README's performance table (commit, status per target) from a results.json
- corpus: where ../shared/corpus is, when present
- run: the command line (`python -m bench --help`)
"""
