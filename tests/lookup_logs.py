"""Sample failing logs for the `sitegen lookup` tests: what CI jobs print, colours and all.

The real errors come from the sample knowledge base (content/): DetachedInstanceError
(database/detached-instance-error.md), `RuntimeError: Event loop is closed`
(async/celery-event-loop-closed.md), `pg_config executable not found` (deploy/psycopg2-...).
"""

from __future__ import annotations

import random

RED, GREEN, BOLD, RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"

DETACHED = ("sqlalchemy.orm.exc.DetachedInstanceError: Parent instance <Parcel at 0x7f3a2c1b9d90> is not bound to a "
            "Session; lazy load operation of attribute 'recipient' cannot proceed")
LOOP_CLOSED = "RuntimeError: Event loop is closed"
PG_CONFIG = "Error: pg_config executable not found."

PYTEST_ANSI = "\n".join([
    f"{BOLD}============================= test session starts =============================={RESET}",
    "platform linux -- Python 3.11.7, pytest-8.1.1, pluggy-1.4.0",
    "collected 42 items",
    "",
    f"tests/test_labels.py {GREEN}.........{RESET}{RED}F{RESET}{GREEN}.....{RESET}                                   [ 35%]",
    f"tests/test_parcels.py {GREEN}...........................{RESET}                          [100%]",
    "",
    f"=================================== FAILURES ===================================",
    f"{RED}{BOLD}____________________________ test_label_pdf_for_cached ____________________________{RESET}",
    "",
    "    def test_label_pdf_for_cached(repo):",
    "        parcel = repo.cached(7)",
    ">       render_label(parcel)",
    "",
    f"{BOLD}{RED}tests/test_labels.py{RESET}:88: ",
    "_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _",
    f"{RED}E       {DETACHED}{RESET}",
    "",
    f"{RED}/home/runner/.venv/lib/python3.11/site-packages/sqlalchemy/orm/strategies.py{RESET}:862: DetachedInstanceError",
    "=========================== short test summary info ============================",
    f"{RED}FAILED{RESET} tests/test_labels.py::test_label_pdf_for_cached - sqlalchemy.orm.exc.DetachedInstanceError: Parent instance <Parc...",
    f"{RED}========================= {BOLD}1 failed{RESET}{RED}, 41 passed in 3.27s ========================={RESET}",
])

GITHUB_ACTIONS = "\n".join(f"2024-05-01T10:00:{n:02d}.{n * 1234567 % 9999999:07d}Z {line}" for n, line in enumerate([
    "##[group]Run celery -A app.worker worker --pool=solo",
    "celery -A app.worker worker --pool=solo",
    "shell: /usr/bin/bash -e {0}",
    "##[endgroup]",
    f"{GREEN}[2024-05-01 10:00:03,100: INFO/MainProcess] Connected to redis://localhost:6379/0{RESET}",
    "[2024-05-01 10:00:04,220: INFO/MainProcess] Task app.tasks.sync_carrier_status[3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718] received",
    "[2024-05-01 10:00:04,512: ERROR/MainProcess] Task app.tasks.sync_carrier_status[3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718] raised unexpected: RuntimeError('Event loop is closed')",
    "Traceback (most recent call last):",
    '  File "/home/runner/work/parcelhub/parcelhub/app/tasks.py", line 41, in sync_carrier_status',
    "    return asyncio.run(_sync(parcel_id))",
    '  File "/usr/lib/python3.11/asyncio/base_events.py", line 519, in _check_closed',
    "    raise RuntimeError('Event loop is closed')",
    f"{RED}{LOOP_CLOSED}{RESET}",
    "##[error]Process completed with exit code 1.",
]))

NODE_AND_JAVA = "\n".join([
    "npm ERR! code ELIFECYCLE",
    "TypeError: Cannot read properties of undefined (reading 'map')",
    "    at renderList (/srv/app/src/list.js:12:18)",
    "    at Object.<anonymous> (/srv/app/src/index.js:4:1)",
    "Exception in thread \"main\" java.lang.IllegalStateException: pool closed",
    "\tat com.example.Pool.get(Pool.java:88)",
    "\tat com.example.Main.main(Main.java:12)",
    "Caused by: java.io.IOException: Connection reset by peer",
    "panic: runtime error: index out of range [5] with length 3",
    "make: *** [Makefile:12: test] Error 2",
])

PIP_BUILD = "\r\n".join([
    "Collecting psycopg2==2.9.9",
    "  Downloading psycopg2-2.9.9.tar.gz (384 kB)",
    "  Preparing metadata (setup.py) ... error",
    "  error: subprocess-exited-with-error",
    "  ",
    "  × python setup.py egg_info did not run successfully.",
    f"  │ {PG_CONFIG}",
    "  ╰─> See above for output.",
    "ERROR: Failed building wheel for psycopg2",
    "Error: Process completed with exit code 1.",
])

UNICODE_AND_REPEATS = "\n".join([
    "\ufeff2024-05-01 10:00:00 WARNING  Ünïcödé 数据库连接超时 retrying",
    "2024-05-01 10:00:01 ERROR    数据库连接超时 after 30.5s at 0xdeadbeef1",
    "2024-05-01 10:00:02 ERROR    数据库连接超时 after 31.0s at 0xdeadbeef2",
    "FATAL:  password authentication failed for user \"parcelhub\"",
    "0 errors, 3 warnings",
    "::error file=app/x.py,line=3::ValueError: bad literal for int() with base 10: 'abc'",
    "E       AssertionError: assert 2 == 3",
    "FAILED tests/test_x.py::test_sum - AssertionError: assert 2 == 3",
])

# A Python traceback four frames deep, cut off by a plain line before a later exception; and an
# error line longer than a query keeps.
INTERRUPTED = "\n".join([
    "Traceback (most recent call last):",
    '  File "/srv/app/a.py", line 1, in one',
    "    two()",
    '  File "/srv/app/b.py", line 2, in two',
    "    three()",
    '  File "/srv/app/c.py", line 3, in three',
    "    four()",
    '  File "/srv/app/d.py", line 4, in four',
    "    raise KeyError(key)",
    "KeyError: 'tracking_number'",
    "Traceback (most recent call last):",
    '  File "/srv/app/e.py", line 5, in five',
    "job interrupted here",
    "ValueError: invalid literal for int() with base 10: 'abc'",
    "Traceback (most recent call last):",
    '  File "/srv/app/f.py", line 6, in six',
    "plain words only",
    "KeyError: 'other'",
    "TypeError: handler is not a function",
    "    at first (/srv/app/a.js:1:1)",
    "plain words only",
    "    at stray (/srv/app/b.js:2:2)",
    "RangeError: Invalid array length",
    "ERROR " + " ".join(f"field_{n} is required" for n in range(60)),
])


def noise_lines(count: int, seed: int = 0) -> list[str]:
    """Lines a passing stretch of a CI log is made of (some mention errors without being one)."""
    rng = random.Random(seed)
    kinds = (
        "2024-05-01T10:{m:02d}:{s:02d}.{f:07d}Z Collecting {pkg}=={v}",
        "2024-05-01T10:{m:02d}:{s:02d}.{f:07d}Z tests/test_{pkg}.py::test_case_{n} PASSED [{p}%]",
        "{m:02d}:{s:02d}:10 INFO [app.{pkg}] GET /api/{pkg}/{n} 200 in {n}ms",
        "WARNING: Retrying (Retry(total=4)) after connection reset: /simple/{pkg}/",
        "ruff: 0 errors in {n} files",
        "{GREEN}ok{RESET} {n} - {pkg} builds",
        "npm WARN deprecated {pkg}@{v}: no longer supported",
        "  DeprecationWarning: {pkg}.utcnow() is deprecated",
    )
    out = []
    for i in range(count):
        out.append(rng.choice(kinds).format(m=(i // 60) % 60, s=i % 60, f=rng.randint(0, 9999999), n=rng.randint(1, 999),
                                            p=rng.randint(0, 100), v=f"1.{rng.randint(0, 30)}.0", GREEN=GREEN, RESET=RESET,
                                            pkg=rng.choice(("parcels", "labels", "billing", "carriers", "redis", "httpx"))))
    return out


SAMPLE_LOGS = {
    "pytest-ansi": PYTEST_ANSI,
    "github-actions": GITHUB_ACTIONS,
    "node-java-go": NODE_AND_JAVA,
    "pip-crlf": PIP_BUILD,
    "unicode-repeats": UNICODE_AND_REPEATS,
    "interrupted-traceback": INTERRUPTED,
    "noise-and-traceback": "\n".join(noise_lines(400, 1) + GITHUB_ACTIONS.splitlines()[6:13] + noise_lines(100, 2)),
}
