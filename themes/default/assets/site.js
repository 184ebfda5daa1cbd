/* sitegen: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  /* Three states: light, dark, or follow the system (the default, stored as nothing). The first
     click always changes what is seen: from "system" it goes to the other scheme. */
  function setupThemeToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    var root = document.documentElement;
    var names = { system: "system", light: "light", dark: "dark" };
    function systemDark() { return !!(window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches); }
    function mode() { var chosen = root.getAttribute("data-theme"); return chosen === "light" || chosen === "dark" ? chosen : "system"; }
    function next(current) {
      var order = systemDark() ? ["system", "light", "dark"] : ["system", "dark", "light"];
      return order[(order.indexOf(current) + 1) % order.length];
    }
    function show() {
      var current = mode();
      var label = "Colour theme: " + names[current] + " (switch to " + names[next(current)] + ")";
      button.setAttribute("data-mode", current);
      button.setAttribute("aria-label", label);
      button.title = label;
    }
    button.addEventListener("click", function () {
      var chosen = next(mode());
      if (chosen === "system") root.removeAttribute("data-theme"); else root.setAttribute("data-theme", chosen);
      try {
        if (chosen === "system") localStorage.removeItem("sitegen-theme"); else localStorage.setItem("sitegen-theme", chosen);
      } catch (e) { /* file:// in some browsers */ }
      show();
    });
    if (window.matchMedia) {
      var query = window.matchMedia("(prefers-color-scheme: dark)");
      if (query.addEventListener) query.addEventListener("change", show);
    }
    show();
  }

  /* "On this page" sits above the text on narrow screens: folded there, open beside the text. */
  function setupTocFold() {
    var fold = document.querySelector(".toc-fold");
    if (!fold || !window.matchMedia) return;
    var wide = window.matchMedia("(min-width: 72rem)");
    fold.open = wide.matches;
    if (wide.addEventListener) wide.addEventListener("change", function () { fold.open = wide.matches; });
  }

  /* All documents: reorder each folder's list by title or by date, newest first. */
  function setupListSort() {
    var tools = document.querySelector(".list-sort");
    if (!tools) return;
    var buttons = tools.querySelectorAll("button[data-sort]");
    var lists = document.querySelectorAll(".doc-list");
    tools.hidden = false;
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var key = button.getAttribute("data-sort");
        Array.prototype.forEach.call(buttons, function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
        Array.prototype.forEach.call(lists, function (list) {
          var items = Array.prototype.slice.call(list.children);
          items.sort(function (a, b) {
            var ta = a.getAttribute("data-title"), tb = b.getAttribute("data-title");
            var byTitle = ta < tb ? -1 : ta > tb ? 1 : 0;
            if (key === "title") return byTitle;
            var da = a.getAttribute("data-date"), db = b.getAttribute("data-date");
            return da === db ? byTitle : da < db ? 1 : -1;  // newest first; undated last
          });
          items.forEach(function (item) { list.appendChild(item); });
        });
      });
    });
  }

  function setupCopyButtons() {
    var blocks = document.querySelectorAll(".doc-body .highlight, .doc-body pre:not(.highlight pre):not(.mermaid)");
    Array.prototype.forEach.call(blocks, function (block) {
      var pre = block.tagName === "PRE" ? block : block.querySelector("pre");
      if (!pre) return;
      var holder = block.tagName === "PRE" ? block.parentNode : block;
      if (holder.classList && !holder.classList.contains("highlight")) {
        var wrap = document.createElement("div");
        wrap.className = "highlight";
        block.parentNode.insertBefore(wrap, block);
        wrap.appendChild(block);
        holder = wrap;
      }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy-button";
      button.textContent = "Copy";
      button.title = "Copy this code to the clipboard";
      button.addEventListener("click", function () {
        var text = pre.innerText;
        function done() { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 1500); }
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
        } else { fallbackCopy(text); done(); }
      });
      holder.appendChild(button);
    });
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
    document.body.removeChild(area);
  }

  function setupErrorTable() {
    var table = document.getElementById("error-table");
    if (!table) return;
    var tools = document.querySelector(".table-tools");
    var filter = document.getElementById("error-filter");
    var count = document.getElementById("error-count");
    var empty = document.getElementById("error-empty");
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    var sortNote = "";
    if (tools) tools.hidden = false;

    function announce(shown) {
      if (!count) return;
      var noun = rows.length === 1 ? " error message" : " error messages";
      count.textContent = (shown === rows.length ? "All " + rows.length + noun : shown + " of " + rows.length + noun) + sortNote + ".";
    }
    function applyFilter() {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (empty) {
        empty.hidden = shown > 0;
        var more = empty.querySelector("a");
        if (more) more.href = more.href.split("?")[0] + (filter.value.trim() ? "?q=" + encodeURIComponent(filter.value.trim()) : "");
      }
      announce(shown);
    }
    if (filter) {
      // ?filter=... pre-fills the box, so a filtered table can be shared as a link.
      var given = new URLSearchParams(window.location.search).get("filter");
      if (given) filter.value = given;
      filter.addEventListener("input", applyFilter);
      applyFilter();
    }

    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      var label = th.textContent.trim();
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var x = a.cells[column].textContent.trim().toLowerCase();
          var y = b.cells[column].textContent.trim().toLowerCase();
          return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { tbody.appendChild(row); });
        sortNote = ", sorted by " + label.toLowerCase() + (ascending ? ", A to Z" : ", Z to A");
        announce(rows.filter(function (row) { return !row.hidden; }).length);
      });
    });
  }

  /* The table of contents marks the section being read (wide screens show it beside the text). */
  function setupTocHighlight() {
    var links = document.querySelectorAll(".toc a[href^='#']");
    if (!links.length || !("IntersectionObserver" in window)) return;
    var byId = {};
    var headings = [];
    Array.prototype.forEach.call(links, function (a) {
      var target = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      if (target) { byId[target.id] = a; headings.push(target); }
    });
    var visible = {};
    function mark() {
      var current = null;
      for (var i = 0; i < headings.length; i += 1) {
        if (visible[headings[i].id]) { current = headings[i]; break; }
      }
      if (!current) return;
      Array.prototype.forEach.call(links, function (a) { a.classList.remove("is-current"); a.removeAttribute("aria-current"); });
      byId[current.id].classList.add("is-current");
      byId[current.id].setAttribute("aria-current", "location");
    }
    var observer = new IntersectionObserver(function (changes) {
      changes.forEach(function (change) { visible[change.target.id] = change.isIntersecting; });
      mark();
    }, { rootMargin: "0px 0px -60% 0px" });
    headings.forEach(function (h) { observer.observe(h); });
  }

  /* A box that scrolls sideways (long code, wide tables) must be reachable by keyboard to be scrolled. */
  function setupScrollableRegions() {
    var boxes = document.querySelectorAll("main pre, main .table-wrap, .doc-body table");
    function mark() {
      Array.prototype.forEach.call(boxes, function (box) {
        if (box.scrollWidth > box.clientWidth + 1) {
          if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
        } else if (box.getAttribute("tabindex") === "0") {
          box.removeAttribute("tabindex");
        }
      });
    }
    mark();
    var timer = null;
    window.addEventListener("resize", function () { clearTimeout(timer); timer = setTimeout(mark, 150); });
  }

  /* Ids an author wrote in raw HTML carry GitHub's `user-content-` prefix (so they cannot clash with the
     page's own); a link from another page to `#name` still lands on `user-content-name`, as on GitHub. */
  function setupAuthorAnchors() {
    function follow() {
      var name = decodeURIComponent(location.hash.slice(1));
      if (!name || document.getElementById(name)) return;
      var target = document.getElementById("user-content-" + name);
      if (target) target.scrollIntoView();
    }
    follow();
    window.addEventListener("hashchange", follow);
  }

  setupThemeToggle();
  setupTocFold();
  setupListSort();
  setupCopyButtons();
  setupErrorTable();
  setupTocHighlight();
  setupScrollableRegions();
  setupAuthorAnchors();
})();
