"""Starting a knowledge base as a new team would: `sitegen init`, `sitegen new`, `--version`,
and being told which config applies."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import yaml

from sitegen.build import gather
from sitegen.scaffold import install_source, requirement_from
from tests.helpers import ROOT, make_config, write_docs

TRACEBACK = """\
Traceback (most recent call last):
  File "app/cli.py", line 3, in <module>
    from app.db import engine
  File "app/db.py", line 1, in <module>
    import psycopg2
ModuleNotFoundError: No module named 'psycopg2'
"""


def sitegen(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sitegen", *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_init_then_build_then_strict_check(tmp_path: Path) -> None:
    started = sitegen("init", "kb", "--title", "Team KB", cwd=tmp_path)
    assert started.returncode == 0, started.stderr
    kb = tmp_path / "kb"
    config = (kb / "sitegen.yml").read_text(encoding="utf-8")
    assert config.count("\n# ") >= 5, "the config explains itself in comments"
    assert yaml.safe_load(config)["title"] == "Team KB"
    docs = list((kb / "docs").glob("*.md"))
    assert len(docs) == 1
    for heading in ("## Problem", "## Symptoms", "## What Didn't Work", "## Solution", "## Why This Works", "## Prevention"):
        assert heading in docs[0].read_text(encoding="utf-8")
    assert "/site/" in (kb / ".gitignore").read_text(encoding="utf-8")

    built = sitegen("build", cwd=kb)
    assert built.returncode == 0, built.stderr
    assert (kb / "site" / "index.html").is_file()
    assert "Team KB" in (kb / "site" / "index.html").read_text(encoding="utf-8")
    checked = sitegen("check", "--strict", cwd=kb)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no problems found" in checked.stderr


def check_pages_workflow(path: Path, output_dir: str) -> None:
    """Lint as its own pull-request job, a deploy that warnings do not block, current actions, pip's cache."""
    flow = yaml.safe_load(path.read_text(encoding="utf-8"))
    triggers = flow[True] if True in flow else flow["on"]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    jobs = flow["jobs"]
    lint_runs = [s.get("run", "") for s in jobs["lint"]["steps"]]
    assert "pull_request" in jobs["lint"]["if"] and "pull_request" in jobs["build"]["if"]
    assert any("sitegen check" in r and "--format github" in r for r in lint_runs)
    build_steps = jobs["build"]["steps"]
    build_runs = " ".join(s.get("run", "") for s in build_steps)
    assert ("sitegen build" in build_runs or "make site" in build_runs) and "--strict" not in build_runs, \
        "a warning must not block the deploy"
    uses = [s["uses"] for job in jobs.values() for s in job["steps"] if "uses" in s]
    assert "actions/upload-pages-artifact@v4" in uses and "actions/deploy-pages@v4" in uses
    assert not any(u.startswith(("actions/checkout@v3", "actions/checkout@v4", "actions/setup-python@v4", "actions/setup-python@v5"))
                   for u in uses)
    upload = next(s for s in build_steps if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == output_dir, "the output folder is what is published"
    python = [s for job in jobs.values() for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python")]
    assert python and all(s["with"]["cache"] == "pip" for s in python)
    assert jobs["deploy"]["needs"] == "build"


def test_init_writes_a_pages_workflow_that_lints_prs_and_deploys_despite_warnings(tmp_path: Path) -> None:
    assert sitegen("init", "--source", "sitegen @ git+https://example.org/team/sitegen@v1", cwd=tmp_path).returncode == 0
    check_pages_workflow(tmp_path / ".github/workflows/pages.yml", yaml.safe_load((tmp_path / "sitegen.yml").read_text())["output_dir"])
    assert "sitegen @ git+https://example.org/team/sitegen@v1" in (tmp_path / "requirements-docs.txt").read_text()


def test_this_repositorys_pages_workflow() -> None:
    check_pages_workflow(ROOT / ".github/workflows/pages.yml", yaml.safe_load((ROOT / "sitegen.yml").read_text())["output_dir"])


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yml").write_text("title: Ours\n")
    result = sitegen("init", cwd=tmp_path)
    assert result.returncode == 2 and "already there" in result.stderr
    assert (tmp_path / "sitegen.yml").read_text() == "title: Ours\n"
    assert not (tmp_path / "docs").exists(), "nothing is written when anything is in the way"


def test_new_writes_a_dated_document_from_the_template(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    result = sitegen("new", "Celery task: runs twice", "--component", "background_task", "--problem-type", "async_issue",
                     "--severity", "high", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == tmp_path / "docs" / "celery-task-runs-twice.md"
    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["date"] == dt.date.today()
    assert (front["component"], front["problem_type"], front["severity"]) == ("background_task", "async_issue", "high")
    assert "# Celery task: runs twice\n" in text and "## Why This Works" in text
    again = sitegen("new", "Celery task: runs twice", cwd=tmp_path)
    assert Path(again.stdout.strip()).name == "celery-task-runs-twice-2.md", "an existing document is never replaced"
    assert path.read_text(encoding="utf-8") == text
    checked = sitegen("check", "docs", "--strict", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    site = gather(make_config(tmp_path / "docs", tmp_path / "site"))
    doc = next(d for d in site.documents if d.source.rel == path.name)
    assert doc.kind == "solution" and doc.title == "Celery task: runs twice" and doc.severity == "high"


def test_new_from_a_pasted_traceback_fills_symptoms_and_the_error_line(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    pasted = TRACEBACK + "```\nafter the stray fence\n"  # a fence in the paste must not end the code block
    result = sitegen("new", "CLI cannot import psycopg2", "--from-error", "-", cwd=tmp_path, stdin=pasted)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    text = path.read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["symptoms"] == ["ModuleNotFoundError: No module named 'psycopg2'"]
    assert '  File "app/db.py", line 1, in <module>' in text, "the whole paste is kept under Symptoms"
    site = gather(make_config(tmp_path / "docs", tmp_path / "site"))
    doc = site.documents[0]
    assert doc.symptoms == ("ModuleNotFoundError: No module named 'psycopg2'",)
    assert not site.problems, site.problems
    assert [r.message for r in site.error_rows] == ["ModuleNotFoundError: No module named 'psycopg2'"]
    html = site.rendered[doc.source.rel].html
    assert html.count("<pre") == 1, "the whole paste is one code block"
    assert html.index("<pre") < html.index("app/db.py") < html.index("after the stray fence") < html.index("</pre>")


def test_new_without_a_content_folder_says_how_to_start(tmp_path: Path) -> None:
    result = sitegen("new", "Anything", cwd=tmp_path)
    assert result.returncode == 2
    assert "sitegen init" in result.stderr


def test_version_is_the_installed_one(tmp_path: Path) -> None:
    result = sitegen("--version", cwd=tmp_path)
    assert result.stdout.strip() == f"sitegen {metadata.version('sitegen')}"


def test_says_which_config_applies(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs", {"a.md": "# A\n"})
    plain = sitegen("check", cwd=tmp_path)
    assert "no sitegen.yml here and no --config given: default settings apply" in plain.stderr
    (tmp_path / "sitegen.yml").write_text("title: Parcelhub\n")
    found = sitegen("check", cwd=tmp_path)
    assert f"settings from {tmp_path / 'sitegen.yml'}" in found.stderr
    quiet = sitegen("check", "-q", cwd=tmp_path)
    assert "settings from" not in quiet.stderr


def test_a_file_given_as_the_folder_says_so(tmp_path: Path) -> None:
    write_docs(tmp_path / "docs", {"a.md": "# A\n"})
    result = sitegen("build", "docs/a.md", cwd=tmp_path)
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr and "does not exist" not in result.stderr


def test_an_empty_folder_is_a_warning_and_fails_strict(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.txt").write_text("not a document")
    lenient = sitegen("check", "docs", cwd=tmp_path)
    assert lenient.returncode == 0
    assert "warning: no .md documents in this folder" in lenient.stdout
    assert "no problems found" not in lenient.stderr
    assert sitegen("check", "docs", "--strict", cwd=tmp_path).returncode == 1
    assert sitegen("build", "docs", "-o", "site", "--strict", cwd=tmp_path).returncode == 1


def test_init_knows_where_sitegen_came_from_only_when_ci_can_reach_it() -> None:
    pinned = '{"url": "https://github.com/team/sitegen", "vcs_info": {"vcs": "git", "commit_id": "0a1b2c"}}'
    assert requirement_from(pinned) == "sitegen @ git+https://github.com/team/sitegen@0a1b2c"
    assert requirement_from('{"url": "file:///home/me/sitegen", "dir_info": {"editable": true}}') is None
    assert install_source() is None, "this checkout's editable install is no address for CI"
