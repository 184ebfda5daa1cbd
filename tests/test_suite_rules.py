"""The suite's own rules: under `make test` (SITEGEN_NO_SKIPS=1) no kind of skip passes quietly.

Each case runs a one-file pytest session in a subprocess with this suite's conftest hooks and
pyproject settings, and reads its outcome.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import ROOT

CASES = {
    "skip in the test": "import pytest\ndef test_x():\n    pytest.skip('no tool')\n",
    "skip in a fixture": "import pytest\n@pytest.fixture\ndef tool():\n    pytest.skip('no tool')\ndef test_x(tool):\n    pass\n",
    "skipif mark": "import pytest\npytestmark = pytest.mark.skipif(True, reason='no tool')\ndef test_x():\n    pass\n",
    "xfail that fails": "import pytest\n@pytest.mark.xfail(reason='known')\ndef test_x():\n    assert False\n",
    "xfail that passes": "import pytest\n@pytest.mark.xfail(reason='known')\ndef test_x():\n    pass\n",
    "imperative xfail": "import pytest\ndef test_x():\n    pytest.xfail('later')\n",
    "module-level importorskip": "import pytest\npytest.importorskip('no_such_module_sitegen')\ndef test_x():\n    pass\n",
    "module-level skip": "import pytest\npytest.skip('no tool', allow_module_level=True)\ndef test_x():\n    pass\n",
}
CONFTEST = "from tests.conftest import pytest_make_collect_report, pytest_runtest_makereport  # noqa: F401\n"


def run_session(tmp_path: Path, source: str, no_skips: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_case.py").write_text(textwrap.dedent(source), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SITEGEN_NO_SKIPS", None)
    if no_skips:
        env["SITEGEN_NO_SKIPS"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-p", "no:cacheprovider",
                           "-q", str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", list(CASES))
def test_every_kind_of_skip_fails_under_make_test(tmp_path: Path, case: str) -> None:
    done = run_session(tmp_path, CASES[case], no_skips=True)
    assert done.returncode != 0, f"{case} passed under SITEGEN_NO_SKIPS=1:\n{done.stdout}"
    assert "skipped" not in done.stdout.splitlines()[-1] and "xfailed" not in done.stdout.splitlines()[-1], done.stdout


def test_outside_make_test_a_skip_is_still_a_skip(tmp_path: Path) -> None:
    # The hooks change nothing for a developer's own `pytest` run without the variable.
    done = run_session(tmp_path, CASES["skip in the test"], no_skips=False)
    assert done.returncode == 0 and "1 skipped" in done.stdout, done.stdout


def test_a_plain_passing_test_passes_under_make_test(tmp_path: Path) -> None:
    done = run_session(tmp_path, "def test_x():\n    assert 1 + 1 == 2\n", no_skips=True)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout


TOOL_CHECKS = ("which", "exists", "is_file", "find_spec", "available", "environ")


def early_returns_on_a_tool(source: str) -> list[str]:
    """`if <looks for a tool>: return` inside a test function: the one escape the hooks cannot see."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test")):
            continue
        for branch in ast.walk(node):
            if not isinstance(branch, ast.If):
                continue
            names = {n.attr if isinstance(n, ast.Attribute) else n.id for n in ast.walk(branch.test)
                     if isinstance(n, (ast.Attribute, ast.Name))}
            if names & set(TOOL_CHECKS) and any(isinstance(s, ast.Return) for s in branch.body):
                found.append(f"{node.name}:{branch.lineno}")
    return found


def test_the_early_return_check_sees_one() -> None:
    assert early_returns_on_a_tool("import shutil\ndef test_x():\n    if shutil.which('node') is None:\n        return\n") == ["test_x:3"]
    assert early_returns_on_a_tool("def test_x(t):\n    if not t:\n        return\n") == []


def test_no_test_returns_early_when_a_tool_is_missing() -> None:
    # A missing tool must be a pytest.skip (which fails under `make test`), never a quiet return.
    found = {path.name: hits for path in sorted((ROOT / "tests").glob("test_*.py"))
             if (hits := early_returns_on_a_tool(path.read_text(encoding="utf-8")))}
    assert found == {}
