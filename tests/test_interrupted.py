"""A build killed at any moment leaves the previous site complete, and the next build recovers."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from sitegen.build import BuildResult, build
from sitegen.write import read_manifest
from sitegen.config import load_config
from tests.helpers import ROOT

KILLS = 20
DOCS = 50  # a build of a second or so under load, writing ~150 files


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() or p.is_symlink()}


def make_doc(i: int, version: int, rng: random.Random) -> str:
    words = " ".join(rng.choice(["pool", "cache", "timeout", "deploy", "retry", "index"]) for _ in range(80))
    return (f"---\ntitle: Problem {i} (v{version})\ndate: 2025-02-{i % 28 + 1:02d}\ncomponent: [database, c{i % 9}]\n"
            f"problem_type: [runtime_error]\nroot_cause: [race_condition]\ntags: [t{i % 13}, t{i % 7}]\nseverity: high\n"
            f"symptoms:\n  - 'Error {i}: step {version} failed'\n---\n# Problem {i}\n\n## Solution\nFix {i}. {words}\n")


def start_build(config: Path) -> subprocess.Popen[bytes]:
    # Its own process group: the kill takes the build and any render workers, as a cancelled CI job does.
    return subprocess.Popen([sys.executable, "-m", "sitegen", "build", "-c", str(config), "-q"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def site(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if not k.startswith(".sitegen-cache/")}


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def wait_for_writing(out: Path, process: subprocess.Popen[bytes], deadline: float) -> None:
    """Return once the build has started writing (its staging folder exists), or has ended."""
    while time.perf_counter() < deadline and process.poll() is None:
        if any(name.startswith(f".{out.name}.sitegen-staging-") for name in os.listdir(out.parent)):
            return
        time.sleep(0.002)


def test_builds_killed_at_random_moments_never_leave_a_half_written_site(tmp_path: Path) -> None:
    rng = random.Random(20250408)
    content = tmp_path / "kb"
    content.mkdir()
    for i in range(DOCS):
        (content / f"doc-{i:03d}.md").write_text(make_doc(i, 0, rng), encoding="utf-8")
    out = tmp_path / "site"
    # A private copy of the theme: every build of this test renders with the same templates.
    theme = shutil.copytree(ROOT / "themes" / "default", tmp_path / "theme")
    config = tmp_path / "sitegen.yml"
    config.write_text(f"content_dir: kb\noutput_dir: site\ntheme: {theme}\n", encoding="utf-8")

    def build_here(target: Path) -> BuildResult:
        """In this process, with the very settings the killed builds read."""
        settings, problems = load_config(config, {"output_dir": target})
        assert not problems
        return build(settings)

    build_here(out)
    (out / "CNAME").write_text("kb.example.com")  # a user's file: must survive every kill
    started = time.perf_counter()
    full = start_build(config)
    full.wait(timeout=120)
    duration = time.perf_counter() - started
    assert full.returncode == 0
    last_good = tree(out)
    outcomes = {"old site": 0, "new site": 0, "killed while writing": 0}
    for kill in range(KILLS):
        # Change the content so the next site differs: edit one doc, add one, delete one.
        (content / f"doc-{kill:03d}.md").write_text(make_doc(kill, kill + 1, rng), encoding="utf-8")
        (content / f"new-{kill:03d}.md").write_text(make_doc(1000 + kill, 0, rng), encoding="utf-8")
        (content / f"doc-{DOCS - 1 - kill:03d}.md").unlink()
        process = start_build(config)
        if kill % 2:
            time.sleep(duration * rng.uniform(0.2, 1.2))  # anywhere: reading, rendering, writing, or done
        else:
            wait_for_writing(out, process, deadline=time.perf_counter() + 3 * duration)
            time.sleep(rng.uniform(0, 0.1))  # somewhere inside the short write: staging, swap, clean-up
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it finished first: the new site must then be complete
        process.wait(timeout=30)
        if leftovers(out):
            outcomes["killed while writing"] += 1
        snapshot = tree(out)
        assert all((out / rel).is_file() for rel in read_manifest(out)), f"kill {kill}: a file in the manifest is missing"
        assert snapshot.get("CNAME") == b"kb.example.com", f"kill {kill}: the user's CNAME was lost"
        # Compared without the build cache: a killed build may already have dropped its stale stamp.
        if site(snapshot) == site(last_good):
            outcomes["old site"] += 1
        else:
            outcomes["new site"] += 1
        recovered = build_here(out)
        assert leftovers(out) == [], f"kill {kill}: staging folder or lock left after the next build"
        assert (out / "index.html").is_file() and recovered.pages > 0, f"kill {kill}: the next build did not recover"
        if site(snapshot) != site(last_good):
            # Not the old site, so it must be the complete new one: what the recovery build makes of it.
            # The build cache is left out: its key covers sitegen's own code, edited while tests run.
            after = tree(out)
            differ = sorted(k for k in set(site(snapshot)) | set(site(after)) if snapshot.get(k) != after.get(k))
            assert differ == [], f"kill {kill}: the output was a mix of two sites: {differ[:10]}"
        last_good = tree(out)

    clean = tmp_path / "clean"
    build_here(clean)
    assert {k: v for k, v in site(tree(out)).items() if k != "CNAME"} == site(tree(clean))
    print(f"\n{KILLS} kills of a {duration:.1f}s build: {outcomes}")
