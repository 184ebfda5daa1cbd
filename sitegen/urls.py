"""Slugs and URLs, computed in one place. Every URL in the output is relative and names a file."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import unicodedata
from typing import Callable

_UNSAFE = re.compile(r"[^\w]+", re.UNICODE)
_MAX_SLUG = 80
# Names Windows refuses as files; a knowledge base may be opened there too.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def slugify(value: object, fallback: str = "untitled") -> str:
    """A file-name-safe, case-folded slug: `Import-Error` and `import_error` share one."""
    return _slugify(str(value), fallback)


@functools.lru_cache(maxsize=65536)  # the same tags and components are slugged on every page
def _slugify(value: str, fallback: str) -> str:
    # Upper-casing first folds letters that casefold() keeps apart but Windows' case-insensitive
    # names join (`ı` and `i`); NFKC again as folding can leave text unnormalised. ASCII is unchanged.
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).upper().casefold())
    slug = _UNSAFE.sub("-", text).replace("_", "-").strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug.encode("utf-8")) > _MAX_SLUG:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
        slug = slug.encode("utf-8")[: _MAX_SLUG - 9].decode("utf-8", "ignore").rstrip("-") + "-" + digest
    if not slug:
        slug = fallback if not text.strip() else f"{fallback}-{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"
    if slug in _RESERVED:
        slug = f"{slug}-"
    return slug


def doc_url(rel_source: str) -> str:
    """The page of a source file: `db/Pool Timeout.md` -> `docs/db/pool-timeout.html`."""
    parts = [p for p in rel_source.split("/") if p not in ("", ".", "..")]
    stem = parts[-1][:-3] if parts and parts[-1].lower().endswith(".md") else (parts[-1] if parts else "")
    segments = [slugify(p) for p in parts[:-1]] + [slugify(stem, "index-page")]
    return "docs/" + "/".join(segments) + ".html"


def asset_url(rel_source: str) -> str:
    """Where a non-Markdown file from the content folder (an image) is copied."""
    parts = [p for p in rel_source.split("/") if p not in ("", ".", "..")]
    name = parts[-1] if parts else "file"
    stem, dot, ext = name.rpartition(".")
    safe_name = slugify(stem or name) + (("." + slugify(ext)) if dot and stem else "")
    return "docs/" + "/".join([*(slugify(p) for p in parts[:-1]), safe_name])


def group_url(taxonomy: str, value: str | None = None) -> str:
    """A taxonomy's index page, or the page of one of its values."""
    base = slugify(taxonomy)
    return f"{base}/index.html" if value is None else f"{base}/{slugify(value)}.html"


def errors_url(component: str | None = None) -> str:
    return "errors.html" if component is None else f"errors/{slugify(component)}.html"


@functools.lru_cache(maxsize=65536)  # pages link to the same few hundred targets over and over
def relative_url(from_page: str, to: str) -> str:
    """The link from one output page to another path in the output; both are root-relative."""
    target, hash_mark, fragment = to.partition("#")
    rel = _relative_path(target or from_page, from_page)
    return rel + (hash_mark + fragment if hash_mark else "")


def page_linker(page_url: str) -> Callable[[str], str]:
    """`relative_url` from one page, as the templates' `link()`: a plain function of the target.

    Jinja copies its context for every call of a context-reading function inside a loop; bound to
    the page instead, `link()` costs a call.
    """
    def link(target: str) -> str:
        return relative_url(page_url, target)

    return link


def _relative_path(target: str, from_page: str) -> str:
    # posixpath.relpath would do, but it asks the OS for the working directory on every call,
    # and a site of 1,000 pages makes some 40,000 of these.
    here = from_page.split("/")[:-1]
    there = target.split("/")
    if "" in there or "." in there or ".." in there or here[:len(there)] == there:
        return posixpath.relpath(target, posixpath.dirname(from_page) or ".")  # the rare odd shapes
    common = 0
    while common < len(here) and common < len(there) - 1 and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


def root_of(page: str) -> str:
    """The relative path from a page to the site root, always ending in `/`."""
    depth = page.count("/")
    return "../" * depth if depth else "./"
