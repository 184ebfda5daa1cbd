"""The same documents built with MkDocs + Material, for the speed ratio (`make bench-peers` installs it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bench.measure import checked, run_measured

ROOT = Path(__file__).resolve().parent.parent
MKDOCS = ROOT / ".venv-peers" / "bin" / "mkdocs"
HOW_TO_ENABLE = "MkDocs + Material comparison skipped: run `make bench-peers` once to install it into .venv-peers"


def available() -> bool:
    return MKDOCS.is_file()


def measure_mkdocs(content: Path, work: Path) -> dict[str, Any]:
    """A clean `mkdocs build` of `content` with the Material theme (and its search index)."""
    work.mkdir(parents=True, exist_ok=True)
    site = work / "site"
    config = work / "mkdocs.yml"
    # JSON is YAML: no quoting questions for the paths.
    config.write_text(json.dumps({
        "site_name": "bench",
        "docs_dir": str(content.resolve()),
        "site_dir": str(site.resolve()),
        "theme": {"name": "material"},
        "plugins": ["search"],
    }, indent=2), encoding="utf-8")
    shutil.rmtree(site, ignore_errors=True)
    run = checked(run_measured([str(MKDOCS), "build", "-q", "-f", str(config)], work), "mkdocs build")
    version = run_measured([str(MKDOCS), "--version"], work).output.strip()
    return {"tool": "mkdocs + material", "version": version, "seconds": run.seconds, "cpu_seconds": run.cpu_seconds,
            "peak_memory_mb": max(run.max_rss_mb, run.tree_rss_mb)}
