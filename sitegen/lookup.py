"""From a failing log to the write-up that fixes it: the matching behind `sitegen lookup`.

    log -> signatures (sitegen.signatures) -> each searched as the browser searches it
        (sitegen.ranking, over the site's own search index) -> confident matches -> text / JSON / Markdown

Each signature's query is ranked exactly as the search box ranks it. A match's *confidence* is
the share of the query's information the document holds: every searched term weighs its boost
(how telling its line is) times its idf (how rare it is in the index; a term no document holds
weighs as much as the rarest); a word of the query (a name and its dotted or camelCase parts)
weighs as much as its weightiest term and counts as held in the share its terms are; the
confidence is the held words' weight over all words' weight. The words that made the line an
error line (`error`, `failed`, `fatal`, ...) do not count. So `Error: 42` matching the word `error` says nothing, and an exception whose model name
changed still matches on everything else. Matches come in the order of their signatures
(exceptions first, then the latest error line), each signature's in the browser's order.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable, Mapping

from sitegen.pasted import query_terms
from sitegen.ranking import SearchIndex, run_search, searched_terms
from sitegen.shards import MANIFEST, chunk_file, parse_script, shard_file
from sitegen.signatures import LINES, Signature, extract, mask
from sitegen.stemmer import stem
from sitegen.tokenize import tokenize

MIN_CONFIDENCE = 0.4  # chosen with `make bench` (bench/lookup.py): see README
MESSAGE_LINES = 10  # input this short with no error line is itself the message searched
SCHEMA_VERSION = 1
INDEX_FILE = MANIFEST


@dataclass(frozen=True)
class LoadedIndex:
    """A site's search index and result store, and where to read a result's brief fix."""

    index: SearchIndex
    docs: Mapping[int, Mapping[str, Any]]  # ref -> the result store's entry (url, title, snippet, ...)
    fix_of: Callable[[Mapping[str, Any]], str]
    source: str  # what the index was read from, for the report


@dataclass(frozen=True)
class Match:
    ref: int
    title: str
    url: str  # absolute when the site has a base_url, else relative to the site's root
    fix: str
    confidence: float
    rank: int  # 1-based, in the browser's results for the signature
    signature: Signature

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "url": self.url, "fix": self.fix, "confidence": round(self.confidence, 3),
                "rank": self.rank, "line": self.signature.line, "line_text": self.signature.text,
                "query": self.signature.query}


@dataclass(frozen=True)
class LookupResult:
    lines: int  # lines in the log
    signatures: tuple[Signature, ...]
    matches: tuple[Match, ...]  # confident ones, best first
    closest: Match | None  # the best match under the confidence bar, to say what almost matched
    min_confidence: float
    index_source: str = ""

    @property
    def found(self) -> bool:
        return bool(self.matches)


def load_index(site_dir: Path) -> LoadedIndex:
    """The search index of a built site: the one place an index is read (its manifest, every term
    shard and every store chunk)."""
    index, store = read_index(lambda name: (site_dir / name).read_text(encoding="utf-8"))
    return LoadedIndex(index, store, lambda doc: fix_from_page(site_dir, str(doc.get("url", ""))), str(site_dir / INDEX_FILE))


def index_from_files(files: Mapping[str, str], fixes: Mapping[str, str], source: str) -> LoadedIndex:
    """An index from the search files built in memory (shards.build_files), with each page url's fix."""
    index, store = read_index(files.__getitem__)
    return LoadedIndex(index, store, lambda doc: fixes.get(str(doc.get("url", "")), ""), source)


def read_index(read: Callable[[str], str]) -> tuple[SearchIndex, dict[int, Mapping[str, Any]]]:
    """The index and the result store (ref -> entry), given `read(path in the site) -> text`.

    A file that is not what the build writes raises ValueError naming it and the fix."""
    def parsed(name: str) -> Any:
        try:
            return parse_script(read(name))[1]
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}; build the site again (sitegen build) to rewrite its search index") from None

    try:
        manifest = parsed(MANIFEST)
        shards = [parsed(shard_file(key)) for key in manifest["shards"]]
        store: dict[int, Mapping[str, Any]] = {}
        for number in manifest["chunks"]:
            store.update((int(d["ref"]), d) for d in parsed(chunk_file(number)))
        return SearchIndex.from_files(manifest, shards), store
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{MANIFEST} or its shards are not in the form this sitegen writes ({exc!r}); "
                         "build the site again (sitegen build) to rewrite its search index") from None


class _FixReader(HTMLParser):
    """The text of a page's `<p class="doc-summary">` (document.html's "Fix:" line)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.parts: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if self.depth:
            self.depth += 1
        elif tag == "p" and "doc-summary" in (dict(attrs).get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.depth and not self.done:
            self.parts.append(data)


def fix_from_page(site_dir: Path, url: str) -> str:
    """The brief fix shown on a built page, "" when it shows none (or is a guide's section)."""
    page, _, anchor = url.partition("#")
    path = site_dir / page
    if anchor or not page or not path.is_file():
        return ""
    html_text = path.read_text(encoding="utf-8", errors="replace")
    # Parse only the paragraph: a page of a large site is 100 KB of HTML around one line.
    at = html_text.find('class="doc-summary"')
    if at < 0:
        return ""
    reader = _FixReader()
    reader.feed(html_text[html_text.rfind("<", 0, at): html_text.find("</p>", at) + len("</p>")])
    text = " ".join("".join(reader.parts).split())
    return re.sub(r"^Fix:\s*", "", text)


# The words that made a line an error line say that something failed, not what: a document
# holding them is no likelier to be the fix, so they do not count towards confidence.
ERROR_WORDS = frozenset(stem(word) for word in ("error", "errors", "fatal", "failed", "failure", "panic", "critical", "err"))


def confidence(index: SearchIndex, query: str, matched: frozenset[str]) -> float:
    """The weighted share of `query`'s words that a document matched (see the module's docstring).

    A word is what the tokenizer cut from one space-separated piece of the query: a dotted or
    camelCase name and its parts count once, as much as their most telling term, so a renamed
    `'invoice_total'` is one unknown word, not three, and `sqlalchemy.orm.exc.DetachedInstanceError`
    one known one. Within a word, each term counts by its weight.
    """
    weights: dict[str, float] = {}
    for term in searched_terms(index, query_terms(query)):
        stemmed = stem(term.term)
        if stemmed in ERROR_WORDS:
            continue
        df = index.document_frequency(stemmed)
        idf = math.log(1 + abs((index.docs - df + 0.5) / (df + 0.5)))
        weights[stemmed] = max(weights.get(stemmed, 0.0), term.boost * idf)
    total = held = 0.0
    for piece in query.split():
        terms = [t for t in dict.fromkeys(stem(token) for token in tokenize(piece)) if t in weights]
        if not terms:
            continue
        word = max(weights[t] for t in terms)
        share = sum(weights[t] for t in terms if t in matched) / sum(weights[t] for t in terms)
        total += word
        held += word * share
        for t in terms:
            del weights[t]  # a term repeated in a later word was counted with its first
    return held / total if total else 0.0


def absolute(base_url: str, url: str) -> str:
    return f"{base_url.rstrip('/')}/{url}" if base_url else url


def message_signature(log: str) -> list[Signature]:
    """A short input with no error line (a message typed or copied by hand) is searched whole."""
    lines = [line for line in LINES.split(log) if line.strip()]
    if not lines or len(lines) > MESSAGE_LINES:
        return []
    text = " ".join(line.strip() for line in lines)
    query = mask(text)
    return [Signature(1, text, query, "message")] if query else []


def lookup(log: str, loaded: LoadedIndex, base_url: str = "", limit: int = 5,
           min_confidence: float = MIN_CONFIDENCE) -> LookupResult:
    """The documents that match `log`'s error signatures, best first."""
    signatures = extract(log) or message_signature(log)
    matches: list[Match] = []
    closest: Match | None = None
    seen: set[int] = set()
    for signature in signatures:
        for rank, hit in enumerate(run_search(loaded.index, signature.query)[:10], 1):
            doc = loaded.docs.get(hit.ref)
            if doc is None or hit.ref in seen:
                continue
            sure = confidence(loaded.index, signature.query, hit.terms)
            if sure < min_confidence:
                if closest is None or sure > closest.confidence:
                    closest = _match(loaded, doc, hit.ref, sure, rank, signature, base_url)
                continue
            seen.add(hit.ref)
            if len(matches) < limit:
                matches.append(_match(loaded, doc, hit.ref, sure, rank, signature, base_url))
    lines = len(LINES.split(log)) if log else 0
    return LookupResult(lines, tuple(signatures), tuple(matches), None if matches else closest, min_confidence,
                        loaded.source)


def _match(loaded: LoadedIndex, doc: Mapping[str, Any], ref: int, sure: float, rank: int, signature: Signature,
           base_url: str) -> Match:
    return Match(ref, str(doc.get("title", "")), absolute(base_url, str(doc.get("url", ""))), loaded.fix_of(doc),
                 sure, rank, signature)


def _short(text: str, width: int = 160) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_text(result: LookupResult, name: str) -> str:
    out: list[str] = []
    if not result.signatures:
        out.append(f"sitegen lookup: no known error: no error line found in {name} ({result.lines:,} lines)")
        return "\n".join(out)
    if not result.matches:
        out.append(f"sitegen lookup: no known error: no document matched {name} with confidence "
                   f"{result.min_confidence:.2f} or more")
        if result.closest:
            out.append(f"  closest: {result.closest.title} ({result.closest.confidence:.2f}), for line "
                       f"{result.closest.signature.line}")
    else:
        out.append(f"sitegen lookup: {len(result.matches)} known fix{'es' if len(result.matches) != 1 else ''} "
                   f"for {name} ({result.lines:,} lines)")
        for n, m in enumerate(result.matches, 1):
            out.append(f"{n}. {m.title}  (confidence {m.confidence:.2f})")
            out.append(f"   {m.url}")
            if m.fix:
                out.append(f"   Fix: {_short(m.fix, 300)}")
            out.append(f"   matched line {m.signature.line}: {_short(m.signature.text)}")
    searched = ", ".join(str(s.line) for s in result.signatures)
    out.append(f"searched {len(result.signatures)} error line{'s' if len(result.signatures) != 1 else ''} "
               f"(line {searched})")
    return "\n".join(out)


def as_json(result: LookupResult, name: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "input": name,
        "lines": result.lines,
        "found": result.found,
        "min_confidence": result.min_confidence,
        "index": result.index_source,
        "signatures": [s.as_dict() for s in result.signatures],
        "matches": [m.as_dict() for m in result.matches],
        "closest": result.closest.as_dict() if result.closest else None,
    }


def format_json(result: LookupResult, name: str) -> str:
    return json.dumps(as_json(result, name), indent=2, ensure_ascii=False)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!])")


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False).replace("\n", " "))


def _code(text: str) -> str:
    text = _short(" ".join(text.split()), 200)
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def format_markdown(result: LookupResult, name: str) -> str:
    """For a GitHub Actions job summary: the matches as Markdown links."""
    out = ["### Known fixes from the knowledge base", ""]
    if not result.signatures:
        out.append(f"No error line found in `{_md(name)}` ({result.lines:,} lines).")
    elif not result.matches:
        out.append(f"No document matched the error lines of `{_md(name)}` with confidence "
                   f"{result.min_confidence:.2f} or more. Searched:")
        out.append("")
        out.extend(f"- line {s.line}: {_code(s.text)}" for s in result.signatures)
    else:
        for m in result.matches:
            fix = f" — {_md(_short(m.fix, 300))}" if m.fix else ""
            out.append(f"- [{_md(m.title)}]({m.url.replace(' ', '%20').replace(')', '%29')}){fix}")
            out.append(f"  (line {m.signature.line}: {_code(m.signature.text)}; confidence {m.confidence:.2f})")
    return "\n".join(out) + "\n"


FORMATS: Mapping[str, Callable[[LookupResult, str], str]] = {
    "text": format_text, "json": format_json, "markdown": format_markdown,
}


def exit_status(result: LookupResult) -> int:
    return 0 if result.found else 1
