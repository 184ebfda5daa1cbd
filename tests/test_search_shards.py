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


def manifest_keys(site: Path) -> list[str]:
    from sitegen.shards import parse_script

    return list(parse_script((site / "search-index.js").read_text(encoding="utf-8"))[1]["shards"])


def group_sizes(site: Path, prefix: int) -> dict[str, int]:
    """Bytes of each group's rows (shards.split_payload's measure), its split shards added up."""
    from sitegen.shards import parse_script, row_size, utf16_key

    sizes: dict[str, int] = {}
    for path in (site / "search").glob("t-*.js"):
        payload = parse_script(path.read_text(encoding="utf-8"))[1]
        rows = [*payload["terms"], *([term, count, {}] for term, count in payload["gone"].items())]
        for row in rows:
            group = utf16_key(row[0], prefix)
            sizes[group] = sizes.get(group, 0) + row_size(row)
    return sizes


def test_edits_that_split_and_join_a_shard_keep_the_layout_of_a_clean_build(tmp_path: Path, spy: list[Any],
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A shard over the size limit is split (shards.split_payload): an edit that takes its group over
    the limit splits it, undoing the edit joins it again, and adding or removing a document rebuilds
    the index whole; after each, every index file is the one a clean build writes."""
    import sitegen.shards

    docs = write_generated(tmp_path / "docs", 230, seed=5)
    build(make_config(tmp_path / "docs", tmp_path / "probe"))
    sizes = group_sizes(tmp_path / "probe", 1)
    # A group of letters near the middle in size, the limit just over it: twelve new words take it over.
    group = sorted((size, key) for key, size in sizes.items() if key.isalpha())[len(sizes) // 2][1]
    monkeypatch.setattr(sitegen.shards, "SPLIT_PREFIX", 1)  # (230 entries: one letter a key, unsplit by default)
    monkeypatch.setattr(sitegen.shards, "SHARD_LIMIT", sizes[group] + 150)
    out = tmp_path / "site"
    build(make_config(tmp_path / "docs", out))
    assert [key for key in manifest_keys(out) if key.startswith(group)] == [group]
    assert any(len(key) > 1 for key in manifest_keys(out))  # groups over the limit are split already
    path = tmp_path / "docs" / docs[7].rel
    original = path.read_text(encoding="utf-8")
    words = " ".join(f"{group}qzx{letter}" for letter in "abcdefghijkl")
    steps = [("split", original + f"\nThe {words} flags were all wrong.\n"), ("joined", original),
             ("split again", original.replace("\n\n", f"\n\nAlso {words}.\n\n", 1))]
    for n, (what, text) in enumerate(steps):
        path.write_text(text, encoding="utf-8")
        build(make_config(tmp_path / "docs", out))
        assert spy[-1] is not None, f"{what}: the edit rebuilt the whole index"
        ours = [key for key in manifest_keys(out) if key.startswith(group)]
        assert (len(ours) > 1) == what.startswith("split"), (what, ours)
        clean = tmp_path / f"clean-{n}"
        build(make_config(tmp_path / "docs", clean))
        assert index_files(out) == index_files(clean), what
    (tmp_path / "docs" / "added.md").write_text(text.replace(docs[7].rel, "added"), encoding="utf-8")
    (tmp_path / "docs" / docs[11].rel).unlink()
    build(make_config(tmp_path / "docs", out))
    assert spy[-1] is None  # refs moved: every file built
    build(make_config(tmp_path / "docs", tmp_path / "clean-last"))
    assert index_files(out) == index_files(tmp_path / "clean-last")


def test_an_index_split_under_another_limit_is_built_again_whole(tmp_path: Path, spy: list[Any],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A site built by a sitegen that split shards at another size (or not at all): an edit cannot
    patch it, since the shards it leaves alone would keep the old layout; every file is built."""
    import sitegen.shards

    docs = write_generated(tmp_path / "docs", 230, seed=5)
    out = tmp_path / "site"
    monkeypatch.setattr(sitegen.shards, "SPLIT_PREFIX", 1)
    monkeypatch.setattr(sitegen.shards, "SHARD_LIMIT", 10**9)  # as before shards were split
    build(make_config(tmp_path / "docs", out))
    monkeypatch.setattr(sitegen.shards, "SHARD_LIMIT", 4000)
    edit_document(tmp_path / "docs" / docs[5].rel, 1)
    build(make_config(tmp_path / "docs", out))
    assert spy and all(patch is None for patch in spy)  # (an edit's fast path asks first, then the full path)
    build(make_config(tmp_path / "docs", tmp_path / "clean"))
    assert index_files(out) == index_files(tmp_path / "clean")
    assert any(len(key) > 1 for key in manifest_keys(out))
