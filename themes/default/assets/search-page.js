/*
 * sitegen search in the browser: the search box's dropdown on every page and the search page
 * (results, facets, "Show more", typo notice). Queries are built and ranked by search.js; this
 * file only asks it and shows what comes back.
 *
 * Needs, before it: index-loader.js and search.js.
 */
(function (root) {
  "use strict";

  var indexLoader = root.sitegen.indexLoader;
  var api = root.sitegen.search;
  var prepare = api.prepare;
  var search = api.search;
  var snippetParts = api.snippetParts;
  var matchedTerms = api.matchedTerms;

  var FACETS = [["component", "Component"], ["problem_type", "Problem type"], ["severity", "Severity"]];
  var DROPDOWN_RESULTS = 8;
  var PAGE_RESULTS = 100;
  // The search page paints this many results first, then loads every result's store entry for the
  // facets and the full page: at 10,000 documents a common word's results are in every store chunk.
  var FIRST_PAINT = 20;

  /** `import_error` -> `Import error`, as the site's pages show values (sitegen.pages.humanize). */
  function humanize(value) {
    var text = String(value).replace(/_/g, " ");
    var lower = text === text.toLowerCase() && text !== text.toUpperCase();
    return lower ? text.charAt(0).toUpperCase() + text.slice(1) : text;
  }

  function valuesOf(doc, key) {
    var value = doc[key];
    if (Array.isArray(value)) return value;
    return value ? [value] : [];
  }

  function start(win, doc) {
    var state = { idx: null, pasted: null, logLine: null, asked: 0 };
    var root = (doc.body && doc.body.getAttribute("data-root")) || "./";
    // <script> tags, not fetch: fetch of a local file is refused under file://.
    var loader = new indexLoader.Loader(win, doc, root);

    /** The manifest, loaded once (the term shards and store chunks come with each query). */
    function whenLoaded(callback) {
      loader.open(function (err, idx) {
        if (!err) state.idx = idx;
        callback(err);
      });
    }

    // Prefix expansion only while the user is typing the last word: never for a paste, a drop,
    // an autocompleted word or a query arriving in the page address.
    var typing = false;

    // A pasted log (many lines) is searched for its most telling error line, the one `sitegen
    // lookup` picks (signatures.js), as pasted text: no prefix. Anything else as it came.
    function plan(text) {
      var query = text;
      var options = { prefix: typing };
      var signatures = win.sitegen && win.sitegen.signatures;
      var logLine = null;
      if (signatures && /[\r\n]/.test(text)) {
        var lines = signatures.extract(text);
        if (lines.length) {
          logLine = lines[0];
          query = lines[0].query;
          options = { prefix: false };
        }
      }
      return { query: query, options: options, logLine: logLine };
    }

    /**
     * Searches `text` once the shards its terms need are in, then loads the store entries of the
     * first `shown` results: callback(err, {results: [{doc, hit}], showing}), where a result past
     * `shown` has no doc yet. Only the latest search calls back: an older one's loads finishing
     * later never paint stale results.
     */
    function find(text, shown, callback) {
      var asked = ++state.asked;
      var planned = plan(text);
      prepare(state.idx, planned.query, planned.options, function (keys, done) { loader.terms(keys, done); }, function (err) {
        if (asked !== state.asked) return;
        if (err) return callback(err);
        var found = search(state.idx, planned.query, planned.options);
        var refs = found.results.slice(0, shown).map(function (hit) { return hit.ref; });
        loader.docs(refs, function (err2, store) {
          if (asked !== state.asked) return;
          if (err2) return callback(err2);
          state.logLine = planned.logLine;
          var results = found.results.map(function (hit) { return { doc: store[hit.ref], hit: hit }; });
          callback(null, { results: results.slice(0, shown).filter(function (r) { return r.doc; }).concat(results.slice(shown)),
                           showing: found.showing });
        });
      });
    }

    function el(tag, className, text) {
      var node = doc.createElement(tag);
      if (className) node.className = className;
      if (text !== undefined) node.textContent = text;
      return node;
    }

    function metaLine(d) {
      var meta = el("span", "search-result-meta");
      var bits = [valuesOf(d, "component").map(humanize).join(", "), valuesOf(d, "problem_type").map(humanize).join(", "),
                  d.severity ? humanize(d.severity) : ""];
      meta.textContent = bits.filter(Boolean).join(" · ");
      if (d.severity) meta.setAttribute("data-severity", d.severity);
      return meta;
    }

    /** "In guide: …" for one problem of a long guide, so the reader knows where it lands. */
    function guideLine(d) {
      return d.guide ? el("span", "search-result-guide", "In guide: " + d.guide) : null;
    }

    function snippetNode(r, tag) {
      var node = el(tag, "search-snippet");
      snippetParts(r.doc.snippet, matchedTerms(r.hit), 30).forEach(function (part) {
        node.appendChild(part.mark ? el("mark", "", part.text) : doc.createTextNode(part.text));
      });
      return node;
    }

    var form = doc.querySelector("form.search-form");
    var input = doc.getElementById("search-input");
    var dropdown = doc.getElementById("search-dropdown");
    var resultsList = doc.getElementById("search-results");
    if (!input) return;

    // The text to search: a pasted multi-line traceback keeps its lines, which <input> drops.
    function queryText() {
      if (state.pasted && state.pasted.value === input.value) return state.pasted.raw;
      return input.value;
    }
    // What goes in an address: a pasted log whole while it is short enough to share, else its error line.
    var MAX_ADDRESS_CHARS = 50000;
    function addressText() {
      var text = queryText();
      if (text.length <= MAX_ADDRESS_CHARS) return text;
      return state.logLine ? state.logLine.text : input.value;
    }
    input.addEventListener("paste", function (event) {
      var raw = event.clipboardData && event.clipboardData.getData("text/plain");
      if (!raw || !/[\r\n]/.test(raw)) return;
      setTimeout(function () {
        state.pasted = { raw: raw, value: input.value };
        typing = false;
        update();
      }, 0);
    });

    /* ------------------------------------------ dropdown (combobox + listbox) */
    var active = -1;
    var options = [];
    var listbox = null;
    if (dropdown && !resultsList) {
      listbox = el("ul", "search-listbox");
      listbox.id = "search-listbox";
      listbox.setAttribute("role", "listbox");
      listbox.setAttribute("aria-label", "Search results");
      input.setAttribute("role", "combobox");
      input.setAttribute("aria-autocomplete", "list");
      input.setAttribute("aria-controls", listbox.id);
      input.setAttribute("aria-expanded", "false");
      // Keep focus in the input when a result is pressed, with any button: a blur would close the
      // dropdown before the click lands. The link still opens (a middle click in a new tab).
      dropdown.addEventListener("mousedown", function (event) { event.preventDefault(); });
    }

    function setActive(i) {
      if (active >= 0 && options[active]) {
        options[active].classList.remove("is-active");
        options[active].setAttribute("aria-selected", "false");
      }
      active = i;
      if (active >= 0 && options[active]) {
        options[active].classList.add("is-active");
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        if (options[active].scrollIntoView) options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function closeDropdown() {
      if (!listbox) return;
      setActive(-1);
      dropdown.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function renderDropdown(results, text, showing) {
      dropdown.textContent = "";
      listbox.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!text.trim()) return closeDropdown();
      if (state.logLine) dropdown.appendChild(el("p", "search-dropdown-status search-log-line", searchedLine()));
      results.slice(0, DROPDOWN_RESULTS).forEach(function (r, i) {
        // Each option is the result's own link (role=option is allowed on <a href>), so a middle
        // click, "open in new tab" and copying the address work as on any link. The <li> is only
        // a list item to assistive technology's eyes: role=none.
        var li = el("li");
        li.setAttribute("role", "none");
        var link = el("a", "search-result");
        link.id = "search-option-" + i;
        link.href = root + r.doc.url;
        link.setAttribute("role", "option");
        link.setAttribute("aria-selected", "false");
        link.setAttribute("tabindex", "-1");
        link.appendChild(el("span", "search-result-title", r.doc.title));
        var guide = guideLine(r.doc);
        if (guide) link.appendChild(guide);
        link.appendChild(metaLine(r.doc));
        link.appendChild(snippetNode(r, "span"));
        li.appendChild(link);
        listbox.appendChild(li);
        options.push(link);
      });
      if (showing) dropdown.appendChild(el("p", "search-dropdown-status search-showing", "Showing results for “" + showing + "”"));
      if (!results.length) dropdown.appendChild(el("p", "search-dropdown-status", "No matching documents."));
      dropdown.appendChild(listbox);
      var all = el("a", "search-all", results.length === 1 ? "The 1 result" : results.length ? "All " + results.length + " results" : "Search page");
      all.href = root + "search.html?q=" + encodeURIComponent(addressText());
      dropdown.appendChild(all);
      dropdown.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    /* ------------------------------------------------------------ search page */
    var facetsBox = doc.getElementById("search-facets");
    var statusBox = doc.getElementById("search-status");
    var params = new URLSearchParams(win.location.search);
    var filters = {};
    FACETS.forEach(function (f) { filters[f[0]] = params.getAll(f[0]); });
    var pageResults = [];
    var pageShowing = null;
    var pageLimit = PAGE_RESULTS;
    var pageComplete = false; // every result's store entry is in: facets and "Show more" can count
    var moreButton = doc.getElementById("search-more");
    var filterBox = doc.getElementById("search-filter");
    var wide = win.matchMedia ? win.matchMedia("(min-width: 60em)") : null;

    // The facets are a side column on wide screens (always open) and fold under "Filter" on
    // narrow ones (closed until asked for, so the results come first).
    function fitFilter() {
      if (filterBox) filterBox.open = !!(wide && wide.matches);
    }
    if (filterBox) {
      fitFilter();
      if (wide && wide.addEventListener) wide.addEventListener("change", fitFilter);
    }
    if (moreButton) {
      moreButton.addEventListener("click", function () {
        pageLimit += PAGE_RESULTS;
        renderResults();
      });
    }

    function filtering() {
      return FACETS.some(function (f) { return filters[f[0]].length > 0; });
    }

    function passes(d) {
      return FACETS.every(function (f) {
        var wanted = filters[f[0]];
        return !wanted.length || valuesOf(d, f[0]).some(function (v) { return wanted.indexOf(v) >= 0; });
      });
    }

    function rememberInUrl() {
      var next = new URLSearchParams();
      next.set("q", addressText());
      FACETS.forEach(function (f) { filters[f[0]].forEach(function (v) { next.append(f[0], v); }); });
      try {
        win.history.replaceState(null, "", "?" + next.toString());
      } catch (err) {
        // Some browsers refuse history changes on file:// pages; the results still show.
      }
    }

    function renderFacets() {
      if (!facetsBox) return;
      facetsBox.textContent = "";
      if (!pageComplete) {
        if (filterBox) filterBox.hidden = true;
        return;
      }
      FACETS.forEach(function (f) {
        var counts = Object.create(null);
        var names = [];
        pageResults.forEach(function (r) {
          valuesOf(r.doc, f[0]).forEach(function (v) {
            if (!(v in counts)) { counts[v] = 0; names.push(v); }
            counts[v] += 1;
          });
        });
        if (!names.length) return;
        names.sort();
        var box = el("fieldset", "search-facet");
        box.appendChild(el("legend", "", f[1]));
        names.forEach(function (name) {
          var label = el("label");
          var check = el("input");
          check.type = "checkbox";
          check.name = f[0];
          check.value = name;
          check.checked = filters[f[0]].indexOf(name) >= 0;
          check.addEventListener("change", function () {
            var list = filters[f[0]].filter(function (v) { return v !== name; });
            if (check.checked) list.push(name);
            filters[f[0]] = list;
            pageLimit = PAGE_RESULTS;
            rememberInUrl();
            renderResults();
          });
          label.appendChild(check);
          label.appendChild(doc.createTextNode(" " + humanize(name) + " (" + counts[name] + ")"));
          box.appendChild(label);
        });
        facetsBox.appendChild(box);
      });
      if (filterBox) filterBox.hidden = !facetsBox.childNodes.length;
    }

    function searchedLine() {
      var line = state.logLine.text;
      return "Searched for line " + state.logLine.line + " of the pasted log: “" +
        (line.length > 160 ? line.slice(0, 160) + "…" : line) + "”.";
    }

    function renderResults() {
      var text = state.logLine ? state.logLine.text : input.value.trim();
      var passing = pageResults.filter(function (r) { return r.doc && passes(r.doc); }); // (no doc: not loaded yet)
      var shown = passing.slice(0, pageLimit);
      resultsList.textContent = "";
      shown.forEach(function (r) {
        var li = el("li", "search-result");
        var link = el("a", "search-result-title", r.doc.title);
        link.href = root + r.doc.url;
        li.appendChild(link);
        var guide = guideLine(r.doc);
        if (guide) li.appendChild(guide);
        li.appendChild(metaLine(r.doc));
        li.appendChild(snippetNode(r, "p"));
        resultsList.appendChild(li);
      });
      if (moreButton) {
        moreButton.hidden = passing.length <= shown.length;
        moreButton.textContent = "Show more (" + (passing.length - shown.length) + " left)";
      }
      if (!statusBox) return;
      var shownText = pageShowing || text;
      var quoted = "“" + (shownText.length > 80 ? shownText.slice(0, 80) + "…" : shownText) + "”";
      if (state.logLine && !pageShowing) quoted = "that line";
      var count = function (n) { return n + (n === 1 ? " result" : " results"); };
      var message;
      if (!text) message = "Type a word or paste an error message.";
      else if (!pageResults.length) message = "No documents match " + quoted + ". Try fewer words or the exact error message.";
      else if (filtering()) message = passing.length + " of " + count(pageResults.length) + " for " + quoted + " (filtered).";
      else message = count(pageResults.length) + " for " + quoted + ".";
      if (pageShowing && pageResults.length) message = "Showing results for " + quoted + ". " + message.replace(" for " + quoted, "");
      if (state.logLine) message = searchedLine() + " " + message;
      statusBox.textContent = message;
    }

    function showError(err) {
      if (statusBox) statusBox.textContent = "Search is unavailable: " + err.message + ".";
      else if (dropdown) { dropdown.textContent = ""; dropdown.appendChild(el("p", "search-dropdown-status", "Search is unavailable.")); dropdown.hidden = false; }
    }

    /* --------------------------------------------------------------- wiring */
    var timer = null;
    function update() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        whenLoaded(function (err) {
          if (err) return showError(err);
          var text = queryText();
          // The dropdown shows its first few results. The search page counts facets over every
          // result: it paints its first results, then loads the rest (all at once when a filter
          // from the address needs every entry to pick the results shown).
          var first = !resultsList ? DROPDOWN_RESULTS : filtering() ? Infinity : FIRST_PAINT;
          find(text, first, function (err2, found) {
            if (err2) return showError(err2);
            show(text, found, first === Infinity || found.results.length <= first);
            if (!resultsList || pageComplete) return;
            var asked = state.asked;
            loader.docs(found.results.map(function (r) { return r.hit.ref; }), function (err3, store) {
              if (asked !== state.asked) return; // a newer search started meanwhile
              if (err3) return showError(err3);
              var results = found.results.map(function (r) { return { doc: store[r.hit.ref], hit: r.hit }; });
              show(text, { results: results.filter(function (r) { return r.doc; }), showing: found.showing }, true);
            });
          });
        });
      }, 60);
    }

    function show(text, found, complete) {
      if (resultsList) {
        pageResults = found.results;
        pageShowing = found.showing;
        pageComplete = complete;
        pageLimit = PAGE_RESULTS;
        rememberInUrl();
        renderFacets();
        renderResults();
      } else if (listbox) {
        renderDropdown(found.results, text, found.showing);
      }
    }

    input.addEventListener("focus", function () { whenLoaded(function () {}); });
    input.addEventListener("input", function (event) {
      var kind = event.inputType || "";
      typing = /^(insert|delete)/.test(kind) && !/FromPaste|FromDrop|FromYank|ReplacementText/.test(kind);
      update();
    });
    input.addEventListener("blur", function () { closeDropdown(); });
    input.addEventListener("keydown", function (event) {
      if (!listbox) return;
      var open = !dropdown.hidden && options.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!options.length) return;
        event.preventDefault();
        if (dropdown.hidden) { dropdown.hidden = false; input.setAttribute("aria-expanded", "true"); }
        // Wraps through -1 (no result highlighted: Enter submits to the search page).
        var next = active + (event.key === "ArrowDown" ? 1 : -1);
        if (next >= options.length) next = -1;
        if (next < -1) next = options.length - 1;
        setActive(next);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        win.location.href = options[active].href;
      } else if (event.key === "Escape" && !dropdown.hidden) {
        event.preventDefault();
        closeDropdown();
      }
    });
    doc.addEventListener("keydown", function (event) {
      // Ctrl-K (Cmd-K on a Mac) focuses the search box from anywhere, as in most documentation sites.
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        input.focus();
        input.select();
        return;
      }
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
      var t = event.target;
      var tag = t && t.tagName ? t.tagName.toLowerCase() : "";
      if (tag === "input" || tag === "textarea" || tag === "select" || (t && t.isContentEditable)) return;
      event.preventDefault();
      input.focus();
    });
    if (form && resultsList) {
      // On the search page the results update as you type; no reload needed.
      form.addEventListener("submit", function (event) { event.preventDefault(); update(); });
    }

    if (resultsList) {
      input.value = params.get("q") || "";
      // An <input> drops line breaks: a log passed in the address keeps them for the search.
      if (/[\r\n]/.test(params.get("q") || "")) state.pasted = { raw: params.get("q"), value: input.value };
      if (statusBox) statusBox.textContent = "Loading search index…";
      update();
    }
  }

  if (root.document) start(root, root.document);
})(self);
