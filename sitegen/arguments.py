"""The configuration a command's arguments ask for: the config file, then flags over it.

Used by the command line (cli.py) and by the preview server (serve.py) when it reloads the
config; it lives below both so that neither imports the other for it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sitegen.config import CONFIG_NAME, SiteConfig, find_config, load_config
from sitegen.diagnostics import Problem


def config_from_args(args: argparse.Namespace) -> tuple[SiteConfig, list[Problem]]:
    """The frozen config for `args`, and every problem with it (a missing content folder included)."""
    path = args.config if args.config else find_config(Path.cwd())
    overrides: dict[str, Any] = {
        "content_dir": Path(args.content_dir) if args.content_dir else None,
        "output_dir": getattr(args, "output", None),
        "base_url": getattr(args, "base_url", None),
        "title": getattr(args, "title", None),
        "theme_dir": getattr(args, "theme_dir", None),
        "jobs": getattr(args, "jobs", None),
    }
    config, problems = load_config(path, overrides)
    content = config.content_dir
    if args.content_dir is None and path is None and not content.exists():
        problems.append(Problem(str(content), None, None, "config", "no content folder given and ./docs does not exist",
                                f"run `sitegen {args.command} DIR`, or `sitegen init` to start one", "error"))
    elif content.exists() and not content.is_dir():
        problems.append(Problem(str(content), None, None, "config", "this is a file, not a folder: sitegen reads a folder of .md files",
                                f"give the folder that holds it, e.g. `sitegen {args.command} {content.parent}`", "error"))
    elif not content.is_dir():
        problems.append(Problem(str(content), None, None, "config", "content folder does not exist",
                                "check the path given as DIR or content_dir", "error"))
    return config, problems


def config_source(config: SiteConfig) -> str:
    """One line that says which config file applies, so a stray sitegen.yml never applies unseen."""
    if config.config_path is None:
        return f"no {CONFIG_NAME} here and no --config given: default settings apply"
    return f"settings from {config.config_path}"
