"""shardupdate.patch_index: the files it patches equal, byte for byte, the files a clean build of
the edited entries writes; and an edit's index stage reads only the edited entries' analyses."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any, Sequence

import pytest

import sitegen.cache
import sitegen.fastindex
import sitegen.indexedit
from sitegen.build import build
from sitegen.cache import StoredAnalyses, load_state, state_folder
from sitegen.indexedit import analysis_key
from sitegen.keys import settings_key
from sitegen.search import SearchEntry, analyse
from sitegen.shards import MANIFEST, build_files, parse_script
from sitegen.shardupdate import ENTRIES_KEY, EntryEdit, content_digest, dump_record, load_record, patch_index, record_row
from tests.helpers import make_config, write_docs

# Words drawn with very unequal weights: some end up in most bodies (their body postings are
# dropped under the idf floor, some wholly: "gone"), some in over 35% of titles (common terms),
# some in one entry only. Non-ASCII ones land in shards named by their code units.
WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "kappa", "lambda", "omega", "pool", "timeout", "error",
         "connect", "refused", "import", "module", "cache", "stale", "token", "expired", "deploy", "café", "東京",
         "naïve", "über", "zulu", "quokka", "yak", "xenon", "jolt", "vortex"]
WEIGHTS = [60, 40, 30, 20, 15, 10, 8, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(low, high)))


def make_entry(rng: random.Random, ref: int, url: str | None = None) -> SearchEntry:
    return SearchEntry(ref=ref, url=url or f"docs/d{ref}.html", title=words(rng, 1, 4), component=(words(rng, 1, 1),),
                       problem_type=("runtime",), severity="high", symptoms=(words(rng, 0, 5),), tags=(words(rng, 0, 2),),
                       root_cause=(), headings=(words(rng, 0, 3),), body=words(rng, 0, 40))


def index_of(entries: Sequence[SearchEntry], prefix: int = 1) -> dict[str, str]:
    return build_files(entries, [analyse(e) for e in entries], prefix=prefix)


def previous_of(entries: Sequence[SearchEntry], files: dict[str, str]) -> dict[str, str]:
    """A last build's fingerprint rows, as indexedit records them."""
    rows = [record_row(e, analysis_key(e)) for e in entries]
    return {**{url: content_digest(text) for url, text in files.items()}, ENTRIES_KEY: dump_record(rows)}


def patched(old: Sequence[SearchEntry], new: Sequence[SearchEntry], prefix: int = 1) -> tuple[Any, dict[str, str], dict[str, str]]:
    """(the patch, the files it leaves: kept + written, the files of a clean build of `new`)."""
    files = index_of(old, prefix)
    previous = previous_of(old, files)
    analyses = {analysis_key(e): analyse(e) for e in old}
    edits = [EntryEdit(b.ref, b, analyse(b), analysis_key(b)) for a, b in zip(old, new) if a != b]
    patch = patch_index(edits, previous, analyses, files.get)
    if patch is None:
        return None, {}, index_of(new, prefix)
    after = {url: files[url] for url in patch.kept}
    after.update(patch.files)
    return patch, after, index_of(new, prefix)


def assert_patch_equals_clean(old: Sequence[SearchEntry], new: Sequence[SearchEntry], prefix: int = 1) -> Any:
    patch, after, clean = patched(old, new, prefix)
    assert patch is not None, "the patch declined"
    assert sorted(after) == sorted(clean)
    for url in clean:
        assert after[url] == clean[url], url
    # Its fingerprints are the new files' digests and the record a clean build would keep.
    assert {url: content_digest(text) for url, text in patch.files.items()} == {u: d for u, d in patch.fingerprints.items() if u != ENTRIES_KEY}
    assert load_record(patch.fingerprints[ENTRIES_KEY]) == [record_row(e, analysis_key(e)) for e in new]
    return patch


def corpus(seed: int, count: int = 120) -> list[SearchEntry]:
    rng = random.Random(seed)
    return [make_entry(rng, ref) for ref in range(count)]


def edited(entries: Sequence[SearchEntry], ref: int, **fields: Any) -> list[SearchEntry]:
    out = list(entries)
    values = {k: getattr(out[ref], k) for k in SearchEntry.__dataclass_fields__}
    values.update(fields)
    out[ref] = SearchEntry(**values)
    return out


def test_random_edits_patch_to_a_clean_builds_bytes() -> None:
    declined = 0
    for seed in range(40):
        rng = random.Random(seed)
        old = corpus(seed)
        new = list(old)
        for ref in rng.sample(range(len(old)), rng.randint(1, 3)):
            new[ref] = make_entry(rng, ref, old[ref].url)
        patch, after, clean = patched(old, new)
        if patch is None:
            declined += 1  # a dropped term's body postings had to come back
            continue
        assert after == clean, seed
    assert declined <= 8, f"{declined} of 40 edits fell back to a full build"


def test_a_body_sentence_added_rewrites_its_terms_shards_only() -> None:
    old = corpus(1)
    new = edited(old, 7, body=old[7].body + " quokka timeout")
    patch = assert_patch_equals_clean(old, new)
    shards = sorted(url for url in patch.files if url.startswith("search/t-"))
    assert shards == ["search/t-q.js", "search/t-t.js"], shards
    assert MANIFEST in patch.files  # the body's length is in it


def test_an_unchanged_term_count_leaves_its_shard_alone() -> None:
    old = corpus(2)
    ref = next(n for n, e in enumerate(old) if len(set(e.body.split())) >= 5)
    new = edited(old, ref, body=" ".join(reversed(old[ref].body.split())))  # the same terms, as often: no row changes
    assert analysis_key(new[ref]) != analysis_key(old[ref])
    patch = assert_patch_equals_clean(old, new)
    assert not [url for url in patch.files if url.startswith("search/t-")]


def test_a_new_term_makes_a_new_shard_and_a_last_one_empties_it() -> None:
    old = corpus(3)
    assert not any("wyvern" in e.body for e in old)
    new = edited(old, 10, body=old[10].body + " wyvern")
    patch = assert_patch_equals_clean(old, new)
    assert "search/t-w.js" in patch.files and "search/t-w.js" not in index_of(old)
    # and away again: the shard is no longer a file, nor in the manifest
    patch = assert_patch_equals_clean(new, old)
    assert "search/t-w.js" not in patch.files and "search/t-w.js" not in patch.kept
    assert "w" not in parse_script(patch.files[MANIFEST])[1]["shards"]


def test_a_term_appears_and_disappears_in_a_shard_that_stays() -> None:
    old = corpus(4)
    new = edited(old, 20, title=old[20].title + " zygote")  # the z shard holds "zulu" already
    assert "search/t-z.js" in index_of(old)
    assert_patch_equals_clean(old, new)
    assert_patch_equals_clean(new, old)


def test_common_terms_join_and_leave_the_manifest() -> None:
    rng = random.Random(5)
    count = 120
    # "kestrel" in 42 titles: 35% of 120 is 42, so one more title makes it common.
    old = [dataclasses.replace(make_entry(rng, ref), title=("kestrel " if ref < 42 else "") + "report")
           for ref in range(count)]
    assert "kestrel" not in parse_script(index_of(old)[MANIFEST])[1]["common"]
    new = edited(old, 100, title="kestrel report")
    patch = assert_patch_equals_clean(old, new)
    assert parse_script(patch.files[MANIFEST])[1]["common"]["kestrel"] == 43
    patch = assert_patch_equals_clean(new, old)
    assert "kestrel" not in parse_script(patch.files[MANIFEST])[1]["common"]


def test_dropped_and_gone_body_terms_stay_as_a_clean_build_has_them() -> None:
    rng = random.Random(6)
    # "heron" in 80 of 120 bodies: idf under 1, every body posting dropped ("gone" when nowhere else).
    old = [dataclasses.replace(make_entry(rng, ref), body=("heron " if ref < 80 else "") + words(rng, 0, 10))
           for ref in range(120)]
    shard = parse_script(index_of(old)["search/t-h.js"])[1]
    assert "heron" in shard["gone"] and "heron" in shard["dropped"]
    assert_patch_equals_clean(old, edited(old, 100, body="heron heron"))  # one more
    assert_patch_equals_clean(old, edited(old, 5, body="nothing"))  # one fewer, still under the floor
    assert_patch_equals_clean(old, edited(old, 5, title="heron"))  # a title posting: kept, the body's still dropped


def test_a_dropped_term_whose_postings_must_come_back_declines() -> None:
    rng = random.Random(7)
    old = [dataclasses.replace(make_entry(rng, ref), body=("heron " if ref < 45 else "") + "plain") for ref in range(120)]
    assert "heron" in parse_script(index_of(old)["search/t-h.js"])[1]["dropped"]
    new = old
    for ref in range(10):  # ten fewer: idf rises over the floor, and no file holds the other 35 postings
        new = edited(new, ref, body="plain")
    patch, _, _ = patched(old, new)
    assert patch is None


def test_a_title_and_url_change_rewrites_the_store_chunk() -> None:
    old = corpus(8)
    new = edited(old, 70, title="Quokka timeout refused", url="docs/moved.html")
    patch = assert_patch_equals_clean(old, new)
    assert "search/d-2.js" in patch.files  # entries 64..95
    new = edited(old, 70, severity="low")  # the store only: no term changes
    patch = assert_patch_equals_clean(old, new)
    assert sorted(patch.files) == [MANIFEST, "search/d-2.js"]


def test_one_shard_for_a_small_site_and_a_non_ascii_term() -> None:
    old = corpus(9, count=60)
    new = edited(old, 30, body=old[30].body + " 東京 café ünïcode")
    assert_patch_equals_clean(old, new, prefix=0)
    assert_patch_equals_clean(old, new, prefix=2)


def test_an_altered_file_or_a_missing_analysis_declines() -> None:
    old = corpus(10)
    new = edited(old, 4, body=old[4].body + " quokka")
    files = index_of(old)
    previous = previous_of(old, files)
    analyses = {analysis_key(e): analyse(e) for e in old}
    edits = [EntryEdit(4, new[4], analyse(new[4]), analysis_key(new[4]))]
    assert patch_index(edits, previous, analyses, files.get) is not None
    altered = {**files, "search/t-q.js": files["search/t-q.js"].replace("quokka", "quokkb")}
    assert patch_index(edits, previous, analyses, altered.get) is None
    assert patch_index(edits, previous, {}, files.get) is None
    assert patch_index(edits, {k: v for k, v in previous.items() if k != ENTRIES_KEY}, analyses, files.get) is None


def test_a_record_of_another_form_or_with_a_url_twice_is_not_used() -> None:
    rows = [record_row(e, analysis_key(e)) for e in corpus(11, count=3)]
    assert load_record(dump_record(rows)) == rows
    assert load_record(dump_record([*rows, rows[0]])) is None  # a url twice: it no longer names one entry
    assert load_record(dump_record([[*row, "extra"] for row in rows])) is None
    assert load_record("[1, 2") is None and load_record(None) is None


# ---- the index stage of a real build ----

def doc(n: int, extra: str = "") -> str:
    return (f"---\ntitle: Pool timeout number {n}\ndate: 2025-05-01\ncomponent: database\nproblem_type: runtime\n"
            f"severity: high\ntags: [pool]\nsymptoms: ['TimeoutError {n} in the pool']\n---\n"
            f"## Problem\nConnections of worker {n} ran out. {extra}\n\n## Solution\nRaise the pool size {n}.\n")


def index_files(site: Path) -> dict[str, bytes]:
    files = {MANIFEST: (site / MANIFEST).read_bytes()}
    files.update((p.relative_to(site).as_posix(), p.read_bytes()) for p in sorted((site / "search").glob("*")))
    return files


def test_an_edit_reads_only_the_edited_entries_analyses_and_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    content = write_docs(tmp_path / "docs", {f"d{n}.md": doc(n) for n in range(40)})
    config = make_config(content, tmp_path / "site")
    build(config)
    asked: list[str] = []
    real_get = StoredAnalyses.__getitem__

    def getitem(self: StoredAnalyses, key: str) -> Any:
        asked.append(key)
        return real_get(self, key)

    made: list[int] = []
    real_entry = sitegen.indexedit.search_entry

    def search_entry(ref: int, entry: Any, body: Any) -> Any:
        made.append(ref)
        return real_entry(ref, entry, body)

    real_row = sitegen.fastindex._Rows.__getitem__

    def row(self: Any, key: str) -> Any:
        asked.append(key)
        return real_row(self, key)

    monkeypatch.setattr(StoredAnalyses, "__getitem__", getitem)
    monkeypatch.setattr(sitegen.fastindex._Rows, "__getitem__", row)  # an edit's fast path reads the state's rows itself
    monkeypatch.setattr(sitegen.indexedit, "search_entry", search_entry)
    state = load_state(state_folder(config), settings_key(config))
    assert state is not None and isinstance(state.extra["search"], StoredAnalyses)
    rows = load_record(state.pages[ENTRIES_KEY])
    assert rows is not None
    refs = [ref for ref, row in enumerate(rows) if row[0] == "docs/d7.html" or row[0].startswith("docs/d7.html#")]
    assert refs
    write_docs(content, {"d7.md": doc(7, "A sentence more.")})
    build(config)
    assert made == refs and asked == [rows[ref][1] for ref in refs]
    clean = make_config(content, tmp_path / "clean")
    build(clean)
    assert index_files(config.output_dir) == index_files(clean.output_dir)


@pytest.mark.parametrize("change", ["add", "remove", "retitle"])
def test_documents_added_removed_or_retitled_equal_a_clean_build(tmp_path: Path, change: str) -> None:
    content = write_docs(tmp_path / "docs", {f"d{n}.md": doc(n) for n in range(30)})
    config = make_config(content, tmp_path / "site")
    build(config)
    if change == "add":
        write_docs(content, {"d15b.md": doc(99)})  # between others: later refs move
    elif change == "remove":
        (content / "d3.md").unlink()
    else:
        write_docs(content, {"d12.md": doc(12).replace("Pool timeout number 12", "Pool exhausted")})
    build(config)
    clean = make_config(content, tmp_path / "clean")
    build(clean)
    assert index_files(config.output_dir) == index_files(clean.output_dir)


def test_a_damaged_analysis_row_is_analysed_again_and_written_anew(tmp_path: Path) -> None:
    import sqlite3

    content = write_docs(tmp_path / "docs", {f"d{n}.md": doc(n) for n in range(12)})
    config = make_config(content, tmp_path / "site")
    build(config)
    db = state_folder(config) / sitegen.cache.STATE_DB
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE analyses SET data = '[1, 2'")
    state = load_state(state_folder(config), settings_key(config))
    assert state is not None
    stored = state.extra["search"]
    key = next(iter(stored))
    assert stored.get(key) is None and key not in stored  # damaged: absent from then on
    write_docs(content, {"d2.md": doc(2, "More.")})
    build(config)
    clean = make_config(content, tmp_path / "clean")
    build(clean)
    assert index_files(config.output_dir) == index_files(clean.output_dir)
    state = load_state(state_folder(config), settings_key(config))
    assert state is not None and all(state.extra["search"].get(k) is not None for k in list(state.extra["search"]))


def test_warm_edits_in_one_process_keep_one_level_of_analyses(tmp_path: Path) -> None:
    """As `sitegen serve` builds: each build gets the state the last one saved (kept in memory)."""
    content = write_docs(tmp_path / "docs", {f"d{n}.md": doc(n) for n in range(20)})
    config = make_config(content, tmp_path / "site")
    result = build(config)
    for n in range(3):
        # A new severity changes listings, so the full path (not fastedit's) runs and keeps the state.
        edited = doc(n + 4, f"Edit {n} said more about quokkas.").replace("severity: high", "severity: low")
        write_docs(content, {f"d{n + 4}.md": edited})
        result = build(config, kept=result.kept)
        analyses = result.kept.state.extra["search"]  # type: ignore[union-attr]
        assert isinstance(analyses, sitegen.indexedit.AnalysisView)
        assert not isinstance(analyses.base, sitegen.indexedit.AnalysisView)
        assert len(analyses.fresh) == n + 1  # each edited entry's new analysis, until the state is loaded afresh
        clean = make_config(content, tmp_path / f"clean-{n}")
        build(clean)
        assert index_files(config.output_dir) == index_files(clean.output_dir)
