/* sitegen: draws ```mermaid blocks with the vendored mermaid build (vendor/mermaid.min.js, pinned and
   checksummed). Loaded only on pages that have a diagram. Without script the block stays the
   diagram's source, shown as code. */
(function () {
  "use strict";
  if (!window.mermaid) return;
  var blocks = Array.prototype.slice.call(document.querySelectorAll(".doc-body pre.mermaid"));
  if (!blocks.length) return;
  var sources = blocks.map(function (block) { return block.textContent; });
  var root = document.documentElement;
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function dark() {
    var chosen = root.getAttribute("data-theme");
    if (chosen) return chosen === "dark";
    return !!(query && query.matches);
  }

  function draw() {
    // Redrawn from the kept source, so a theme switch recolours diagrams already drawn.
    blocks.forEach(function (block, i) {
      block.removeAttribute("data-processed");
      block.textContent = sources[i];
    });
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: dark() ? "dark" : "default" });
    var done = window.mermaid.run({ nodes: blocks, suppressErrors: true });
    if (done && done.catch) done.catch(function () { /* a broken diagram keeps its source on show */ });
  }

  draw();
  if (window.MutationObserver) {
    new MutationObserver(draw).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
  }
  if (query && query.addEventListener) query.addEventListener("change", draw);
})();
