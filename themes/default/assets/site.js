/* sitegen: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function setupThemeToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    var root = document.documentElement;
    function current() {
      var chosen = root.getAttribute("data-theme");
      if (chosen) return chosen;
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    }
    function show() { button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false"); }
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("sitegen-theme", next); } catch (e) { /* file:// in some browsers */ }
      show();
    });
    show();
  }

  function setupCopyButtons() {
    var blocks = document.querySelectorAll(".doc-body .highlight, .doc-body pre:not(.highlight pre)");
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
      button.setAttribute("aria-label", "Copy code to clipboard");
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
    var tbody = table.tBodies[0];
    var rows = Array.prototype.slice.call(tbody.rows);
    if (tools) tools.hidden = false;
    function applyFilter() {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      count.textContent = shown + " of " + rows.length + " rows";
    }
    if (filter) { filter.addEventListener("input", applyFilter); applyFilter(); }
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      var label = th.textContent;
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
      });
    });
  }

  setupThemeToggle();
  setupCopyButtons();
  setupErrorTable();
})();
