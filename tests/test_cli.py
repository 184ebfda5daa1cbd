"""The command line as a user meets it: help that teaches, exit codes, progress and problems."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.cli import main
from tests.helpers import ROOT, write_docs


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_help_explains_each_command(command: str) -> None:
    result = run(command, "--help")
    assert result.returncode == 0
    assert "--strict" in result.stdout and "DIR" in result.stdout


def test_top_level_help_has_examples() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert "sitegen build docs/solutions -o site" in result.stdout


def test_build_prints_progress_and_where_to_open(tmp_path: Path) -> None:
    write_docs(tmp_path / "kb", {"a.md": "# A\n"})
    result = run("build", "kb", "-o", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "read 1 document and 0 assets" in result.stderr
    assert f"open {(tmp_path / 'out' / 'index.html').as_uri()}" in result.stderr


def test_check_writes_nothing_and_strict_fails_on_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = write_docs(tmp_path / "kb", {"a.md": "---\ntitle: [unclosed\n---\n# A\n"})
    assert main(["check", str(kb)]) == 0
    out = capsys.readouterr().out
    assert "a.md:2:" in out and "invalid YAML" in out
    assert main(["check", str(kb), "--strict"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb"]


def test_github_annotations(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    kb = write_docs(tmp_path / "kb", {"a.md": "---\ntitle: [unclosed\n---\n# A\n"})
    monkeypatch.chdir(tmp_path)  # not in a repository: paths relative to the working folder
    main(["check", str(kb), "--format", "github"])
    line = capsys.readouterr().out.strip().splitlines()[0]
    assert line.startswith("::error file=kb/a.md,line=2,")


def test_bad_config_exits_2_and_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yml").write_text("titel: x\n")
    write_docs(tmp_path / "docs", {"a.md": "# A\n"})
    result = run("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "sitegen.yml:1: error: unknown key `titel`" in result.stderr and "did you mean `title`?" in result.stderr


def test_missing_content_folder_is_explained(tmp_path: Path) -> None:
    result = run("build", "nope", cwd=tmp_path)
    assert result.returncode == 2 and "content folder does not exist" in result.stderr


def test_refusing_a_foreign_output_folder_exits_2(tmp_path: Path) -> None:
    write_docs(tmp_path / "kb", {"a.md": "# A\n"})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "thesis.tex").write_text("years of work")
    result = run("build", "kb", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2 and "never deletes files it did not write" in result.stderr
    assert (tmp_path / "out" / "thesis.tex").read_text() == "years of work"


def test_project_config_builds_sample_content(tmp_path: Path) -> None:
    result = run("build", "-o", str(tmp_path / "site"), "-q", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
