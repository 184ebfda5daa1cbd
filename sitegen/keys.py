"""What decides whether a cached result still applies: content hashes, and the key of the code and
settings a build state was made under.

Kept apart from the state itself (cache.py), which needs the renderer and the search stage to
rebuild what it holds: the up-to-date check of a build that has nothing to do imports none of them.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Iterable

import sitegen
from sitegen.config import SiteConfig

STATE_FORMAT = 5  # 5: each document page's context and the site's facts for an edit's fast path (fastedit.py). 4: bodies, HTML and text in columns of their own, fetched on demand (lazy.py)
# Another parser, plugin, highlighter or sanitiser version renders afresh. Read from the installed
# packages' metadata, not by importing them (a tenth of a second a no-change build need not spend).
RENDERER_PACKAGES = ("markdown-it-py", "mdit-py-plugins", "pygments", "nh3")


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
    return digest(repr((STATE_FORMAT, sitegen.__version__, sys.version, code_key(), *parts)).encode("utf-8"))


def settings_key(config: SiteConfig) -> str:
    """Everything that changes what reading and rendering make of the same bytes."""
    return state_key(config.content_dir, dict(config.vocabularies), config.kinds, config.raw_html,
                     config.max_file_bytes, config.taxonomies, renderer_versions())


def renderer_versions() -> str:
    installed = _dist_info_versions()
    found = []
    for name in RENDERER_PACKAGES:
        version = installed.get(_normal(name))
        if version is None:  # not installed as a wheel (an egg, a source tree): ask the slower way
            from importlib import metadata

            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "?"
        found.append(f"{name} {version}")
    return "; ".join(found)


def _normal(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _dist_info_versions() -> dict[str, str]:
    """Normalised name -> version of each package installed as a wheel, read from the names of the
    `NAME-VERSION.dist-info` folders on sys.path, first one winning, as importlib.metadata finds
    them; without importing importlib.metadata (and email, which it imports)."""
    versions: dict[str, str] = {}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            stem = entry[: -len(".dist-info")]
            if entry.endswith(".dist-info") and stem.count("-") == 1:
                name, version = stem.split("-")
                versions.setdefault(_normal(name), version)
    return versions
