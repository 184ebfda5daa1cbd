"""What the last build knew, kept in the output folder, so the next build redoes only what changed.

Staleness is decided by content hashes (of sources, templates, config and sitegen's own code), never
by modification times: a `git checkout` that restores an old file with a new mtime costs nothing,
and an edit that keeps the mtime is still seen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import sitegen
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import Document
from sitegen.render import RENDERER, RenderedDoc

CACHE_DIR = ".sitegen-cache"
STATE_FILE = f"{CACHE_DIR}/state.pickle"
_FORMAT = 1


@dataclass(frozen=True)
class CachedDoc:
    """One source file as read, normalised and rendered by an earlier build."""

    source_hash: str
    document: Document
    problems: tuple[Problem, ...]
    page_url: str = ""
    rendered: RenderedDoc | None = None


@dataclass(frozen=True)
class BuildState:
    key: str  # sitegen's code and the settings that shape reading and rendering
    docs: Mapping[str, CachedDoc] = field(default_factory=dict)  # source rel -> what was made of it
    pages: Mapping[str, str] = field(default_factory=dict)  # output path -> fingerprint of its inputs
    extra: Mapping[str, Any] = field(default_factory=dict)  # other stages' caches, e.g. search analysis


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def files_digest(paths: Iterable[Path], root: Path | None = None) -> str:
    """One hash over the names and bytes of some files."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(paths):
        name = path.relative_to(root).as_posix() if root else path.name
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            h.update(path.read_bytes())
        except OSError:
            h.update(b"<unreadable>")
        h.update(b"\0")
    return h.hexdigest()


def code_key() -> str:
    """sitegen's own modules: upgrading or editing sitegen invalidates every cached result."""
    package = Path(sitegen.__file__).resolve().parent
    return files_digest(package.glob("*.py"), package)


def state_key(*parts: object) -> str:
    # Python's version too: its Unicode tables decide what the tokenizer and slugs make of text.
    return digest(repr((_FORMAT, sitegen.__version__, sys.version, code_key(), *parts)).encode("utf-8"))


def settings_key(config: SiteConfig) -> str:
    """Everything that changes what reading and rendering make of the same bytes."""
    return state_key(config.content_dir, dict(config.vocabularies), config.kinds, config.raw_html,
                     config.max_file_bytes, config.taxonomies, RENDERER)


def load_state(output_dir: Path, key: str) -> BuildState | None:
    """The last build's state, or None when there is none or it was made under other code or settings."""
    try:
        with open(output_dir / STATE_FILE, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(state, BuildState) or state.key != key:
        return None
    return state


def dump_state(state: BuildState) -> bytes:
    return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


_LISTED_FIELDS = tuple(f.name for f in dataclasses.fields(Document) if f.name != "body")


class Fingerprinter:
    """Stable digests of page inputs, hashed as a tree: each object is digested once per build.

    A document counts by its fields less its Markdown body: a page shows the body only as rendered
    HTML, which is an input of its own, so editing one document's text changes that document's page
    and not the hundreds of lists and related-document boxes that name it.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Any, str]] = {}

    def __call__(self, *values: Any) -> str:
        return self._digest(values)

    def _digest(self, value: Any) -> str:
        if value is None or isinstance(value, (str, int, float, bool, dt.date, Path)):
            return repr(value) if not isinstance(value, str) or len(value) < 64 else digest(value.encode("utf-8", "surrogateescape"))
        key = id(value)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        if isinstance(value, Document):
            # One repr for the whole document, as a thousand documents of some twenty fields each made
            # this the hot spot. (Not pickle: its bytes depend on which equal strings share an object.)
            text = repr(tuple(getattr(value, name) for name in _LISTED_FIELDS))
            result = digest(text.encode("utf-8", "surrogateescape"))
        elif isinstance(value, RenderedDoc):
            result = digest(value.html.encode("utf-8", "surrogateescape"))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            parts = [type(value).__name__, *(self._digest(getattr(value, f.name)) for f in dataclasses.fields(value))]
            result = digest("|".join(parts).encode("utf-8", "surrogateescape"))
        elif isinstance(value, Mapping):
            parts = sorted(f"{self._digest(k)}={self._digest(v)}" for k, v in value.items())
            result = digest(("map|" + "|".join(parts)).encode("utf-8", "surrogateescape"))
        elif isinstance(value, (list, tuple, set, frozenset)):
            parts = [self._digest(v) for v in value]
            if isinstance(value, (set, frozenset)):
                parts.sort()
            result = digest(("seq|" + "|".join(parts)).encode("utf-8", "surrogateescape"))
        else:
            result = digest(f"{type(value).__name__}:{value!r}".encode("utf-8", "surrogateescape"))
        self._memo[key] = (value, result)  # keeping the value alive stops its id being reused this build
        return result
