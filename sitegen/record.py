"""The writer's record of which files of the output sitegen wrote, and the checks made from it
before a build may write an output folder.

Split from write.py, which writes the files. The record lives outside the output (in the build's
state folder), so the published folder holds the site and nothing else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from sitegen.files import atomic_write
from sitegen.folders import INNER_LOCK, OutputError, state_folder_for

RECORD = "manifest.json"  # in the state folder: which files of the output sitegen wrote
LEGACY_MANIFEST = ".sitegen-manifest.json"  # where sitegen kept that record inside the site before
LEGACY_CACHE = ".sitegen-cache"


def default_record(output_dir: Path) -> Path:
    return state_folder_for(output_dir, None) / RECORD


def check_output_dir(output_dir: Path, content_dir: Path, record: Path | None = None) -> None:
    """Refuse output folders that would lose a user's files, overwrite the sources, or hold the cache."""
    out, content = output_dir.resolve(), content_dir.resolve()
    record = record or default_record(out)
    if out == content or out in content.parents:
        raise OutputError(f"output folder {out} contains the content folder {content}; choose another output folder (-o)")
    if out == Path(out.anchor) or out == Path.home():
        raise OutputError(f"refusing to write a site into {out}; choose an empty folder (-o)")
    if out.exists() and not out.is_dir():
        raise OutputError(f"output path {out} exists and is not a folder")
    state = record.parent.resolve()
    # Inside the content folder it would be read as content, unless hidden (discovery skips those).
    visible_in_content = content in state.parents and not any(
        part.startswith(".") for part in state.relative_to(content).parts)
    if out == state or out in state.parents or visible_in_content:
        raise OutputError(f"the cache folder {state.parent} is inside the {'output' if out in state.parents else 'content'} "
                          "folder; set `cache_dir` in sitegen.yml to a folder outside both")
    if out.is_dir() and previous_files(out, record) is None and any(out.iterdir()):
        raise OutputError(
            f"output folder {out} is not empty and was not written by sitegen (or its record in {record.parent} "
            "is gone); sitegen never deletes files it did not write: empty it yourself or choose another folder (-o)"
        )


def identity(folder: Path) -> list[int]:
    info = folder.stat()
    return [info.st_dev, info.st_ino]


def previous_files(out: Path, record: Path) -> set[str] | None:
    """The files of `out` sitegen wrote, from its record; None when there is no record for this very folder.

    The record lives outside the output, so it names the folder it describes (path, device and
    inode): a folder a user put in the place of a deleted site is not mistaken for sitegen's.
    """
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        files = data["files"]
        if (data.get("output") == str(out) and isinstance(files, list)
                and (not out.is_dir() or identity(out) in data["folders"])):
            return {str(p) for p in files}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return _legacy_files(out)


def _legacy_files(out: Path) -> set[str] | None:
    """A site written by an older sitegen holds its manifest and cache: its files, and those, are ours."""
    try:
        data = json.loads((out / LEGACY_MANIFEST).read_text(encoding="utf-8"))
        files = {str(p) for p in data["files"]}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    cache = out / LEGACY_CACHE
    own = {p.relative_to(out).as_posix() for p in cache.rglob("*") if p.is_file()} if cache.is_dir() else set()
    return files | own | {LEGACY_MANIFEST, INNER_LOCK}


def save_record(record: Path, out: Path, files: Iterable[str], folders: list[list[int]], complete: bool) -> None:
    data = {"generator": "sitegen", "output": str(out), "folders": folders, "complete": complete, "files": sorted(files)}
    atomic_write(record, json.dumps(data, indent=0).encode("utf-8"))


def record_complete(record: Path) -> bool:
    try:
        return json.loads(record.read_text(encoding="utf-8")).get("complete") is True
    except (OSError, ValueError, AttributeError):
        return False
