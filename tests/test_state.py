"""The build state and the record of written files: outside the site, loaded without running code,
ignored when damaged, and guarded by a lock held for the whole build (issues 15 and 16)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.cache import STATE_CODEC, STATE_DB, load_state, settings_key, state_folder
from sitegen.cli import main
from sitegen.folders import OutputLock, state_folder_for
from sitegen.write import OutputError, default_record
from tests.helpers import ROOT, make_config, site_files, write_docs

DOCS = {
    "a.md": "---\ncomponent: database\ntags: [postgres]\n---\n# Pool ran dry\n\n## Solution\nRaise the pool size.\n",
    "b.md": "# Second\n\nSee [the first](a.md).\n",
}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_published_folder_holds_the_site_and_nothing_else(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    (tmp_path / "sitegen.yml").write_text("content_dir: docs\noutput_dir: site\n")
    for _ in range(2):  # the first build, and one that stops at "nothing changed"
        run = cli("build", "-q", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
    out = tmp_path / "site"
    names = [p.relative_to(out).as_posix() for p in out.rglob("*")]
    assert not [n for n in names if ".sitegen" in n or n.endswith((".pickle", ".sqlite", "manifest.json"))], names
    folder = tmp_path / ".sitegen-cache"  # beside the config file, as the README says
    assert [p.name for p in folder.iterdir()] == [state_folder_for(out, folder.resolve()).name]
    assert {p.name for p in (folder / state_folder_for(out, folder.resolve()).name).iterdir()} == {
        "manifest.json", "stamp.json", STATE_DB}
    assert content.is_dir()


def test_cache_dir_setting_moves_the_state(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs", DOCS)
    (tmp_path / "sitegen.yml").write_text("content_dir: docs\noutput_dir: site\ncache_dir: ../elsewhere/cache\n")
    assert cli("build", "-q", cwd=tmp_path).returncode == 0
    assert not (tmp_path / ".sitegen-cache").exists()
    assert (tmp_path.parent / "elsewhere" / "cache").is_dir()
    assert list((tmp_path.parent / "elsewhere" / "cache").glob(f"site-*/{STATE_DB}"))


def test_a_cache_folder_inside_the_output_is_refused(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    with pytest.raises(OutputError, match="cache folder .* is inside the output folder"):
        build(make_config(content, tmp_path / "site", cache_dir=tmp_path / "site" / "cache"))


def test_a_visible_cache_folder_inside_the_content_is_refused(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    with pytest.raises(OutputError, match="cache folder .* is inside the content folder"):
        build(make_config(content, tmp_path / "site", cache_dir=content / "cache"))  # its files would be published
    build(make_config(content, tmp_path / "site", cache_dir=content / ".cache"))  # hidden: never read as content


PLANTED = f"""\
import os, pickle
class Evil:
    def __reduce__(self):
        return (os.system, ("touch {{marker}}",))
open({{path!r}}, "wb").write(pickle.dumps(Evil()))
"""


@pytest.mark.parametrize("where", ["state", "stamp", "legacy"])
def test_a_planted_pickle_runs_no_code(tmp_path: Path, where: str) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    out = tmp_path / "site"
    assert main(["build", str(content), "-o", str(out), "-q"]) == 0
    folder = state_folder_for(out, None)
    target = {"state": folder / STATE_DB, "stamp": folder / "stamp.json",
              "legacy": out / ".sitegen-cache" / "state.pickle"}[where]
    target.parent.mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "ran"
    subprocess.run([sys.executable, "-c", PLANTED.format(marker=marker, path=str(target))], check=True)
    write_docs(content, {"c.md": "# Third\n"})
    assert main(["build", str(content), "-o", str(out), "-q"]) in (0, 2)
    assert not marker.exists(), "loading the build state ran code"


def damage_truncate(db: Path) -> None:
    db.write_bytes(db.read_bytes()[:300])


def damage_row(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE docs SET data = '{\"c\": \"Popen\", \"v\": [\"rm -rf /\"]}'")


def damage_json(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE docs SET data = '[1, 2'")


# (A damaged `analyses` row is decoded only when asked for, and then reads as absent: see
# tests/test_search_patch.py::test_a_damaged_analysis_row_is_analysed_again_and_written_anew.)
def damage_tables(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE pages")


@pytest.mark.parametrize("damage", [damage_truncate, damage_row, damage_json, damage_tables])
def test_a_state_that_does_not_parse_is_treated_as_absent(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    content = write_docs(tmp_path / "docs", DOCS)
    config = make_config(content, tmp_path / "site")
    build(config)
    db = state_folder(config) / STATE_DB
    assert load_state(state_folder(config), settings_key(config)) is not None
    damage(db)
    assert load_state(state_folder(config), settings_key(config)) is None
    write_docs(content, {"b.md": DOCS["b.md"] + "\nMore.\n"})
    again = build(config)
    assert again.site.counts["reread"] == 2  # nothing reused from the damaged state
    clean = make_config(content, tmp_path / "clean")
    build(clean)
    assert site_files(config.output_dir) == site_files(clean.output_dir)
    assert build(config).site.counts["reread"] == 0  # and the state is whole again


def test_the_codec_refuses_classes_outside_its_list() -> None:
    for text in ['{"c": "BuildState", "v": []}', '{"c": "CachedDoc", "v": [1]}', '{"q": 1}', '{"d": 5}']:
        with pytest.raises(ValueError):
            STATE_CODEC.loads(text)
    with pytest.raises(TypeError):
        STATE_CODEC.dumps(object())


def test_an_unchanged_rebuild_rewrites_no_state_row(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    config = make_config(content, tmp_path / "site")
    build(config)
    db = state_folder(config) / STATE_DB
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS log (t TEXT)")
        conn.execute("CREATE TRIGGER IF NOT EXISTS w AFTER INSERT ON docs BEGIN INSERT INTO log VALUES ('doc'); END")
    write_docs(content, {"b.md": DOCS["b.md"] + "\nMore.\n"})
    build(config)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM log").fetchone()[0] == 1  # only the edited document's row


def test_a_folder_put_where_a_site_was_is_not_taken_for_sitegens(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    out = tmp_path / "site"
    config = make_config(content, out)
    build(config)
    record = json.loads(default_record(out).read_text())
    assert "docs/a.html" in record["files"]
    os.rename(out, tmp_path / "old-site")  # the user moves the site away, and makes a folder of their own
    out.mkdir()
    (out / "docs").mkdir()
    (out / "docs" / "a.html").write_text("the user's own page")
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not empty and was not written by sitegen"):
        build(config)
    assert (out / "docs" / "a.html").read_text() == "the user's own page"


def test_a_site_of_an_older_sitegen_is_taken_over_and_cleaned(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    out = tmp_path / "site"
    write_docs(out, {"index.html": "old", "docs/gone.html": "old page", ".sitegen-cache/state.pickle": b"x",
                     ".sitegen-cache/stamp.pickle": b"x", "CNAME": "kb.example.com"})
    (out / ".sitegen-manifest.json").write_text(json.dumps({"files": ["index.html", "docs/gone.html", ".sitegen-cache/state.pickle"]}))
    build(make_config(content, out))
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert "CNAME" in names and "docs/gone.html" not in names
    assert not [n for n in names if ".sitegen" in n], names


def test_the_lock_is_held_while_the_inputs_are_read(tmp_path: Path) -> None:
    """Item 2: a second build is refused from the first one's first step, not only while it writes."""
    content = write_docs(tmp_path / "docs", DOCS)
    out = tmp_path / "site"
    config = make_config(content, out)
    probe = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from sitegen.folders import OutputLock, OutputError
        try:
            with OutputLock(Path({str(out.resolve())!r})):
                print("free")
        except OutputError as exc:
            print("held:", exc)
    """)
    seen: list[str] = []

    def progress(message: str) -> None:
        if message.startswith("read "):
            run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT)
            seen.append(run.stdout.strip())

    build(config, progress)
    assert len(seen) == 1 and seen[0].startswith("held:"), seen
    assert f"(pid {os.getpid()}" in seen[0]


def test_the_lock_file_never_follows_a_symlink(tmp_path: Path) -> None:
    """Item 5: in a shared folder, a planted link must not make sitegen truncate its target."""
    content = write_docs(tmp_path / "docs", DOCS)
    victim = tmp_path / "victim.txt"
    victim.write_text("IMPORTANT DATA")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / ".out.sitegen-lock").symlink_to(victim)
    run = cli("build", str(content), "-o", str(shared / "out"), "-q", cwd=tmp_path)  # (a timeout, not a hang, if broken)
    assert run.returncode == 2 and "is a symbolic link" in run.stderr, run.stderr
    assert victim.read_text() == "IMPORTANT DATA"
    os.link(victim, shared / ".hard.sitegen-lock")  # a hard link is refused too
    run = cli("build", str(content), "-o", str(shared / "hard"), "-q", cwd=tmp_path)
    assert run.returncode == 2 and "not a plain file" in run.stderr, run.stderr
    assert victim.read_text() == "IMPORTANT DATA"


def test_the_lock_of_an_output_in_a_read_only_folder_is_the_folder_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "mnt"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path else real_access(p, mode))
    with OutputLock(out):
        assert not (tmp_path / ".mnt.sitegen-lock").exists()
        with pytest.raises(OutputError, match="another sitegen build or server is using"):
            with OutputLock(out):
                pass
    with OutputLock(out):
        pass
