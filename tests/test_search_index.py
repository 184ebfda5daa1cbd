"""The Python-built index holds exactly the browser's terms, loads in lunr.js, and answers queries."""

from __future__ import annotations

import hashlib
import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sitegen.search import FIELDS, SearchEntry, build_index, build_search_index, field_texts

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "themes" / "default" / "assets" / "vendor"
JS = Path(__file__).parent / "js"
LUNR_SHA256 = "0c50d9002b85780a842afffb567bb54ede402dae7c6dc5997a018614d8044fc8"


def entry(ref: int, title: str, **fields: Any) -> SearchEntry:
    values: dict[str, Any] = {
        "url": f"docs/doc-{ref}.html",
        "component": (),
        "problem_type": (),
        "severity": "medium",
        "symptoms": (),
        "tags": (),
        "root_cause": (),
        "headings": (),
        "body": "",
    }
    values.update(fields)
    return SearchEntry(ref=ref, title=title, **values)


ENTRIES = [
    entry(
        0,
        "Deploy fails when the gateway key rotates",
        component=("deploy", "gateway"),
        problem_type=("configuration",),
        severity="high",
        symptoms=("502 Bad Gateway after every deploy",),
        tags=("nginx", "tls"),
        root_cause=("stale key in the gateway cache",),
        headings=("Symptoms", "Fix"),
        body="The gateway always caches the old key. Restart it after each deploy.",
    ),
    entry(
        1,
        "Async session used outside greenlet",
        url="docs/db/async.html",
        component=("database",),
        problem_type=("runtime-error",),
        severity="critical",
        symptoms=(
            "sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called; "
            "can't call await_only() here. Was IO attempted in an unexpected place?",
        ),
        tags=("sqlalchemy", "asyncio"),
        root_cause=("lazy loading in async context",),
        headings=("Use selectinload",),
        body="Lazy loading triggers IO outside the event loop. " + "Filler words here. " * 300,
    ),
    entry(
        2,
        "Ethereum transactions rejected",
        url="docs/guide.html#eth-errors",
        component=("blockchain",),
        problem_type=("api-error",),
        severity="low",
        symptoms=("eth_sendRawTransaction: nonce too low",),
        tags=("web3",),
        body="Resend with the next nonce. Try a replacement transaction.",
    ),
    entry(
        3,
        "Import errors after upgrading </script><!-- & friends",
        url="docs/python/imports.html",
        component=("python",),
        problem_type=("dependency",),
        severity="medium",
        symptoms=("ImportError: cannot import name 'X' from 'pkg'",),
        tags=("pip", "--no-cache"),
        body="Reinstall with pip install --no-cache-dir. 数据库连接超时 is unrelated text. Ünïcödé.",
    ),
    entry(4, "An empty page", severity=""),
]


def run_node(script: str, *args: str, stdin: Any) -> Any:
    completed = subprocess.run(
        ["node", str(JS / script), *args],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def index_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("site") / "search-index.js"
    path.write_text(build_search_index(ENTRIES), encoding="utf-8")
    return path


def query(index_script: Path, queries: list[Any]) -> list[dict[str, Any]]:
    return run_node("run_queries.js", str(index_script), stdin=queries)["results"]


def test_python_terms_equal_lunr_js_terms() -> None:
    spec = {
        "fields": [list(field) for field in FIELDS],
        "docs": [{"ref": str(e.ref), "fields": field_texts(e)} for e in ENTRIES],
    }
    browser = run_node("build_index.js", stdin=spec)
    python = build_index(ENTRIES)
    assert [term for term, _ in python["invertedIndex"]] == [term for term, _ in browser["invertedIndex"]]
    terms = {term for term, _ in python["invertedIndex"]}
    assert {"deploy", "key", "alway", "gateway", "greenlet", "invalidrequesterror", "raw"} <= terms
    assert not {"deploi", "kei", "alwai", "gatewai"} & terms  # lunr.py's own stems
    # Same scores too (both round to 3 decimals; allow one unit of rounding difference).
    python_vectors = dict((ref, vector) for ref, vector in python["fieldVectors"])
    for ref, vector in browser["fieldVectors"]:
        assert len(python_vectors[ref]) == len(vector)
        for mine, theirs in zip(python_vectors[ref], vector):
            assert mine == pytest.approx(theirs, abs=0.0011)
    assert python["pipeline"] == browser["pipeline"] == ["stemmer"]


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("deploy", "0"),
        ("key", "0"),
        ("always", "0"),
        ("gateway", "0"),
        ("greenlet", "1"),
        ("InvalidRequestError", "1"),
        ("RawTransaction", "2"),
        ("ImportError: cannot import name 'Foo' from 'bar'", "3"),
        ("--no-cache", "3"),
        ("数据库", "3"),
    ],
)
def test_browser_query_finds_the_document_first(index_script: Path, text: str, ref: str) -> None:
    [result] = query(index_script, [text])
    assert "error" not in result, result.get("error")
    assert result["refs"][:1] == [ref]


def test_prefix_of_the_last_word_matches_while_typing(index_script: Path) -> None:
    [result] = query(index_script, [{"text": "sqlalchemy greenl", "prefix": True}])
    assert result["refs"][:1] == ["1"]


TRACEBACK = textwrap.dedent(
    """\
    Traceback (most recent call last):
      File "/home/app/.venv/lib/python3.11/site-packages/gateway/deploy.py", line 88, in run
        key = rotate(gateway)
      File "/home/app/service.py", line 12, in <module>
        main()
      File "/home/app/.venv/lib/python3.11/site-packages/sqlalchemy/orm/session.py", line 2043, in execute
        return await_only(conn.execute(stmt))
    sqlalchemy.exc.InvalidRequestError: greenlet_spawn has not been called at 0x7f3a2b1c9d40
    """
)


def test_pasted_traceback_ranks_the_final_exception_first(index_script: Path) -> None:
    # The frames mention deploy and gateway (document 0); the exception line is document 1's.
    flattened = " ".join(TRACEBACK.split())  # what an <input> makes of a pasted traceback
    results = query(index_script, [TRACEBACK, flattened, "\n" * 50 + TRACEBACK * 60])
    for result in results:
        assert result["refs"][:1] == ["1"], result


HOSTILE = [
    "",
    "   ",
    "\n\t\r ",
    "ImportError: cannot import name 'X'",
    "--no-cache",
    "a:b",
    ":",
    "::::",
    "title:",
    "*",
    "***",
    "+",
    "-",
    "~",
    "^",
    "+foo -bar ~baz ^qux foo~2 bar^10 *baz*",
    '"unterminated quote',
    "'''",
    "`backticks` ```code```",
    "(a|b)*[c-d]{2,}\\s+$^.?",
    "\\",
    "\\\\u0000 \u0000 \ufffd",
    "数据库连接超时 エラー 한국어",
    "🔥🔥🔥",
    "</script><script>alert(1)</script>",
    "constructor __proto__ prototype hasOwnProperty toString valueOf",
    "a" * 5000,
    ("Traceback (most recent call last):\n" + '  File "/x/y.py", line 1, in f\n    g()\n' * 400)[:20000]
    + "ValueError: boom",
    "x" * 20_000,
    "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p",
]


def test_hostile_queries_never_throw(index_script: Path) -> None:
    assert len(HOSTILE) >= 30
    queries = HOSTILE + [{"text": q, "prefix": True} for q in HOSTILE]
    for text, result in zip(queries, query(index_script, queries)):
        assert "error" not in result, f"{text!r:.80}: {result['error']}"
    assert query(index_script, ["", "   "]) == [{"refs": [], "terms": 0}] * 2


def test_script_is_safe_to_embed_and_deterministic() -> None:
    script = build_search_index(ENTRIES)
    assert script == build_search_index(list(reversed(ENTRIES)))
    assert "<" not in script and ">" not in script and "&" not in script.replace("&&", "")
    assert script.isascii()
    assert script.startswith("/*") and "window.SITEGEN_SEARCH = {" in script
    assert "JSON.parse(" in script


def test_store_holds_what_results_show(index_script: Path) -> None:
    docs = run_node("run_queries.js", str(index_script), stdin=[])["docs"]
    by_ref = {doc["ref"]: doc for doc in docs}
    assert by_ref[3]["title"] == "Import errors after upgrading </script><!-- & friends"
    assert by_ref[2]["url"] == "docs/guide.html#eth-errors"
    assert by_ref[1]["component"] == ["database"] and by_ref[1]["severity"] == "critical"
    assert by_ref[1]["problem_type"] == ["runtime-error"]
    assert "greenlet_spawn" in by_ref[1]["snippet"]
    assert len(by_ref[1]["snippet"].split()) < 100  # bounded, unlike the indexed symptoms


def test_body_is_bounded_but_symptoms_are_whole() -> None:
    long_symptom = "E" + " word" * 2000 + " needle"
    texts = field_texts(entry(9, "t", symptoms=(long_symptom,), body="w " * 5000 + "needle"))
    assert texts["s"].endswith("needle")
    assert "needle" not in texts["b"]


def test_duplicate_refs_are_refused() -> None:
    with pytest.raises(ValueError, match="refs"):
        build_search_index([entry(1, "a"), entry(1, "b")])


def test_vendored_lunr_is_the_expected_release() -> None:
    digest = hashlib.sha256((VENDOR / "lunr.min.js").read_bytes()).hexdigest()
    assert digest == LUNR_SHA256
    license_text = (VENDOR / "lunr-LICENSE.txt").read_text(encoding="utf-8")
    assert "MIT" in license_text
