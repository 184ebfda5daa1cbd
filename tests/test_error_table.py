"""The error table, cell by cell, and links written with another case than the file's name.

Both are checked in the built site, as a reader meets them: the table's cells are read from
errors.html, links from the pages' hrefs. A row that only a guide's Quick Reference table provides
has a message found nowhere else, so leaving those rows out cannot hide behind a symptom that
happens to contain the same words.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.build import BuildResult
from tests.helpers import build_docs, page

DOCS = {
    "Database/Pool-Timeout.md": """\
        ---
        title: Pool timeout under load
        component: database
        problem_type: performance_issue
        symptoms: ["QueuePool limit of size 5 overflow 10 reached"]
        ---
        # Pool timeout under load

        ## Solution
        Raise the pool size to twenty. Then restart the app.

        ## Fix
        Details of the fix.
        """,
    "guides/worker-guide.md": """\
        ---
        title: Background worker guide
        component: background_task
        problem_type: runtime_error
        ---
        # Background worker guide

        See [the pool page](../database/pool-timeout.MD#fix), [again](../DATABASE/POOL-TIMEOUT.md)
        and [the runbook](../Ops/RUNBOOK.md).

        ## Quick Reference

        | Error Message | Category | Section Link | Brief Solution |
        |---------------|----------|--------------|----------------|
        | `BrokerUnreachable: amqp://queue:5672` | Queue | [Broker down](#broker-down) | Start the broker first |
        | `LeaseExpired: job 42` | Queue | [Lease lost](#lease-lost) | Renew the lease every ten seconds |

        ## Queue problems

        ### Lease lost

        #### Symptoms
        - Jobs run twice on two workers

        #### Example Error
        ```
        LeaseExpired: job 42 lost its lease after 30s
        ```

        #### Solution
        Renew the lease from a separate thread.

        ### Broker down

        #### Symptoms
        - Workers exit at start

        #### Solution
        Start the broker before the workers.
        """,
    "ops/runbook.md": "# Runbook\n\nSee [the guide](../Guides/Worker-Guide.md#lease-lost).\n",
}

GUIDE = "docs/guides/worker-guide.html"
Row = tuple[str, str, str, str, str]  # message, category, document, brief solution, document link


class Table(HTMLParser):
    """The body rows of every table: each cell's text, and the first link of the document cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[list[str], list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append(([], []))
        elif tag == "td" and self.rows:
            self._cell = []
        elif tag == "a" and self._cell is not None:
            self.rows[-1][1].append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1][0].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build_docs(tmp_path_factory.mktemp("errors"), DOCS)


@pytest.fixture(scope="module")
def rows(built: BuildResult) -> dict[str, Row]:
    table = Table()
    table.feed((built.output_dir / "errors.html").read_text(encoding="utf-8"))
    out: dict[str, Row] = {}
    for cells, links in table.rows:
        if len(cells) == 4:
            doc_links = [href for href in links if href.startswith("docs/")]
            out[cells[0]] = (*cells, doc_links[0] if doc_links else "")  # type: ignore[assignment]
    return out


def test_every_error_message_has_exactly_one_row(rows: dict[str, Row]) -> None:
    assert sorted(rows) == sorted([
        "BrokerUnreachable: amqp://queue:5672",  # only the Quick Reference table says this
        "LeaseExpired: job 42",  # Quick Reference; a prefix of the section's own example error
        "LeaseExpired: job 42 lost its lease after 30s",
        "Jobs run twice on two workers",
        "Workers exit at start",
        "QueuePool limit of size 5 overflow 10 reached",
    ])


def test_a_quick_reference_row_has_its_own_category_solution_and_section_link(rows: dict[str, Row]) -> None:
    assert rows["BrokerUnreachable: amqp://queue:5672"] == (
        "BrokerUnreachable: amqp://queue:5672", "Queue / Runtime error", "Background worker guide",
        "Start the broker first", f"{GUIDE}#broker-down")
    assert rows["LeaseExpired: job 42"] == (
        "LeaseExpired: job 42", "Queue / Runtime error", "Background worker guide",
        "Renew the lease every ten seconds", f"{GUIDE}#lease-lost")


def test_symptom_rows_name_their_section_or_document_and_its_first_solution_sentence(rows: dict[str, Row]) -> None:
    assert rows["Jobs run twice on two workers"] == (
        "Jobs run twice on two workers", "Background task / Runtime error", "Lease lost",
        "Renew the lease from a separate thread.", f"{GUIDE}#lease-lost")
    assert rows["Workers exit at start"][2:] == ("Broker down", "Start the broker before the workers.", f"{GUIDE}#broker-down")
    assert rows["QueuePool limit of size 5 overflow 10 reached"] == (
        "QueuePool limit of size 5 overflow 10 reached", "Database / Performance issue", "Pool timeout under load",
        "Raise the pool size to twenty.", "docs/database/pool-timeout.html")


def test_md_links_find_their_page_whatever_the_case(built: BuildResult) -> None:
    out: Path = built.output_dir
    assert [p for p in built.site.problems if p.kind == "link"] == []
    guide = dict(page(out, GUIDE).links)
    assert {"../database/pool-timeout.html#fix", "../database/pool-timeout.html", "../ops/runbook.html"} <= set(guide)
    runbook = dict(page(out, "docs/ops/runbook.html").links)
    assert "../guides/worker-guide.html#lease-lost" in runbook
