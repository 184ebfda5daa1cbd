"""Stage: find the Markdown documents and the files they show (images) below the content folder."""

from __future__ import annotations

import os
import operator
from dataclasses import dataclass
from pathlib import Path

from sitegen.diagnostics import Problem
from sitegen.document import SourceFile

_name = operator.attrgetter("name")
MARKDOWN_SUFFIXES = (".md", ".markdown")
ASSET_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".pdf")


@dataclass(frozen=True)
class Discovered:
    documents: tuple[SourceFile, ...]
    assets: tuple[SourceFile, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class Walked:
    """What discovery found, as plain strings: enough to stat and compare every input (stamp.py)
    without making a Path per file, which a build that has nothing to do need not pay for."""

    root: str  # the resolved content folder
    documents: tuple[str, ...]  # rel of each document, in discovery order
    assets: tuple[str, ...]
    problems: tuple[Problem, ...]

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if self.root != "/" else f"/{rel}"

    def discovered(self) -> Discovered:
        return Discovered(tuple(SourceFile(Path(self.path(r)), r) for r in self.documents),
                          tuple(SourceFile(Path(self.path(r)), r) for r in self.assets), self.problems)


def discover(content_dir: Path, output_dir: Path | None = None) -> Discovered:
    """Every document and asset below `content_dir`, sorted; hidden folders and the output are skipped."""
    return walk(content_dir, output_dir).discovered()


def walk(content_dir: Path, output_dir: Path | None = None) -> Walked:
    """Every document and asset below `content_dir` (see `discover`), as relative paths.

    Symbolic links are followed only while they stay inside the content folder, and each real
    folder is visited once, so a link cannot leak files from elsewhere or loop forever. One
    listing per folder: its entries know (on most file systems, from the listing itself) whether
    each is a folder, a file or a link, which saves two system calls per document.
    """
    root = content_dir.resolve()
    skip = output_dir.resolve() if output_dir else None
    documents: list[str] = []
    assets: list[str] = []
    problems: list[Problem] = []
    seen_dirs: set[Path] = set()

    def unreadable(error: OSError) -> None:
        where = Path(error.filename or root)
        rel = where.relative_to(root).as_posix() if _inside(where, root) else str(where)
        problems.append(Problem(rel, None, None, "unreadable", f"cannot read folder: {error.strerror or error}; skipped",
                                "check its permissions"))

    def visit(current: str, rel_dir: str) -> None:
        real = Path(current).resolve()
        if skip is not None and (real == skip or _inside(real, skip)):
            return
        if not _inside(real, root) or real in seen_dirs:
            message = ("folder link leaves the content folder; skipped" if not _inside(real, root)
                       else f"folder link loops back to `{real.relative_to(root).as_posix() or '.'}`, already read; skipped")
            problems.append(Problem(rel_dir or ".", None, None, "symlink", message, "replace the link with the files themselves"))
            return
        seen_dirs.add(real)
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=_name)
        except OSError as error:
            unreadable(error)
            return
        folders: list[str] = []
        # Names that are not UTF-8 are rare: one check for the whole folder, not one per file.
        all_utf8 = _is_utf8("".join([entry.name for entry in entries]))
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if name.startswith((".", "_site", "__pycache__", "node_modules")):
                    continue
                if not all_utf8 and not _is_utf8(name):
                    problems.append(_bad_name(f"{rel_dir}/{name}" if rel_dir else name, "folder"))
                    continue
                folders.append(name)
                continue
            if name.startswith((".", "~")) or name.endswith(("~", ".swp", ".tmp")):
                continue
            lower = name.lower()
            if not lower.endswith(MARKDOWN_SUFFIXES + ASSET_SUFFIXES):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if not all_utf8 and not _is_utf8(name):
                problems.append(_bad_name(rel, "file"))
                continue
            if entry.is_symlink():
                try:
                    target = Path(entry.path).resolve(strict=True)
                except (OSError, RuntimeError):  # dangling, or links in a circle (RuntimeError before Python 3.13)
                    problems.append(Problem(rel, None, None, "symlink", "file link points to nothing, or to itself through other links; skipped",
                                            "replace the link with the file, or delete it"))
                    continue
                if not _inside(target, root):
                    problems.append(Problem(rel, None, None, "symlink", "file link points outside the content folder; skipped",
                                            "copy the file into the content folder"))
                    continue
            try:
                is_file = entry.is_file()
            except OSError:
                is_file = False
            if is_file:
                (documents if lower.endswith(MARKDOWN_SUFFIXES) else assets).append(rel)
        for name in folders:
            visit(f"{current}/{name}" if current != "/" else f"/{name}", f"{rel_dir}/{name}" if rel_dir else name)

    visit(str(root), "")
    return Walked(str(root), tuple(documents), tuple(assets), tuple(problems))


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
