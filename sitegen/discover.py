"""Stage: find the Markdown documents and the files they show (images) below the content folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sitegen.diagnostics import Problem
from sitegen.document import SourceFile

MARKDOWN_SUFFIXES = (".md", ".markdown")
ASSET_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".pdf")


@dataclass(frozen=True)
class Discovered:
    documents: tuple[SourceFile, ...]
    assets: tuple[SourceFile, ...]
    problems: tuple[Problem, ...]


def discover(content_dir: Path, output_dir: Path | None = None) -> Discovered:
    """Every document and asset below `content_dir`, sorted; hidden folders and the output are skipped.

    Symbolic links are followed only while they stay inside the content folder, and each real
    folder is visited once, so a link cannot leak files from elsewhere or loop forever.
    """
    root = content_dir.resolve()
    skip = output_dir.resolve() if output_dir else None
    documents: list[SourceFile] = []
    assets: list[SourceFile] = []
    problems: list[Problem] = []
    seen_dirs: set[Path] = set()

    def unreadable(error: OSError) -> None:
        where = Path(error.filename or root)
        rel = where.relative_to(root).as_posix() if _inside(where, root) else str(where)
        problems.append(Problem(rel, None, None, "unreadable", f"cannot read folder: {error.strerror or error}; skipped",
                                "check its permissions"))

    for current, dirnames, filenames in os.walk(root, followlinks=True, onerror=unreadable):
        here = Path(current)
        real = here.resolve()
        rel_dir = here.relative_to(root).as_posix()
        if skip is not None and (real == skip or _inside(real, skip)):
            dirnames[:] = []
            continue
        if not _inside(real, root) or real in seen_dirs:
            message = ("folder link leaves the content folder; skipped" if not _inside(real, root)
                       else f"folder link loops back to `{real.relative_to(root).as_posix() or '.'}`, already read; skipped")
            problems.append(Problem(rel_dir, None, None, "symlink", message, "replace the link with the files themselves"))
            dirnames[:] = []
            continue
        seen_dirs.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_site", "__pycache__", "node_modules")))
        for name in [d for d in dirnames if not _is_utf8(d)]:
            dirnames.remove(name)
            problems.append(_bad_name(f"{rel_dir}/{name}" if rel_dir != "." else name, "folder"))
        # The folder's entries know (from the listing itself, on most file systems) whether each is
        # a link or a file: two system calls fewer per document, ten thousand times at 10k.
        try:
            entries = {entry.name: entry for entry in os.scandir(current)}
        except OSError:
            entries = {}
        for name in sorted(filenames):
            if name.startswith((".", "~")) or name.endswith(("~", ".swp", ".tmp")):
                continue
            path = here / name
            rel = f"{rel_dir}/{name}" if rel_dir != "." else name
            lower = name.lower()
            if not lower.endswith(MARKDOWN_SUFFIXES + ASSET_SUFFIXES):
                continue
            if not _is_utf8(name):
                problems.append(_bad_name(rel, "file"))
                continue
            entry = entries.get(name)
            if entry is None or entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):  # dangling, or links in a circle (RuntimeError before Python 3.13)
                    problems.append(Problem(rel, None, None, "symlink", "file link points to nothing, or to itself through other links; skipped",
                                            "replace the link with the file, or delete it"))
                    continue
                if not _inside(target, root):
                    problems.append(Problem(rel, None, None, "symlink", "file link points outside the content folder; skipped",
                                            "copy the file into the content folder"))
                    continue
            if not (entry.is_file() if entry is not None else path.is_file()):
                continue
            source = SourceFile(path, rel)
            (documents if lower.endswith(MARKDOWN_SUFFIXES) else assets).append(source)
    return Discovered(tuple(documents), tuple(assets), tuple(problems))


def _is_utf8(name: str) -> bool:
    """False for a name whose bytes are not UTF-8 (Python holds those as lone surrogates)."""
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def _bad_name(rel: str, what: str) -> Problem:
    # No page address, link or log line can carry bytes that are not UTF-8: skip it, and name it
    # with those bytes escaped (caf\xe9.md), so printing the problem cannot fail either.
    shown = os.fsencode(rel).decode("utf-8", "backslashreplace")
    return Problem(shown, None, None, "file-name", f"{what} name is not valid UTF-8; skipped",
                   "rename it (e.g. `convmv -f latin1 -t utf8`), then build again", "error")


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents
