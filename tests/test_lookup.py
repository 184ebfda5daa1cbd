"""`sitegen lookup`: a failing log finds the document that fixes it, and says which line matched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from sitegen import signatures
from sitegen.build import build
from sitegen.cli import main
from tests.helpers import ROOT, make_config
from tests.lookup_logs import (DETACHED, GITHUB_ACTIONS, LOOP_CLOSED, PG_CONFIG, PIP_BUILD, PYTEST_ANSI, RED, RESET,
                               noise_lines)

BASE = "https://kb.example.com/parcelhub/"
WORKFLOW = ROOT / "examples" / "github-actions" / "knowledge-base-lookup.yml"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lookup") / "site"
    build(make_config(ROOT / "content", out, base_url=BASE))
    return out


def run(capsys: pytest.CaptureFixture[str], log: str, *args: str, tmp: Path) -> tuple[int, str]:
    path = tmp / "job.log"
    path.write_text(log, encoding="utf-8")
    code = main(["lookup", str(path), *args])
    return code, capsys.readouterr().out


def lookup_json(capsys: pytest.CaptureFixture[str], log: str, site: Path, tmp: Path) -> tuple[int, dict[str, Any]]:
    code, out = run(capsys, log, "--site", str(site), "--base-url", BASE, "--format", "json", tmp=tmp)
    return code, json.loads(out)


@pytest.mark.parametrize(("error", "page"), [
    (DETACHED, "docs/database/detached-instance-error.html"),
    (LOOP_CLOSED, "docs/async/celery-event-loop-closed.html"),
    (PG_CONFIG, "docs/deploy/psycopg2-pg-config-not-found.html"),
])
def test_a_20000_line_log_with_one_real_error_ranks_its_document_first(
        error: str, page: str, site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = noise_lines(12_000, 1) + [f"2024-05-01T11:00:00.0000000Z ##[error]{error}"] + noise_lines(7_999, 2)
    assert len(lines) == 20_000
    code, out = run(capsys, "\n".join(lines), "--site", str(site), "--base-url", BASE, tmp=tmp_path)
    assert code == 0, out
    first = out.split("\n2. ")[0]
    assert f"   {BASE}{page}\n" in first  # the page, as an absolute URL
    assert "matched line 12001: " + error[:60] in first  # which line of the log, shown without its markers
    assert "\n   Fix: " in first  # the brief fix from the page
    assert "20,000 lines" in out.splitlines()[0]


def test_a_log_with_no_known_error_exits_1_and_says_so(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unknown = "ZorgException: the quantum widget refused to calibrate its gyroscope"
    code, out = run(capsys, "\n".join(noise_lines(3000, 3) + [unknown] + noise_lines(50, 4)), "--site", str(site), tmp=tmp_path)
    assert code == 1
    assert out.startswith("sitegen lookup: no known error: no document matched")
    assert "searched 1 error line (line 3001)" in out
    code, out = run(capsys, "\n".join(noise_lines(3000, 5)), "--site", str(site), tmp=tmp_path)
    assert code == 1
    assert out.startswith("sitegen lookup: no known error: no error line found")


def test_an_error_word_alone_is_no_match(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The words that make a line an error line are in most documents; they must not carry a match."""
    code, result = lookup_json(capsys, "\n".join(noise_lines(30, 6) + ["ERROR: failed", "Error: 42 failed"]), site, tmp_path)
    assert code == 1 and result["matches"] == [] and len(result["signatures"]) == 2


def test_an_ansi_coloured_pytest_log(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = lookup_json(capsys, PYTEST_ANSI, site, tmp_path)
    assert code == 0
    first = result["matches"][0]
    assert first["url"] == BASE + "docs/database/detached-instance-error.html"
    assert first["line"] == 17 and first["line_text"] == "E       " + DETACHED  # the E line, colours gone
    assert first["query"].startswith("sqlalchemy.orm.exc.DetachedInstanceError: Parent instance <Parcel at …>")
    # pytest's cut-short summary line is the same error: one signature, seen twice.
    [signature] = result["signatures"]
    assert signature["repeats"] == 2 and "\x1b" not in json.dumps(result)


def test_a_github_actions_log(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = lookup_json(capsys, GITHUB_ACTIONS, site, tmp_path)
    assert code == 0
    assert result["matches"][0]["url"] == BASE + "docs/async/celery-event-loop-closed.html"
    assert result["matches"][0]["line"] == 13 and result["matches"][0]["line_text"] == LOOP_CLOSED
    assert result["signatures"][0]["frames"] == ['File "…", line …, in sync_carrier_status',
                                                 'File "…", line …, in _check_closed']
    assert not any("Process completed" in s["text"] for s in result["signatures"])  # boilerplate


def test_json_output_schema(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signature_keys = {"line": int, "text": str, "query": str, "kind": str, "frames": list, "repeats": int}
    match_keys = {"title": str, "url": str, "fix": str, "confidence": float, "rank": int, "line": int,
                  "line_text": str, "query": str}
    for log, found in ((PIP_BUILD, True), ("nothing to see here\n" * 20, False)):
        code, result = lookup_json(capsys, log, site, tmp_path)
        assert code == (0 if found else 1)
        assert set(result) == {"schema", "input", "lines", "found", "min_confidence", "index", "signatures", "matches", "closest"}
        assert result["schema"] == 1 and result["found"] is found and result["lines"] == len(log.splitlines()) + (not found)
        for s in result["signatures"]:
            assert {k: type(v) for k, v in s.items()} == signature_keys
            assert s["kind"] in ("exception", "error", "message")
        for m in result["matches"] + ([result["closest"]] if result["closest"] else []):
            assert {k: type(v) for k, v in m.items()} == match_keys
            assert m["url"].startswith(BASE) and 0 <= m["confidence"] <= 1
        assert all(m["confidence"] >= result["min_confidence"] for m in result["matches"])
        assert bool(result["matches"]) is found
    assert result["closest"] is None or result["closest"]["confidence"] < result["min_confidence"]


def test_a_short_message_is_searched_whole(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = lookup_json(capsys, "celery event loop closed on second task\n", site, tmp_path)
    assert code == 0 and result["signatures"][0]["kind"] == "message"
    assert result["matches"][0]["url"].endswith("celery-event-loop-closed.html")


def test_without_a_built_site_the_index_is_built_from_content_writing_nothing(
        site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "not-built"
    code, out = run(capsys, PYTEST_ANSI, "--site", str(missing), "--content", str(ROOT / "content"),
                    "--base-url", BASE, "--format", "json", tmp=tmp_path)
    assert code == 0 and not missing.exists()
    from_content = json.loads(out)
    _, from_site = lookup_json(capsys, PYTEST_ANSI, site, tmp_path)
    assert [m["url"] for m in from_content["matches"]] == [m["url"] for m in from_site["matches"]]
    assert [m["fix"] for m in from_content["matches"]][:1] == [m["fix"] for m in from_site["matches"]][:1]
    assert from_content["matches"][0]["fix"]


def test_no_index_and_no_content_is_an_error_naming_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lookup", "--site", str(tmp_path / "a"), "--content", str(tmp_path / "b"), str(ROOT / "README.md")])
    assert code == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "a") in err and str(tmp_path / "b") in err


def test_masking_keeps_what_differs_between_runs_out_of_the_query() -> None:
    line = (f"{RED}2024-05-01 10:00:04,123 ERROR [worker] job 8f3a2c1d9 for 3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718 failed "
            f"after 12ms in /srv/app/jobs/run.py:88 at 0x7f3a2c1d, see https://ci.example.com/runs/123456 (run 1234567){RESET}")
    [found] = signatures.extract(line)
    assert found.text.startswith("2024-05-01") and "\x1b" not in found.text
    assert found.query == "job … for … failed after … in … at …, see … (run …)"
    assert signatures.mask('File "/usr/lib/python3.11/x.py", line 42, in run') == 'File "…", line …, in run'


def test_the_documented_step_writes_links_to_the_job_summary(site: Path, tmp_path: Path) -> None:
    """The example workflow's `if: failure()` step, run as GitHub would, with GITHUB_STEP_SUMMARY a file."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    [step] = [s for s in steps if str(s.get("if", "")).startswith("failure()")]
    project = tmp_path / "project"
    project.mkdir()
    (project / "sitegen.yml").write_text(f"content_dir: {ROOT / 'content'}\noutput_dir: {site}\nbase_url: {BASE}\n",
                                         encoding="utf-8")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for log, expected in ((GITHUB_ACTIONS, f"({BASE}docs/async/celery-event-loop-closed.html)"),
                          ("\n".join(noise_lines(200, 9)), "No error line found")):
        (project / "test.log").write_text(log, encoding="utf-8")
        summary = tmp_path / "summary.md"
        summary.write_text("earlier step's summary\n", encoding="utf-8")
        done = subprocess.run([shutil.which("bash") or "bash", "-e", "-c", step["run"]], cwd=project, capture_output=True,
                              text=True, timeout=120, env={**env, "GITHUB_STEP_SUMMARY": str(summary)})
        assert done.returncode == 0, done.stderr  # no match is not the step's failure: the job already failed
        text = summary.read_text(encoding="utf-8")
        assert text.startswith("earlier step's summary\n### ")  # appended, as GitHub expects
        assert expected in text, text
    text_before = summary.read_text(encoding="utf-8")
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**env, "GITHUB_STEP_SUMMARY": str(summary)})
    assert done.returncode != 0 and summary.read_text(encoding="utf-8") == text_before  # a real failure still shows


def test_markdown_links_survive_awkward_titles() -> None:
    from sitegen.lookup import LookupResult, Match, format_markdown
    from sitegen.signatures import Signature

    line = Signature(3, "E   KeyError: 'a` b' | <x>", "KeyError: 'a` b' | <x>", "exception")
    match = Match(1, "Fix [this] | *now* <b>", "https://kb.example.com/docs/a (b).html", "Use `x` | y", 0.9, 1, line)
    text = format_markdown(LookupResult(10, (line,), (match,), None, 0.5), "job.log")
    [link, where] = [row for row in text.splitlines() if row.startswith(("- ", "  ("))]
    assert link.startswith(r"- [Fix \[this\] \| \*now\* &lt;b&gt;](https://kb.example.com/docs/a%20(b%29.html)")
    assert r"Use \`x\` \| y" in link
    assert where == "  (line 3: `` E KeyError: 'a` b' | <x> ``; confidence 0.90)"


def test_markdown_output_links_each_match(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, PYTEST_ANSI, "--site", str(site), "--base-url", BASE, "--format", "markdown", tmp=tmp_path)
    assert code == 0
    first = next(line for line in out.splitlines() if line.startswith("- ["))
    assert first.startswith("- [") and f"]({BASE}docs/database/detached-instance-error.html)" in first
    assert "(line 17: `E sqlalchemy.orm.exc.DetachedInstanceError" in out  # which line, as a code span


def test_a_renamed_name_counts_as_one_unknown_word(site: Path) -> None:
    """`'frob_wibble_zorp'` yields three terms no document holds; it must weigh as one unknown word."""
    from sitegen.lookup import confidence, load_index
    from sitegen.ranking import run_search

    loaded = load_index(site)
    template = 'RuntimeError: Cannot call "{}" once a close message has been sent.'
    dotted, plain = template.format("frob_wibble_zorp"), template.format("frobwibblezorp")
    top = run_search(loaded.index, dotted)[0]
    assert loaded.docs[top.ref]["url"] == "docs/async/websocket-send-after-close.html"
    held = confidence(loaded.index, dotted, top.terms)
    assert held == pytest.approx(confidence(loaded.index, plain, top.terms)) and 0.6 < held < 0.95


def test_the_log_can_come_on_standard_input(site: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GITHUB_ACTIONS.encode("utf-8") + b"\n\xff")))
    code = main(["lookup", "-", "--site", str(site), "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0 and result["input"] == "standard input"
    assert result["matches"][0]["url"] == "docs/async/celery-event-loop-closed.html"  # no base_url: site-relative


def test_the_init_workflow_shows_the_same_step(tmp_path: Path) -> None:
    """`sitegen init`'s workflow carries the tested step, word for word, as a comment to copy."""
    import datetime as dt

    from sitegen.scaffold import WORKFLOW, init_site

    example = yaml.safe_load((ROOT / "examples" / "github-actions" / "knowledge-base-lookup.yml").read_text(encoding="utf-8"))
    [run_line] = [s["run"] for job in example["jobs"].values() for s in job["steps"] if str(s.get("if", "")).startswith("failure()")]
    init_site(tmp_path / "kb", "KB", None, dt.date(2026, 1, 1))
    written = (tmp_path / "kb" / WORKFLOW).read_text(encoding="utf-8")
    assert f"#       run: {run_line}\n" in written
    yaml.safe_load(written)  # still a valid workflow


@pytest.mark.parametrize(("damage", "named"), [
    (lambda site: (site / "search-index.js").write_text("window.SOMETHING_ELSE = 1;\n"), "search-index.js"),
    (lambda site: next((site / "search").glob("t-*.js")).write_text("/* cut short */"), "search/t-"),
])
def test_a_damaged_index_file_is_named_with_the_fix(site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     damage: Any, named: str) -> None:
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    damage(copy)
    code = main(["lookup", "--site", str(copy), str(ROOT / "README.md")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and "sitegen build" in err and "Traceback" not in err, err
