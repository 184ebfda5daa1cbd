/*
 * sitegen search tokenizer: the browser twin of sitegen/tokenize.py.
 *
 * The index is built in Python and queried here, so both must cut text identically; the rules
 * are documented in sitegen/tokenize.py and tests/test_tokenizer.py runs both over the same
 * strings. Change one, change the other.
 *
 * Browser: defines window.sitegen.tokenize. Node: module.exports = {tokenize: tokenize}.
 */
(function (root) {
  "use strict";

  // Kept identical to CJK_RANGES in sitegen/tokenize.py.
  var CJK_CLASS =
    "[\\u3041-\\u3096\\u3099-\\u309F\\u30A1-\\u30FA\\u30FC-\\u30FF\\u31F0-\\u31FF" +
    "\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uF900-\\uFAFF\\u{20000}-\\u{323AF}]";
  var WORD = "[\\p{L}\\p{N}\\p{M}]";
  var CJK_RUN = new RegExp(CJK_CLASS + "+", "gu");
  var CJK_WHOLE = new RegExp("^" + CJK_CLASS + "+$", "u");
  var COMPOUND = new RegExp(WORD + "+(?:[._\\-]+" + WORD + "+)*", "gu");
  var CAMEL = /\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}*\P{Lu}+|\p{Lu}+/gu;
  var CONNECTOR = /[._\-]+/u;

  function cjkGrams(run) {
    // Array.from splits by code point, as Python's str does (a JS string index is a UTF-16 unit).
    var chars = Array.from(run);
    if (chars.length === 1) return [run];
    var grams = [];
    for (var i = 0; i < chars.length - 1; i++) grams.push(chars[i] + chars[i + 1]);
    return grams;
  }

  function tokenize(text) {
    if (text === null || text === undefined) return [];
    // Spaces around CJK runs make them compounds of their own, never joined to Latin text.
    var spaced = String(text).normalize("NFKC").replace(CJK_RUN, " $& ");
    var tokens = [];
    var match;
    COMPOUND.lastIndex = 0;
    while ((match = COMPOUND.exec(spaced)) !== null) {
      var whole = match[0];
      if (CJK_WHOLE.test(whole)) {
        Array.prototype.push.apply(tokens, cjkGrams(whole));
        continue;
      }
      tokens.push(whole.toLowerCase());
      var segments = whole.split(CONNECTOR);
      for (var s = 0; s < segments.length; s++) {
        if (segments.length > 1) tokens.push(segments[s].toLowerCase());
        var parts = segments[s].match(CAMEL) || [];
        if (parts.length > 1) {
          for (var p = 0; p < parts.length; p++) tokens.push(parts[p].toLowerCase());
        }
      }
    }
    return tokens;
  }

  if (typeof module === "object" && module.exports) {
    module.exports = { tokenize: tokenize };
  } else {
    root.sitegen = root.sitegen || {};
    root.sitegen.tokenize = tokenize;
  }
})(typeof self !== "undefined" ? self : this);
