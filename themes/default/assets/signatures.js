/*
 * sitegen search: the error signatures of a pasted log, the browser twin of sitegen/signatures.py.
 *
 * A whole CI log pasted into the search box is searched for the line that says what went wrong,
 * exactly as `sitegen lookup` picks it: the rules are documented in sitegen/signatures.py, and
 * tests/test_lookup_parity.py runs both over the same logs (and compares the pattern strings
 * below with Python's). Change one, change the other.
 *
 * Browser: defines window.sitegen.signatures. Node: module.exports = {extract, PATTERNS}.
 */
(function (root) {
  "use strict";

  var MASK = "…";
  var MAX_SIGNATURES = 8;
  var MAX_QUERY_CHARS = 500;
  var FRAMES_KEPT = 2;
  var RECENT = 20;
  var EXCEPTION_NAME = "(?:[A-Za-z_][A-Za-z0-9_]*\\.)*[A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt|Fault|Failure)";

  // [pattern, flags]: the same strings as sitegen/signatures.py's patterns.
  var PATTERNS = {
    ANSI: ["\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|\x1b[@-Z\\\\-_]", "g"],
    GITHUB_TIME: ["^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?Z ?", ""],
    GITHUB_MARK: ["^(?:##\\[(error|warning|notice|debug|group|endgroup|command)\\]|::(error|warning|notice|debug)(?: [^:]*)?::)", ""],
    TIMESTAMP: [
      "[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?" +
      "|(?:^|(?<=[^0-9:]))[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?", "g"],
    DURATION: ["(?:^|(?<=[ (=]))[0-9]+(?:\\.[0-9]+)?(?:ms|s|sec|secs|seconds|m|min|minutes)(?![A-Za-z0-9_])", "g"],
    URL: ["[A-Za-z][A-Za-z0-9+.-]*://[^ \t\"'<>()\\[\\]]+", "g"],
    PATH: ["(?:[A-Za-z]:)?(?:[\\\\/][^ \t\"'<>|:,()\\[\\]\\\\/]+){2,}[\\\\/]?|(?:\\.{1,2}/|~/)[^ \t\"'<>|:,()\\[\\]]+", "g"],
    LINE_NUMBER: ["(line )[0-9]+|(?<=[A-Za-z0-9_)\"'…])(:[0-9]+)(?::[0-9]+)?(?=[: ,)]|$)", "g"],
    ADDRESS: [
      "0x[0-9a-fA-F]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}" +
      "|(?<![A-Za-z0-9_])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![A-Za-z0-9_])" +
      "|(?<![A-Za-z0-9_.])[0-9]{6,}(?![A-Za-z0-9_.])", "g"],
    REPEATED_MASK: [MASK + "(?:[ /:.]*" + MASK + ")+", "g"],
    EXCEPTION_LINE: ["^(?:E +|Caused by: |Uncaught |panic: )?" + EXCEPTION_NAME + "(?::|$)", ""],
    EXCEPTION_INSIDE: ["(?:^|[ \\[(:'\"])(" + EXCEPTION_NAME + "):", ""],
    ERROR_WORD: [
      "(?:^|[^A-Za-z0-9_./-])(?:error|errors|fatal|failed|failure|panic|critical|ERR!)(?:[^A-Za-z0-9_./-]|[.:] |[.:]?$)", "i"],
    BOILERPLATE: [
      "^(?:Error: )?Process completed with exit code|exited with (?:exit )?code [0-9]|^make(?:\\[[0-9]+\\])?: \\*\\*\\*" +
      "|^npm ERR! (?:code|errno|syscall|A complete log|Exit status|Failed at the|This is probably|Lifecycle|$)" +
      "|^=+ .* =+$|^-+$|^_+ .* _+$|(?:^|[^0-9])0 (?:errors?|failed|failures)|[Nn]o errors?(?: found)?(?:[^A-Za-z]|$)" +
      "|^(?:Error|Failure): *$|^Error: Command failed with exit code|^##\\[error\\]Process completed", "i"],
    PYTEST_FAILED: ["^(?:FAILED|ERROR) [^ ]+ - ", ""],
    PYTEST_E: ["^E +", ""],
    LOG_LEVEL: [
      "^(?:… )?(?:\\[(?:ERROR|FATAL|CRITICAL|SEVERE)\\]|(?:ERROR|FATAL|CRITICAL|SEVERE)(?=[ :]))" +
      "(?: \\[[^\\]]*\\]| [A-Za-z0-9_.]+:(?= )|:[A-Za-z0-9_.]*:)? *:? *", ""],
    FRAME: ["^[ \t]*(?:File \".*\", line [0-9]+|at [^ ]+(?: \\(.*\\))?$)", ""],
    TRACEBACK: ["^[ \t]*Traceback \\(most recent call last\\):?[ \t]*$", ""],
    LINES: ["\r\n|\r|\n", ""],
    SPACES: ["[ \t\u00a0]+", "g"]
  };
  var BLANKS = " \t\u00a0\ufeff\v\f";

  var re = {};
  Object.keys(PATTERNS).forEach(function (name) { re[name] = new RegExp(PATTERNS[name][0], PATTERNS[name][1]); });

  function strip(text) {
    var start = 0;
    var end = text.length;
    while (start < end && BLANKS.indexOf(text.charAt(start)) >= 0) start++;
    while (end > start && BLANKS.indexOf(text.charAt(end - 1)) >= 0) end--;
    return text.slice(start, end);
  }

  /** [line without colours or a GitHub Actions timestamp, level of its ##[error] or ::error:: marker]. */
  function clean(line) {
    line = line.replace(re.ANSI, "").replace(re.GITHUB_TIME, "");
    var level = "";
    var found = re.GITHUB_MARK.exec(line);
    if (found) {
      level = found[1] || found[2] || "";
      line = line.slice(found[0].length);
    }
    return [line, level];
  }

  function mask(text) {
    text = text.replace(re.URL, MASK);
    text = text.replace(re.TIMESTAMP, MASK);
    text = text.replace(re.ADDRESS, MASK);
    text = text.replace(re.PATH, MASK);
    text = text.replace(re.LINE_NUMBER, function (m, line) { return (line || ":") + MASK; });
    text = text.replace(re.DURATION, MASK);
    text = text.replace(re.REPEATED_MASK, MASK);
    return strip(text.replace(re.SPACES, " "));
  }

  function queryOf(text) {
    // A log line's time, level and logger say when and where, not what: they are not searched.
    var masked = mask(text.replace(re.PYTEST_FAILED, "").replace(re.PYTEST_E, "")).replace(re.LOG_LEVEL, "");
    // Python slices by code point; Array.from splits by code point too.
    var chars = Array.from(masked);
    return chars.length > MAX_QUERY_CHARS ? chars.slice(0, MAX_QUERY_CHARS).join("") : masked;
  }

  function classify(text, level) {
    if (re.EXCEPTION_LINE.test(text)) return "exception";
    if (re.BOILERPLATE.test(text)) return "";
    if (re.EXCEPTION_INSIDE.test(text)) return "exception";
    return level === "error" || re.ERROR_WORD.test(text) ? "error" : "";
  }

  /** A recent signature that `query` shortens (pytest's summary cuts a message and adds `...`). */
  function longer(found, query) {
    if (!/(?:\.\.\.|…)$/.test(query)) return undefined;
    var start = query.replace(/[.…]+$/, "");
    var recent = Array.from(found.values()).slice(-RECENT);
    for (var i = 0; i < recent.length; i++) {
      var q = recent[i].query;
      if (q.length > start.length && q.lastIndexOf(start, 0) === 0) return recent[i];
    }
    return undefined;
  }

  /** The error signatures of `log`, most telling first: [{line, text, query, kind, frames, repeats}]. */
  function extract(log, limit) {
    if (typeof log !== "string") return [];
    var max = limit === undefined ? MAX_SIGNATURES : limit;
    var found = new Map();
    var frames = []; // the frames above: Python prints them before the exception
    var inTraceback = false;
    var below = null; // an exception whose frames may follow it (JavaScript, Java, .NET, Go)
    var lines = log.split(re.LINES);
    for (var i = 0; i < lines.length; i++) {
      var raw = lines[i];
      var cleaned = clean(raw);
      var bare = cleaned[0];
      var text = strip(bare);
      if (!text) continue;
      if (re.TRACEBACK.test(text)) {
        frames = [];
        inTraceback = true;
        below = null;
        continue;
      }
      if (re.FRAME.test(text)) {
        if (below !== null) {
          var under = found.get(below);
          if (under.frames.length < FRAMES_KEPT) under.frames.push(mask(text));
          continue;
        }
        frames = frames.concat([mask(text)]).slice(-FRAMES_KEPT);
        inTraceback = true;
        continue;
      }
      below = null;
      var kind = classify(text, cleaned[1]);
      if (!kind) {
        // Under a frame, an indented line quotes the source; anything else ends the traceback.
        if (!(inTraceback && (bare.charAt(0) === " " || bare.charAt(0) === "\t"))) {
          frames = [];
          inTraceback = false;
        }
        continue;
      }
      var query = queryOf(text);
      if (!query) continue;
      var kept = found.get(query) || longer(found, query);
      var above = kind === "exception" ? frames.slice() : [];
      if (kept === undefined) {
        found.set(query, { line: i + 1, text: text, query: query, kind: kind, frames: above, repeats: 1 });
      } else {
        query = kept.query;
        if (!kept.frames.length) kept.frames = above;
        kept.repeats += 1;
      }
      if (kind === "exception") {
        frames = [];
        inTraceback = false;
        below = found.get(query).frames.length ? null : query;
      }
    }
    var ordered = Array.from(found.values());
    ordered.sort(function (a, b) {
      return (a.kind !== "exception") - (b.kind !== "exception") || b.line - a.line;
    });
    return ordered.slice(0, max);
  }

  var api = { extract: extract, mask: mask, PATTERNS: PATTERNS, MASK: MASK,
              LIMITS: { MAX_SIGNATURES: MAX_SIGNATURES, MAX_QUERY_CHARS: MAX_QUERY_CHARS, FRAMES_KEPT: FRAMES_KEPT, RECENT: RECENT } };
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.sitegen = root.sitegen || {};
    root.sitegen.signatures = api;
  }
})(typeof self !== "undefined" ? self : this);
