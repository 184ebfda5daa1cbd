"""`sitegen check` as a pull-request lint: typos fail --strict, annotations attach to the right
file, and nothing a document says can reach a terminal or an Actions log raw."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.diagnostics import Problem, safe_text
from tests.helpers import write_docs

TYPOS = """\
---
severity: hgih
component: databse
problem_type: runtime_eror
---
# Pool exhausted
"""


def test_typo_values_are_warnings_that_fail_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb = write_docs(tmp_path / "kb", {"a.md": TYPOS})
    assert main(["check", str(kb), "--strict"]) == 1
    out = capsys.readouterr().out
    for line, meant in ((2, "high"), (3, "database"), (4, "runtime_error")):
        assert re.search(rf"a\.md:{line}: warning: .*did you mean `{meant}`", out), out


def test_a_teams_own_words_stay_notes(tmp_path: Path) -> None:
    kb = write_docs(tmp_path / "kb", {"a.md": "---\ncomponent: billing_engine\nseverity: blocking-ish\n---\n# A\n"})
    assert main(["check", str(kb), "--strict"]) == 0


def test_annotations_name_files_from_the_repository_root(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_docs(repo / "handbook" / "kb", {"db/a.md": TYPOS})
    monkeypatch.chdir(repo / "handbook")  # run from a subfolder, as `working-directory:` would
    main(["check", "kb", "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.startswith("::warning file=handbook/kb/db/a.md,line=") for line in lines), lines


def test_config_problems_are_annotated_on_the_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    write_docs(repo / "docs", {"a.md": "# A\n"})
    (repo / "sitegen.yml").write_text("titel: x\n")
    monkeypatch.chdir(repo)
    assert main(["check", "--format", "github"]) == 2
    assert "::error file=sitegen.yml,line=1," in capsys.readouterr().err


HOSTILE = (
    "---\n"
    'date: "2024-99-99\\u001b[2J\\u001b[31m\\n::warning file=README.md,line=1::pwned\\r\\n::add-mask::x"\n'
    "---\n"
    "# Hostile\n\n"
    "[a link](<missing\u001b[31mred\u202e.md>)\n"
)


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_hostile_message_is_neutralised(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                          fmt: str) -> None:
    write_docs(tmp_path / "kb", {"a.md": HOSTILE})
    monkeypatch.chdir(tmp_path)
    main(["check", "kb", "--format", fmt, "--show-info"])
    captured = capsys.readouterr()
    out = captured.out
    assert "date" in out and "missing" in out, out  # both problems are reported...
    for stream in (captured.out, captured.err):
        assert "\x1b" not in stream and "\r" not in stream and "\u202e" not in stream  # ...with nothing raw
        for line in stream.splitlines():
            assert not re.match(r"\s*::(add-mask|warning file=README)", line), line
    if fmt == "github":
        assert all(re.match(r"::(error|warning|notice) file=kb/a\.md,", line) for line in out.splitlines()), out
    assert "\\x1b[31m" in out, "shown escaped, so the reader still sees what the document holds"


def test_safe_text_escapes_what_terminals_act_on() -> None:
    assert safe_text("a\nb\tc\x1b[0m\x9b\u2028\u202e\udce9") == "a\\nb\\tc\\x1b[0m\\x9b\\u2028\\u202e\\udce9"
    assert safe_text("plain: `code` – ünïcode ✓") == "plain: `code` – ünïcode ✓"
    line = Problem("::warning file=x::y.md", 1, None, "kind", "message").format_text()
    assert not line.startswith("::") and "::warning" in line


def test_annotation_is_not_in_a_repository_when_none_is_above(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert not any((parent / ".git").exists() for parent in (tmp_path, *tmp_path.parents))
    write_docs(tmp_path / "kb", {"a.md": TYPOS})
    monkeypatch.chdir(tmp_path)
    main(["check", os.fspath(tmp_path / "kb"), "--format", "github"])
    assert capsys.readouterr().out.startswith("::warning file=kb/a.md,")
