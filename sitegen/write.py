"""Stage: write the output folder atomically, never outside it, never deleting what sitegen did not write."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

MANIFEST = ".sitegen-manifest.json"


class OutputError(Exception):
    """The output folder cannot be used safely; the message says why and what to do."""


@dataclass(frozen=True)
class WriteReport:
    written: int  # files whose bytes changed
    unchanged: int
    removed: int


def check_output_dir(output_dir: Path, content_dir: Path) -> None:
    """Refuse output folders that would lose a user's files or overwrite the sources."""
    out, content = output_dir.resolve(), content_dir.resolve()
    if out == content or out in content.parents:
        raise OutputError(f"output folder {out} contains the content folder {content}; choose another output folder (-o)")
    if out == Path(out.anchor) or out == Path.home():
        raise OutputError(f"refusing to write a site into {out}; choose an empty folder (-o)")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a folder")
    if out.is_dir() and not (out / MANIFEST).exists() and any(out.iterdir()):
        raise OutputError(
            f"output folder {out} is not empty and was not written by sitegen; "
            "sitegen never deletes files it did not write: empty it yourself or choose another folder (-o)"
        )


def safe_join(root: Path, rel: str) -> Path:
    """`root / rel`, refusing any path that would land outside `root`."""
    if rel.startswith(("/", "\\")) or "\\" in rel or any(part in ("..", "") for part in rel.split("/")):
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    path = root / rel
    if root.resolve() not in path.resolve().parents:
        raise OutputError(f"refusing to write outside the output folder: {rel!r}")
    return path


def atomic_write(path: Path, data: bytes) -> bool:
    """Write bytes via a temporary file and `os.replace`; return False when the file already held them."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True


def read_manifest(output_dir: Path) -> set[str]:
    try:
        data = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
        return {str(p) for p in data.get("files", [])}
    except (OSError, ValueError, AttributeError):
        return set()


def write_output(output_dir: Path, files: Mapping[str, bytes], keep: Iterable[str] = ()) -> WriteReport:
    """Write every file, then remove files sitegen wrote last time that are no longer produced."""
    output_dir.mkdir(parents=True, exist_ok=True)
    previous = read_manifest(output_dir)
    written = unchanged = 0
    for rel in sorted(files):
        if atomic_write(safe_join(output_dir, rel), files[rel]):
            written += 1
        else:
            unchanged += 1
    current = set(files) | set(keep)
    removed = 0
    for rel in sorted(previous - current):
        try:
            target = safe_join(output_dir, rel)
        except OutputError:
            continue
        if target.is_file():
            target.unlink()
            removed += 1
            _prune_empty(target.parent, output_dir)
    manifest = json.dumps({"generator": "sitegen", "files": sorted(current)}, indent=0).encode("utf-8")
    atomic_write(output_dir / MANIFEST, manifest)
    return WriteReport(written, unchanged, removed)


def _prune_empty(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
