"""Stage: read a source file into text, front matter and body, reporting what is wrong with it."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any

from sitegen.diagnostics import Problem
from sitegen.document import SourceFile
from sitegen.yamlsafe import load_yaml

_BINARY_SNIFF = 8192


@dataclass(frozen=True)
class RawSource:
    """A source file's text split into front matter and body, before any normalising."""

    source: SourceFile
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)  # front-matter key -> line in the file
    body: str = ""
    body_line: int = 1
    has_front_matter: bool = False
    yaml_failed: bool = False


def read_source(source: SourceFile, max_bytes: int) -> tuple[RawSource | None, list[Problem]]:
    """Read one file; None when it cannot be a document at all (binary, too large, unreadable)."""
    rel = source.rel
    try:
        size = source.path.stat().st_size
        if size <= max_bytes:
            with open(source.path, "rb") as handle:
                data = handle.read(max_bytes + 1)  # bounded even if the file grows after the stat
            size = max(size, len(data))
        if size > max_bytes:
            return None, [Problem(rel, None, None, "too-large", f"file is {size:,} bytes, over the limit of {max_bytes:,}; skipped",
                                  "split it, or raise `max_file_bytes` in sitegen.yml", "error")]
    except OSError as exc:
        return None, [Problem(rel, None, None, "unreadable", f"cannot read file: {exc.strerror or exc}", "check its permissions", "error")]
    problems: list[Problem] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Windows editors save "Unicode" as UTF-16: full of NUL bytes, yet a perfectly good text file.
        text = data.decode("utf-16", errors="replace")
        problems.append(Problem(rel, None, None, "encoding", "file is UTF-16, not UTF-8; read as UTF-16", "save the file as UTF-8"))
    elif b"\x00" in data[:_BINARY_SNIFF]:
        return None, [Problem(rel, None, None, "binary", "file holds NUL bytes: not a text file; skipped",
                              "remove it or rename it so it does not end in .md", "error")]
    else:
        text = _decode(data, rel, problems)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        first = text.index("\x00")
        line = text.count("\n", 0, first) + 1
        problems.append(Problem(rel, line, first - text.rfind("\n", 0, first), "nul-bytes",
                                f"file holds {text.count(chr(0))} NUL byte(s); removed", "delete them: a text editor shows them as ^@ or \\0"))
        text = text.replace("\x00", "")
    raw = split_front_matter(source, text, problems)
    return raw, problems


def _decode(data: bytes, rel: str, problems: list[Problem]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.append(Problem(rel, line, column, "encoding", "file is not valid UTF-8; read as Windows-1252/Latin-1",
                                "save the file as UTF-8"))
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def split_front_matter(source: SourceFile, text: str, problems: list[Problem]) -> RawSource:
    """Separate a leading `---` YAML block from the body; a bad block still leaves a usable body."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return RawSource(source, text, body=text)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.append(Problem(source.rel, 1, 1, "front-matter", "front matter opened with `---` is never closed",
                                "add a line `---` after the last front-matter key", "error"))
        return RawSource(source, text, body=text, yaml_failed=True)
    yaml_text = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1:])
    body_line = end + 2
    loaded = load_yaml(yaml_text)
    if loaded.error:
        err = loaded.error
        line = err.line + 1 if err.line is not None else 1
        problems.append(Problem(source.rel, line, err.column, "invalid-yaml",
                                f"invalid YAML in front matter: {err.message}",
                                "fix the YAML (quote values holding `: ` or starting with `[`, `{`, `*`, `&`); the page is built from its body meanwhile",
                                "error"))
        return RawSource(source, text, body=body, body_line=body_line, has_front_matter=True, yaml_failed=True)
    if loaded.data is None:
        return RawSource(source, text, body=body, body_line=body_line, has_front_matter=True)
    if not isinstance(loaded.data, dict):
        problems.append(Problem(source.rel, 2, 1, "front-matter",
                                f"front matter is a {type(loaded.data).__name__}, not a mapping of keys to values; ignored",
                                "write `key: value` lines between the `---` lines", "error"))
        return RawSource(source, text, body=body, body_line=body_line, has_front_matter=True, yaml_failed=True)
    meta = {str(k): v for k, v in loaded.data.items()}
    key_lines = {k: v + 1 for k, v in loaded.key_lines.items()}
    return RawSource(source, text, meta, key_lines, body, body_line, has_front_matter=True)
