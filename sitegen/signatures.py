"""Find the error signatures in a log: the lines that say what went wrong, with the noise masked.

themes/default/assets/signatures.js implements the same rules for the search page (a pasted log
is searched for the line this picks); tests/test_lookup_parity.py runs both over the same logs.
Hand-written on both sides because the two must agree line for line. Change one, change the other.

A signature is one line of the log:

- `exception`: a line that starts with an exception name and a colon (`ValueError: ...`,
  `E   sqlalchemy.exc.OperationalError: ...`, `Caused by: java.io.IOException: ...`), or holds one
  after a space, bracket or quote (`Exception in thread "main" java.lang.IllegalStateException: ...`);
  with the last two frames of the Python traceback above it, or the first two of the stack printed
  under it (JavaScript, Java);
- `error`: a line with an error word (`Error:`, `ERROR`, `FATAL`, `failed`, `panic`, `ERR!`, a
  GitHub Actions `##[error]` or `::error::` marker), less the boilerplate every failing job
  prints (`Process completed with exit code 1`, `make: *** ... Error 2`, `== 1 failed ==`).

Before a line is classified, ANSI colour codes and a GitHub Actions timestamp are removed. In its
query, web addresses, timestamps, durations, paths, line numbers, hex addresses and ids are masked
with `…`, so the same error on another machine or run gives the same query and its noise never
becomes a search term; a log line's level and logger (`ERROR [app.worker]`) are left out too. Signatures come exceptions first, then the latest line first (a failing job ends
with what failed); repeats of a query are kept once, at their first line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

MASK = "…"
MAX_SIGNATURES = 8
MAX_QUERY_CHARS = 500  # a minified line or a dumped payload says no more past this
FRAMES_KEPT = 2
RECENT = 20  # signatures a cut-short line is compared with

# Patterns use only what Python's `re` and JavaScript's RegExp read alike: explicit ASCII classes,
# no \s, \w, \d or \b (their meanings differ between the two), look-behind of one character.
# signatures.js holds the same pattern strings.
ANSI = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(?:\x07|\x1b\\\\)|\x1b[@-Z\\\\-_]")
GITHUB_TIME = re.compile("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?Z ?")
GITHUB_MARK = re.compile("^(?:##\\[(error|warning|notice|debug|group|endgroup|command)\\]|::(error|warning|notice|debug)(?: [^:]*)?::)")
TIMESTAMP = re.compile(
    "[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:[.,][0-9]+)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?"
    "|(?:^|(?<=[^0-9:]))[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?"
)
DURATION = re.compile("(?:^|(?<=[ (=]))[0-9]+(?:\\.[0-9]+)?(?:ms|s|sec|secs|seconds|m|min|minutes)(?![A-Za-z0-9_])")
URL = re.compile("[A-Za-z][A-Za-z0-9+.-]*://[^ \t\"'<>()\\[\\]]+")
PATH = re.compile("(?:[A-Za-z]:)?(?:[\\\\/][^ \t\"'<>|:,()\\[\\]\\\\/]+){2,}[\\\\/]?|(?:\\.{1,2}/|~/)[^ \t\"'<>|:,()\\[\\]]+")
LINE_NUMBER = re.compile("(line )[0-9]+|(?<=[A-Za-z0-9_)\"'…])(:[0-9]+)(?::[0-9]+)?(?=[: ,)]|$)")
ADDRESS = re.compile(
    "0x[0-9a-fA-F]+|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    "|(?<![A-Za-z0-9_])(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?![A-Za-z0-9_])"
    "|(?<![A-Za-z0-9_.])[0-9]{6,}(?![A-Za-z0-9_.])"
)
REPEATED_MASK = re.compile(f"{MASK}(?:[ /:.]*{MASK})+")
EXCEPTION_NAME = "(?:[A-Za-z_][A-Za-z0-9_]*\\.)*[A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt|Fault|Failure)"
EXCEPTION_LINE = re.compile(f"^(?:E +|Caused by: |Uncaught |panic: )?{EXCEPTION_NAME}(?::|$)")
EXCEPTION_INSIDE = re.compile(f"(?:^|[ \\[(:'\"])({EXCEPTION_NAME}):")
ERROR_WORD = re.compile(
    "(?:^|[^A-Za-z0-9_./-])(?:error|errors|fatal|failed|failure|panic|critical|ERR!)(?:[^A-Za-z0-9_./-]|[.:] |[.:]?$)",
    re.IGNORECASE
)
BOILERPLATE = re.compile(
    "^(?:Error: )?Process completed with exit code|exited with (?:exit )?code [0-9]|^make(?:\\[[0-9]+\\])?: \\*\\*\\*"
    "|^npm ERR! (?:code|errno|syscall|A complete log|Exit status|Failed at the|This is probably|Lifecycle|$)"
    "|^=+ .* =+$|^-+$|^_+ .* _+$|(?:^|[^0-9])0 (?:errors?|failed|failures)|[Nn]o errors?(?: found)?(?:[^A-Za-z]|$)"
    "|^(?:Error|Failure): *$|^Error: Command failed with exit code|^##\\[error\\]Process completed",
    re.IGNORECASE,
)
PYTEST_FAILED = re.compile("^(?:FAILED|ERROR) [^ ]+ - ")
PYTEST_E = re.compile("^E +")
LOG_LEVEL = re.compile(
    "^(?:… )?(?:\\[(?:ERROR|FATAL|CRITICAL|SEVERE)\\]|(?:ERROR|FATAL|CRITICAL|SEVERE)(?=[ :]))"
    "(?: \\[[^\\]]*\\]| [A-Za-z0-9_.]+:(?= )|:[A-Za-z0-9_.]*:)? *:? *"
)
FRAME = re.compile('^[ \t]*(?:File ".*", line [0-9]+|at [^ ]+(?: \\(.*\\))?$)')
TRACEBACK = re.compile("^[ \t]*Traceback \\(most recent call last\\):?[ \t]*$")
LINES = re.compile("\r\n|\r|\n")
# Every line that TRACEBACK, FRAME, GITHUB_MARK, EXCEPTION_LINE or ERROR_WORD can match holds one
# of these, lowercased (substring tests: four times faster than one alternation over 20,000 lines).
MAYBE = ("err", "fatal", "fail", "panic", "critical", "exception", "exit", "interrupt", "fault", "traceback",
         'file "', "at ", "##[", "::")
SPACES = re.compile("[ \t\u00a0]+")
BLANKS = " \t\u00a0\ufeff\v\f"  # what a line is stripped of (JavaScript's trim() strips more)


@dataclass(frozen=True)
class Signature:
    line: int  # 1-based, in the log as given
    text: str  # the line as the log shows it, colours removed
    query: str  # what is searched: the line masked
    kind: str  # "exception" or "error"
    frames: tuple[str, ...] = ()  # the last frames of the traceback above it, masked
    repeats: int = 1  # lines of the log with the same query

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "text": self.text, "query": self.query, "kind": self.kind,
                "frames": list(self.frames), "repeats": self.repeats}


def clean(line: str) -> tuple[str, str]:
    """The line without colours or a GitHub Actions timestamp (not stripped), and the level of its
    `##[error]` or `::error::` marker."""
    line = GITHUB_TIME.sub("", ANSI.sub("", line))
    level = ""
    found = GITHUB_MARK.match(line)
    if found:
        level = found.group(1) or found.group(2) or ""
        line = line[found.end():]
    return line, level


def mask(text: str) -> str:
    """`text` with what differs between runs (times, paths, line numbers, addresses, ids) masked."""
    text = URL.sub(MASK, text)
    text = TIMESTAMP.sub(MASK, text)
    text = ADDRESS.sub(MASK, text)
    text = PATH.sub(MASK, text)
    text = LINE_NUMBER.sub(lambda m: (m.group(1) or ":") + MASK, text)
    text = DURATION.sub(MASK, text)
    text = REPEATED_MASK.sub(MASK, text)
    return SPACES.sub(" ", text).strip(BLANKS)


def _query_of(text: str) -> str:
    text = PYTEST_E.sub("", PYTEST_FAILED.sub("", text))
    # A log line's time, level and logger say when and where, not what: they are not searched.
    return LOG_LEVEL.sub("", mask(text))[:MAX_QUERY_CHARS]


def classify(text: str, level: str) -> str:
    """`exception`, `error`, or "" for a line that names no error."""
    if EXCEPTION_LINE.search(text):
        return "exception"
    if BOILERPLATE.search(text):
        return ""
    if EXCEPTION_INSIDE.search(text):
        return "exception"
    return "error" if level == "error" or ERROR_WORD.search(text) else ""


def _longer(found: dict[str, Signature], query: str) -> Signature | None:
    """A recent signature that `query` shortens (pytest's summary cuts a message and adds `...`)."""
    if not query.endswith(("...", "…")):
        return None
    start = query.rstrip(".…")
    for signature in list(found.values())[-RECENT:]:
        if len(signature.query) > len(start) and signature.query.startswith(start):
            return signature
    return None


def _maybe(raw: str) -> bool:
    low = (ANSI.sub("", raw) if "\x1b" in raw else raw).lower()
    return any(word in low for word in MAYBE)


def extract(log: str, limit: int = MAX_SIGNATURES) -> list[Signature]:
    """The error signatures of `log`, most telling first, at most `limit`."""
    found: dict[str, Signature] = {}
    frames: list[str] = []  # the frames above: Python prints them before the exception
    in_traceback = False
    below: str | None = None  # an exception whose frames may follow it (JavaScript, Java, .NET, Go)
    for number, raw in enumerate(LINES.split(log), 1):
        if not in_traceback and below is None and not _maybe(raw):
            continue  # most lines of a log: no rule below could pick them (a shortcut signatures.js need not take)
        bare, level = clean(raw)
        text = bare.strip(BLANKS)
        if not text:
            continue
        if TRACEBACK.match(text):
            frames, in_traceback, below = [], True, None
            continue
        if FRAME.match(text):
            if below is not None:
                if len(found[below].frames) < FRAMES_KEPT:
                    found[below] = replace(found[below], frames=found[below].frames + (mask(text),))
                continue
            frames = (frames + [mask(text)])[-FRAMES_KEPT:]
            in_traceback = True
            continue
        below = None
        kind = classify(text, level)
        if not kind:
            # Under a frame, an indented line quotes the source; anything else ends the traceback.
            if not (in_traceback and bare[:1] in (" ", "\t")):
                frames, in_traceback = [], False
            continue
        query = _query_of(text)
        if not query:
            continue
        kept = found.get(query) or _longer(found, query)
        above = tuple(frames) if kind == "exception" else ()
        if kept is None:
            found[query] = Signature(number, text, query, kind, above)
        else:
            query = kept.query
            found[query] = replace(kept, frames=kept.frames or above, repeats=kept.repeats + 1)
        if kind == "exception":
            frames, in_traceback = [], False
            below = query if not found[query].frames else None
    ordered = sorted(found.values(), key=lambda s: (s.kind != "exception", -s.line))
    return ordered[:limit]
