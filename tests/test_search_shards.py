"""The sharded search index after an edit: only the touched shards rewritten, bytes equal to a clean build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import sitegen.indexedit
from bench.generate import edit_document
from bench.generate import write_docs as write_generated
from sitegen.build import build
from sitegen.shards import prefix_length
from tests.helpers import make_config


def index_files(site: Path) -> dict[str, bytes]:
    files = {"search-index.js": (site / "search-index.js").read_bytes()}
    files.update((p.relative_to(site).as_posix(), p.read_bytes()) for p in sorted((site / "search").glob("*")))
    return files


@pytest.fixture()
def spy(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What each build's patch_index returned (None: it declined, and every file was built)."""
    seen: list[Any] = []
    real = sitegen.indexedit.patch_index

    def patch_index(*args: Any, **kwargs: Any) -> Any:
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(sitegen.indexedit, "patch_index", patch_index)  # the full path and an edit's fast path (fastindex) both call it
    return seen


def test_an_edit_rewrites_only_its_shards_and_equals_a_clean_build(tmp_path: Path, spy: list[Any]) -> None:
    docs = write_generated(tmp_path / "docs", 230, seed=5)
    out = tmp_path / "site"
    build(make_config(tmp_path / "docs", out))
    assert prefix_length(230) == 1 and spy == []  # a first build has nothing to update
    shards = [name for name in index_files(out) if name.startswith("search/t-")]
    for n in range(3):
        edit_document(tmp_path / "docs" / docs[(n * 37 + 5) % len(docs)].rel, n)
        build(make_config(tmp_path / "docs", out))
        assert spy[-1] is not None, "the edit rebuilt the whole index"
        written, kept = spy[-1].files, spy[-1].kept
        touched = [name for name in written if name.startswith("search/t-")]
        # One shard per first letter at this size: a document's words reach most letters, not all.
        assert 0 < len(touched) < len(shards)
        # (edit_document changes the body past the snippet: the store entry may stay as it was)
        assert "search-index.js" in written and len([name for name in written if name.startswith("search/d-")]) <= 1
        assert len([name for name in kept if name.startswith("search/d-")]) >= 230 // 32
        clean = tmp_path / f"clean-{n}"
        build(make_config(tmp_path / "docs", clean))
        assert index_files(out) == index_files(clean)


def test_a_document_added_or_removed_rebuilds_the_index_whole(tmp_path: Path, spy: list[Any]) -> None:
    docs = write_generated(tmp_path / "docs", 30, seed=6)
    out = tmp_path / "site"
    build(make_config(tmp_path / "docs", out))
    (tmp_path / "docs" / docs[3].rel).unlink()  # every later ref moves down by one
    build(make_config(tmp_path / "docs", out))
    assert spy == []  # refs moved: no patch is tried, every file is built
    clean = tmp_path / "clean"
    build(make_config(tmp_path / "docs", clean))
    assert index_files(out) == index_files(clean)
