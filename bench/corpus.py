"""Where the shared corpus of real documents is, when this checkout has one beside it.

`../shared/corpus` next to the checkout; from a git worktree one level deeper (`wt/NAME`),
`../../shared/corpus`; or wherever `SITEGEN_CORPUS` points. None when there is none: the project
builds, tests and benchmarks without it.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shared_corpus() -> Path | None:
    named = os.environ.get("SITEGEN_CORPUS")
    candidates = [Path(named)] if named else [ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus"]
    return next((path for path in candidates if path.is_dir()), None)
