"""Reading metadata, symptoms, guide sections and quick-reference rows out of Markdown bodies."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from sitegen.config import SiteConfig
from sitegen.document import Document, SourceFile
from sitegen.extract import error_lines, extract
from sitegen.normalise import normalise
from sitegen.read import read_source
from sitegen.render import Renderer


def body(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def load(tmp_path: Path, text: str, name: str = "doc.md") -> tuple[Document, list]:
    path = tmp_path / name
    path.write_text(body(text), encoding="utf-8")
    raw, problems = read_source(SourceFile(path, name), 1_000_000)
    assert raw is not None
    doc, more = normalise(raw, SiteConfig())
    return doc, problems + more


@pytest.mark.parametrize("line", [
    "**Severity:** High", "**Severity**: High", "- **Severity:** High", "- Severity: High",
])
def test_metadata_line_styles(line: str) -> None:
    facts, _ = extract(body(f"# Title\n\n{line}\n"), 1, "a.md")
    assert facts.meta["severity"] == "High"
    assert facts.meta_lines["severity"] == 3


def test_bold_metadata_without_front_matter(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # Error: Import cycle in the plugin loader

        **Date Encountered:** 2025-01-02
        **Severity:** Critical
        **Component:** Plugin-Loader
        **Tags:** [plugins, imports]

        ## Symptoms
        - `ImportError: cannot import name 'Registry'`
        - The CLI exits before printing help
        """)
    assert doc.title == "Import cycle in the plugin loader"
    assert doc.date == dt.date(2025, 1, 2)
    assert doc.severity == "critical"
    assert doc.component == ("plugin_loader",)
    assert doc.tags == ("plugins", "imports")
    assert doc.symptoms == ("ImportError: cannot import name 'Registry'", "The CLI exits before printing help")


def test_bullet_metadata_block(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # Report: queue stalls

        ## Export Information
        - Date: 2024-11-30
        - Severity: Blocking
        - Component: background task
        """)
    assert (doc.date, doc.severity, doc.component) == (dt.date(2024, 11, 30), "critical", ("background_task",))


def test_severity_and_categories_sections(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # Slow report page

        ## Severity
        Medium

        ## Categories
        performance, reports
        """)
    assert doc.severity == "medium"
    assert doc.tags == ("performance", "reports")


def test_front_matter_wins_and_body_fills_gaps(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        ---
        severity: low
        ---
        # Flaky login test

        **Severity:** High
        **Component:** testing
        """)
    assert doc.severity == "low"
    assert doc.component == ("testing",)


def test_body_value_problems_point_at_the_body_line(tmp_path: Path) -> None:
    _, problems = load(tmp_path, """
        ---
        title: Something
        ---
        # Something

        **Problem Type:** quantum_flux
        """)
    [problem] = [p for p in problems if p.kind == "unknown-value"]
    assert problem.line == 6


def test_traceback_gives_its_last_exception_line() -> None:
    text = body("""
        ```
        Traceback (most recent call last):
          File "app.py", line 3, in <module>
            run()
          File "app.py", line 2, in run
            raise ValueError("bad port")
        ValueError: bad port 'abc'
        ```
        """)
    assert error_lines(text) == ["ValueError: bad port 'abc'"]


def test_python_code_block_without_error_gives_nothing() -> None:
    assert error_lines("```python\nx = compute()\nprint(x)\n```\n") == []


def test_error_sections_feed_symptoms(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # Deploy fails on the new runner

        ## Error Messages

        ```
        error: failed to push some refs to 'origin'
        ```
        """)
    assert doc.symptoms == ("error: failed to push some refs to 'origin'",)


def test_error_description_without_code_takes_its_first_sentence(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # Worker runs out of memory

        ## Error Description

        ### What Happened
        The nightly worker was killed by the kernel. It had read every row at once.
        """)
    assert doc.symptoms == ("The nightly worker was killed by the kernel.",)


GUIDE = """
    # Queue guide

    ## Quick Reference

    | Error Message | Category | Section Link | Brief Solution |
    |---|---|---|---|
    | `LeaseExpired` | Queue | [Lease](#lease-lost) | Renew the lease. |
    | `Gone` | Queue | [Gone](#no-such-heading) | Nothing. |

    ## Queue

    ### Lease lost

    #### Symptoms
    - Jobs run twice

    #### Example Error
    ```
    Traceback (most recent call last):
      File "w.py", line 1, in <module>
    LeaseExpired: job 7 lost its lease
    ```

    #### Root Cause
    The heartbeat was blocked.

    #### Solution
    Renew the lease from its own thread. Then restart.

    ### Connection refused

    #### Symptoms
    - Broker refuses workers

    #### Solution
    Start the broker first.

    ## Scheduler

    ### Connection refused

    #### Symptoms
    - State store refuses the scheduler

    #### Solution
    Use the TCP address.
    """


def test_guide_sections_become_problem_sections_with_rendered_anchors(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, GUIDE)
    assert [(s.title, s.anchor, s.line) for s in doc.sections] == [
        ("Lease lost", "lease-lost", 12),
        ("Connection refused", "connection-refused", 30),
        ("Connection refused", "connection-refused-1", 40),  # GitHub's rule for a repeated heading
    ]
    lease = doc.sections[0]
    assert lease.symptoms == ("LeaseExpired: job 7 lost its lease", "Jobs run twice")
    assert lease.solution == "Renew the lease from its own thread."
    assert lease.root_cause == "The heartbeat was blocked."
    assert doc.symptoms == ()  # the sections carry them; the error table lists each once
    rendered = Renderer().render(doc, "docs/doc.html", {}, {})
    ids = {h.anchor for h in rendered.toc}
    assert {s.anchor for s in doc.sections} <= ids
    # A row linking to no heading is reported by the renderer, as every link to a missing fragment is.
    [problem] = [p for p in rendered.problems if "#no-such-heading" in p.message]
    assert problem.line == 8 and problem.path == "doc.md"


def test_quick_reference_rows(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, GUIDE)
    first = doc.quick_reference[0]
    assert (first.error, first.category, first.anchor, first.solution) == ("LeaseExpired", "Queue", "lease-lost", "Renew the lease.")


def test_quick_reference_rows_pointing_at_other_files_are_skipped() -> None:
    text = body("""
        | Error Message | File | Quick Fix |
        |---|---|---|
        | `KeyError: x` | [012](012-keys.md) | Check the key |
        """)
    facts, _ = extract(text, 1, "hub.md")
    assert facts.quick_reference == ()


def test_labelled_guide_sections(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # CI guide

        ## Build

        ### Cache never restored

        **Issue**: The cache step always misses.

        **Solutions**:

        1. **Check the key**: it must not include the date.

        ### Lint fails only in CI

        **Issue**: The linter reports errors that do not show locally.

        **Solution**: Pin the linter version.
        """)
    assert [(s.title, s.symptoms) for s in doc.sections] == [
        ("Cache never restored", ("The cache step always misses.",)),
        ("Lint fails only in CI", ("The linter reports errors that do not show locally.",)),
    ]
    assert doc.sections[0].solution == "Check the key: it must not include the date."


def test_a_single_problem_section_is_no_guide(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # One problem

        ## The problem

        ### Symptoms
        - Page is blank

        ### Solution
        Clear the cache.
        """)
    assert doc.sections == ()
    assert doc.symptoms == ("Page is blank",)


def test_headings_in_code_blocks_are_ignored() -> None:
    text = body("""
        # Guide

        ```markdown
        ## Symptoms
        - not a real symptom
        ```
        """)
    facts, _ = extract(text, 1, "g.md")
    assert facts.symptoms == ()


def test_outline_gives_sections_and_code_blocks_with_lines() -> None:
    from sitegen.sections import code_blocks, read_outline

    sections = read_outline(body("""
        Intro

        Setup
        =====

        ~~~python title="x"
        raise SystemExit
        ~~~

        - one
            ```
            in a list
            ```
        """))
    assert [(s.level, s.title, s.line, s.anchor) for s in sections] == [(0, "", 1, ""), (1, "Setup", 3, "setup")]
    assert [(b.info, b.line, b.text) for _, b in code_blocks(sections)] == [("python", 6, "raise SystemExit\n"), ("", 11, "in a list\n")]
    assert sections[1].blocks[-1].kind == "list" and sections[1].blocks[-1].items == ("one",)


# ---------------------------------------------------------------- issue 13: errors from every format


@pytest.mark.parametrize("heading,kind", [
    ("症状", "symptom"), ("错误信息", "error"), ("エラーメッセージ", "error"), ("Síntomas", "symptom"),
    ("Mensaje de error", "error"), ("Fehlermeldung", "error"), ("Symptômes", "symptom"), ("2. Error Message:", "error"),
    ("🔴 Example Error", "error"), ("Error Messages", "error"),
])
def test_symptom_and_error_headings_in_other_languages(heading: str, kind: str) -> None:
    text = f"# T\n\n## {heading}\n\n" + ("- 服务启动后立即退出\n" if kind == "symptom" else "```\nRuntimeError: broker closed the channel\n```\n")
    facts, _ = extract(body(text), 1, "a.md")
    assert facts.symptoms == (("服务启动后立即退出",) if kind == "symptom" else ("RuntimeError: broker closed the channel",))
    assert facts.symptoms_line == 3


def test_errors_anywhere_in_a_body_become_symptoms_without_front_matter(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """\
        # Workflow runs fail

        **What happened**: every run failed with `TypeError: unexpected keyword argument 'cycle'` at start.

        ```python
        value = kwargs.get("value")  # NameError: name 'kwargs' is not defined
        try:
            run()
        except KeyError:
            raise ValueError("bad")
        ```

        | Error | Fix |
        |---|---|
        | `ImportError: cannot import name 'Node'` | import from the package |

        ```
        Traceback (most recent call last):
          File "app.py", line 3, in <module>
        ValueError: Required parameter 'input_data' not provided
        ```

        ```yaml
        Error: Resource not accessible by integration
        ```
        """)
    assert doc.symptoms == (
        "TypeError: unexpected keyword argument 'cycle'",
        "NameError: name 'kwargs' is not defined",
        "ImportError: cannot import name 'Node'",
        "ValueError: Required parameter 'input_data' not provided",
        "Error: Resource not accessible by integration",
    )


def test_front_matter_symptoms_are_not_extended_from_the_body(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """\
        ---
        title: T
        symptoms: ["Pool exhausted"]
        ---
        Also seen: `RuntimeError: pool closed while waiting`.
        """)
    assert doc.symptoms == ("Pool exhausted",)


def test_a_guides_problems_keep_their_errors_off_the_guide_itself(tmp_path: Path) -> None:
    facts, _ = extract(body("""\
        # Guide

        Intro with `OSError: disk quota exceeded on /var` noted.

        ## Problem one
        ### Symptoms
        - One
        ### Error Message
        ```
        KeyError: 'tenant' missing from the session
        ```
        ### Solution
        Fix one.

        ## Problem two
        ### Symptoms
        - Two
        ### Solution
        Fix two.
        """), 1, "g.md")
    assert [s.symptoms for s in facts.sections][0] == ("KeyError: 'tenant' missing from the session", "One")
    assert facts.symptoms == ("OSError: disk quota exceeded on /var",)


def test_a_guides_problems_take_the_errors_their_code_blocks_show() -> None:
    # What a user pastes is the error, not the prose about it: `**Issue**: The build fails with
    # import errors.` and, below it, the printed error. Both are the problem's symptoms.
    facts, _ = extract(body("""\
        # CI guide

        ### Import Errors

        **Issue**: The build fails with import errors.

        Example error:

        ```
        ImportError: No module named 'module_name'
        ```

        **Solutions**: Install the missing module.

        ### Cache misses

        **Issue**: Artifacts are not cached.

        **Solutions**: Key the cache on the lock file.

        ## Worker stalls
        ### Symptoms
        - Jobs wait forever
        ### Cause
        ```
        RuntimeError: event loop is closed
        ```
        ### Solution
        Restart the worker.
        """), 1, "g.md")
    by_title = {s.title: s.symptoms for s in facts.sections}
    assert by_title["Import Errors"] == ("The build fails with import errors.", "ImportError: No module named 'module_name'")
    assert by_title["Cache misses"] == ("Artifacts are not cached.",)
    assert by_title["Worker stalls"] == ("Jobs wait forever", "RuntimeError: event loop is closed")
