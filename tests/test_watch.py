"""The watcher: which changes count, and how a burst of them becomes one batch (real file events)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import pytest

from sitegen.watch import ChangeRecorder, Watcher, WatchSpec, is_ignored, plan_watches

OUT = Path("/kb/site")
ROOT = Path("/kb/docs")
# Debounce windows far above what the writes below take, even on a loaded 2-core machine: a
# burst is one batch only if the writer never stalls for a whole window.
QUIET = 0.5
WAIT = 15.0  # the longest a test waits for a batch that must come; only a failure waits this long


@pytest.mark.parametrize("path", [
    "/kb/site/index.html", "/kb/site", "/kb/site/docs/a.html",   # the output folder
    "/kb/docs/.git/index", "/kb/docs/.hidden.md", "/kb/docs/drafts/.cache/x.md",  # hidden
    "/kb/docs/a.md.swp", "/kb/docs/.a.md.swx", "/kb/docs/a.md.swo", "/kb/docs/4913",  # Vim
    "/kb/docs/a.md~", "/kb/docs/.#a.md", "/kb/docs/#a.md#",  # Emacs and backups
    "/kb/docs/a.md.tmp", "/kb/docs/a.md___jb_tmp___", "/kb/docs/a.md___jb_old___",  # temp, JetBrains
    "/kb/docs/__pycache__/x.pyc",
])
def test_ignored(path: str) -> None:
    assert is_ignored(Path(path), OUT, ROOT)


@pytest.mark.parametrize("path", ["/kb/docs/a.md", "/kb/docs/db/pool timeout.md", "/kb/docs/img/x.png",
                                  "/kb/docs/site-notes.md", "/kb/docs/4913.md", "/kb/docs/tmp/a.md"])
def test_not_ignored(path: str) -> None:
    assert not is_ignored(Path(path), OUT, ROOT)


def test_hidden_folders_above_the_watched_root_do_not_count() -> None:
    root = Path("/home/me/.projects/kb")
    assert not is_ignored(root / "a.md", None, root)
    assert is_ignored(root / ".a.md", None, root)


def test_spec_keeps_the_config_file_but_not_its_neighbours(tmp_path: Path) -> None:
    config = tmp_path / "sitegen.yml"
    spec = WatchSpec((tmp_path / "docs",), (config,), tmp_path / "docs" / "_out")
    assert spec.wants(config)
    assert spec.wants(tmp_path / "docs" / "a.md")
    assert not spec.wants(tmp_path / "README.md")
    assert not spec.wants(tmp_path / "docs" / "_out" / "index.html")


def test_a_burst_becomes_one_batch() -> None:
    recorder = ChangeRecorder(WatchSpec((ROOT,), (), OUT))
    stop = threading.Event()

    def burst() -> None:
        for i in range(20):
            recorder.record(ROOT / f"doc{i}.md")
            stop.wait(0.005)

    writer = threading.Thread(target=burst)
    writer.start()
    batch = recorder.next_batch(quiet=1.0, max_wait=30, stop=stop, timeout=WAIT)
    writer.join()
    assert batch == sorted(ROOT / f"doc{i}.md" for i in range(20))
    assert recorder.next_batch(quiet=0.05, max_wait=30, stop=stop, timeout=0.2) is None


def test_stop_wakes_a_waiting_loop() -> None:
    recorder = ChangeRecorder(WatchSpec((ROOT,), (), OUT))
    stop = threading.Event()
    threading.Timer(0.1, lambda: (stop.set(), recorder.wake())).start()
    assert recorder.next_batch(quiet=0.05, max_wait=1, stop=stop) is None


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[Watcher]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (tmp_path / "site").mkdir()
    (docs / "a.md").write_text("# A\n", encoding="utf-8")
    w = Watcher(WatchSpec((docs,), (tmp_path / "sitegen.yml",), tmp_path / "site"), quiet=QUIET).start()
    yield w
    w.stop()


def test_real_burst_of_20_writes_is_one_batch(watcher: Watcher, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    for i in range(20):
        (docs / "a.md").write_text(f"# A {i}\n", encoding="utf-8")
    assert watcher.next_batch(timeout=WAIT) == [docs / "a.md"]
    assert watcher.next_batch(timeout=QUIET * 2) is None


def test_editor_save_and_output_writes_are_not_changes(watcher: Watcher, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    # Vim-style save: probe file, swap file, backup, then the real write.
    (docs / "4913").write_text("", encoding="utf-8")
    (docs / "4913").unlink()
    (docs / ".a.md.swp").write_bytes(b"swap")
    (docs / "a.md~").write_text("# A\n", encoding="utf-8")
    (docs / "a.md.tmp").write_text("# A new\n", encoding="utf-8")
    (docs / "a.md.tmp").replace(docs / "a.md")  # save-by-rename: the temp name is ignored, the target counts
    (tmp_path / "site" / "index.html").write_text("<p>built</p>", encoding="utf-8")
    (tmp_path / "README.md").write_text("not watched", encoding="utf-8")
    assert changes(watcher, {docs / "a.md"}) == {docs / "a.md"}


def test_reading_is_not_a_change(watcher: Watcher, tmp_path: Path) -> None:
    # The build reads every document; if reads counted, each build would start the next.
    (tmp_path / "docs" / "a.md").read_text(encoding="utf-8")
    assert watcher.next_batch(timeout=QUIET * 2) is None


def changes(watcher: Watcher, expected: set[Path]) -> set[Path]:
    """The union of batches until `expected` is all there (or WAIT passes with no batch).

    What a step changed, however a loaded machine splits it into batches: the tests below are about
    which paths count, the burst tests above about batching.
    """
    seen: set[Path] = set()
    while not expected <= seen:
        batch = watcher.next_batch(timeout=WAIT)
        if batch is None:
            break
        seen.update(batch)
    return seen


def test_add_rename_delete_and_config(watcher: Watcher, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir()
    (docs / "sub" / "b.md").write_text("# B\n", encoding="utf-8")
    assert changes(watcher, {docs / "sub", docs / "sub" / "b.md"}) == {docs / "sub", docs / "sub" / "b.md"}
    (docs / "sub" / "b.md").rename(docs / "c.md")
    assert changes(watcher, {docs / "c.md", docs / "sub" / "b.md"}) == {docs / "c.md", docs / "sub" / "b.md"}
    (docs / "c.md").unlink()
    (tmp_path / "sitegen.yml").write_text("title: KB\n", encoding="utf-8")
    assert changes(watcher, {docs / "c.md", tmp_path / "sitegen.yml"}) == {docs / "c.md", tmp_path / "sitegen.yml"}


def test_the_output_and_hidden_folders_are_not_handed_to_watchdog(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    for folder in ("db", "guides/deep", "guides/_site/assets", ".git/objects", "guides/.cache"):
        (docs / folder).mkdir(parents=True)
    spec = WatchSpec((docs,), (tmp_path / "sitegen.yml",), docs / "guides" / "_site")
    assert plan_watches(spec) == {docs: False, docs / "db": True, docs / "guides": False,
                                  docs / "guides" / "deep": True, tmp_path: False}


def test_a_new_folder_next_to_the_output_is_watched(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "_site").mkdir(parents=True)
    watcher = Watcher(WatchSpec((docs,), (), docs / "_site"), quiet=QUIET).start()
    try:
        (docs / "new").mkdir()
        (docs / "new" / "x.md").write_text("# X\n", encoding="utf-8")
        # The folder is watched only once the loop sees it; what was written before is found by listing it.
        assert changes(watcher, {docs / "new", docs / "new" / "x.md"}) == {docs / "new", docs / "new" / "x.md"}
        (docs / "new" / "x.md").write_text("# X again\n", encoding="utf-8")
        assert changes(watcher, {docs / "new" / "x.md"}) == {docs / "new" / "x.md"}
        (docs / "_site" / "index.html").write_text("built", encoding="utf-8")
        assert watcher.next_batch(timeout=QUIET * 2) is None
    finally:
        watcher.stop()
