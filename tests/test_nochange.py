"""A build with nothing to do: cheap to decide, and still reporting what the last build found."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from sitegen import keys, stamp
from sitegen.diagnostics import Problem
from sitegen.discover import discover, walk
from sitegen.folders import state_folder_for
from tests.helpers import write_docs

DOCS = {
    "a.md": "---\ntitle: Alpha\ncomponent: api\nseverity: huge\n---\n# Alpha\n\n## Solution\n\nFix it.\n",
    "b/b.md": "# Beta\n\n## Solution\n\nFix Beta.\n",
}

# What a build that finds nothing changed must not import: the pipeline (Markdown, Jinja, search,
# the state database) and the slow standard modules its settings key once needed.
NOT_IMPORTED = ("markdown_it", "jinja2", "pygments", "sitegen.search", "sitegen.build", "sqlite3", "yaml",
                "importlib.metadata", "importlib.resources", "sitegen.jsoncodec")

_PROBE = """
import sys
from sitegen.cli import main
code = main(["build", sys.argv[1], "-o", sys.argv[2], "-q", "--show-info"])
print("MODULES " + " ".join(sorted(sys.modules)))
raise SystemExit(code)
"""


def _build(content: Path, out: Path) -> subprocess.CompletedProcess[str]:
    # Run beside the content: no sitegen.yml there, so no YAML to read (a config file needs it).
    return subprocess.run([sys.executable, "-c", _PROBE, str(content), str(out)], capture_output=True, text=True,
                          check=True, cwd=content.parent)


def test_a_build_with_nothing_to_do_imports_none_of_the_pipeline_and_still_reports_the_problems(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    out = tmp_path / "site"
    first = _build(content, out)
    again = _build(content, out)
    assert "nothing changed" not in first.stderr
    assert "nothing changed" in again.stderr or "0 written" in again.stderr
    modules = set(again.stdout.split("MODULES ")[1].split())
    assert sorted(m for m in NOT_IMPORTED if m in modules) == []
    # The problems the last build found are reported again, in the same words.
    problem_lines = [line for line in first.stderr.splitlines() if "a.md" in line]
    assert problem_lines and problem_lines == [line for line in again.stderr.splitlines() if "a.md" in line]


def test_the_stamp_is_plain_json_and_gives_back_every_problem_as_it_was(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    config_out = tmp_path / "site"
    from tests.helpers import make_config

    config = make_config(content, config_out)
    inputs = stamp.snapshot(config)
    problems = (Problem("caf\udce9.md", None, None, "file-name", "name is not UTF-8", "rename it", "error"),
                Problem("a.md", 3, 7, "unknown-value", "severity `huge`", "", "info"))
    folder = tmp_path / "state"
    folder.mkdir()
    stamp.save(folder, config_out, "key", inputs, [], problems, 2)
    data = json.loads((folder / stamp.STAMP_FILE).read_bytes())
    assert data["format"] == 5 and isinstance(data["problems"], list)
    loaded = stamp.load(folder)
    assert loaded is not None and loaded.problems == problems and loaded.pages == 2
    assert loaded.inputs == inputs.files and dict(loaded.seen) == dict(inputs.seen)


def test_a_damaged_stamp_row_means_no_stamp_not_a_crash(tmp_path: Path) -> None:
    folder = tmp_path
    good = {"format": 5, "key": "k", "pages": 1, "taken_ns": 1, "inputs": {"content:a.md": ["0" * 32, 1, 2, 3, 4]},
            "outputs": {"index.html": [1, 2, 3]}, "problems": [["a.md", 1, None, "k", "m", "", "info"]]}
    (folder / stamp.STAMP_FILE).write_text(json.dumps(good))
    assert stamp.load(folder) is not None
    for damage in ({"problems": [["a.md", "one", None, "k", "m", "", "info"]]}, {"problems": [["a.md"]]},
                   {"inputs": {"content:a.md": 7}}, {"outputs": []}, {"taken_ns": "soon"}, {"format": 4}):
        (folder / stamp.STAMP_FILE).write_text(json.dumps({**good, **damage}))
        assert stamp.load(folder) is None, damage


def test_walk_finds_what_discover_finds_in_the_same_order(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", {"z.md": "# Z\n", "a/b.md": "# B\n", "a/a.md": "# A\n", "b.md": "# b\n",
                                             ".hidden/x.md": "# X\n", "a/c/d.md": "# D\n", "a/img.png": "png"})
    walked = walk(content)
    found = discover(content)
    # Each folder's files, sorted, before its sub-folders, sorted; hidden folders skipped.
    assert walked.documents == ("b.md", "z.md", "a/a.md", "a/b.md", "a/c/d.md")
    assert [s.rel for s in found.documents] == list(walked.documents)
    assert [s.path for s in found.documents] == [content.resolve() / rel for rel in walked.documents]
    assert walked.assets == ("a/img.png",)


def test_renderer_versions_are_those_importlib_metadata_reports() -> None:
    expected = "; ".join(f"{name} {metadata.version(name)}" for name in keys.RENDERER_PACKAGES)
    assert keys.renderer_versions() == expected


def test_another_renderer_version_changes_the_settings_key(monkeypatch, tmp_path: Path) -> None:
    from tests.helpers import make_config

    config = make_config(write_docs(tmp_path / "docs", DOCS), tmp_path / "site")
    before = keys.settings_key(config)
    real = keys._dist_info_versions
    monkeypatch.setattr(keys, "_dist_info_versions", lambda: {**real(), "pygments": "0.0.1"})
    assert keys.settings_key(config) != before


def test_the_stamp_is_in_the_state_folder(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", DOCS)
    _build(content, tmp_path / "site")
    assert (state_folder_for(tmp_path / "site", None) / stamp.STAMP_FILE).is_file()
