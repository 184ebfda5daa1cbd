"""sitegen as a user installs it: a wheel in a fresh virtualenv, run far from this checkout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from tests.helpers import ROOT


def test_the_wheel_carries_the_theme_and_builds_content_anywhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # A copy of the sources, so that building leaves nothing (build/, *.egg-info) in the checkout.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".git", ".venv*", "site", "bench", "tests", "build",
                                                                "*.egg-info", "__pycache__", ".pytest_cache"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(dist),
                    str(source)], check=True, timeout=300, capture_output=True)
    wheel = next(dist.glob("sitegen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    theme = sorted(p.relative_to(ROOT / "themes").as_posix() for p in (ROOT / "themes").rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts)
    assert all(f"sitegen/themes/{rel}" in names for rel in theme), "every file of the default theme is in the wheel"
    assert not any(n.startswith(("themes/", "tests/", "content/")) for n in names)

    env_dir = tmp_path / "fresh-env"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(wheel)],
                   check=True, timeout=600, capture_output=True)

    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    where = subprocess.run([str(python), "-c", "import sitegen.config as c; print(c.THEMES_DIR); import sitegen; print(sitegen.__file__)"],
                           cwd=elsewhere, env=clean_env, capture_output=True, text=True, check=True)
    themes_dir, module = (Path(line) for line in where.stdout.split())
    assert env_dir in themes_dir.parents and env_dir in module.parents, "the installed copy, not this checkout"

    sitegen = env_dir / "bin" / "sitegen"
    version = subprocess.run([str(sitegen), "--version"], cwd=elsewhere, env=clean_env, capture_output=True, text=True)
    assert version.stdout.startswith("sitegen ")
    result = subprocess.run([str(sitegen), "build", str(ROOT / "content"), "-o", "out", "-q"], cwd=elsewhere, env=clean_env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = elsewhere / "out"
    for page in ("index.html", "404.html", "search.html", "errors.html", "docs/database/connection-pool-exhausted.html"):
        assert (out / page).is_file(), page
    assert (out / "assets" / "style.css").read_bytes() == (ROOT / "themes/default/assets/style.css").read_bytes()
