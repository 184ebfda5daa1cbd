"""`sitegen init` and `sitegen new`: start a knowledge base, and a document, from the template.

The files they write come from `sitegen/starter/` (package data), so what a team gets is readable
as it stands there. Nothing that exists is ever overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from string import Template

import yaml

from sitegen.config import CONFIG_NAME
from sitegen.extract import error_lines
from sitegen.urls import slugify

WORKFLOW = Path(".github/workflows/pages.yml")
REQUIREMENTS = "requirements-docs.txt"
_BACKTICKS = re.compile(r"`{3,}")


class ScaffoldError(Exception):
    """Raised before anything is written: the message says what is in the way and what to do."""


def _starter(name: str) -> str:
    return resources.files("sitegen.starter").joinpath(name).read_text(encoding="utf-8")


def install_source() -> str | None:
    """How CI can install the sitegen running now: its git URL and commit, if pip recorded one."""
    try:
        raw = metadata.distribution("sitegen").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    return requirement_from(raw) if raw else None


def requirement_from(direct_url: str) -> str | None:
    """A requirement line from pip's PEP 610 record; None for a local folder or file, which CI cannot reach."""
    info = json.loads(direct_url)
    vcs = info.get("vcs_info") or {}
    url = info.get("url", "")
    if vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://", "git@")):
        return f"sitegen @ git+{url}@{vcs.get('commit_id') or vcs.get('requested_revision') or 'HEAD'}"
    return None


@dataclass(frozen=True)
class Started:
    written: tuple[Path, ...]
    source_known: bool  # False: requirements-docs.txt still needs the line that installs sitegen


def init_site(target: Path, title: str, source: str | None, today: dt.date) -> Started:
    """A commented config, a docs folder with one example document, and the Pages workflow."""
    if target.exists() and not target.is_dir():
        raise ScaffoldError(f"{target} is a file; give a folder (or nothing, for the current one)")
    source = source or install_source()
    requirement = source or ("# The line that installs sitegen, e.g. one of:\n"
                             "#   sitegen @ git+https://github.com/OWNER/sitegen@v0.1.0\n"
                             "#   ./tools/sitegen-0.1.0-py3-none-any.whl   (a wheel committed to this repository)\n")
    files = {
        Path(CONFIG_NAME): Template(_starter("sitegen.yml")).safe_substitute(title=json.dumps(title)),
        Path("docs") / "example-missing-environment-variable.md": Template(_starter("example.md")).safe_substitute(date=today.isoformat()),
        WORKFLOW: Template(_starter("pages.yml")).safe_substitute(output_dir="site"),
        Path(REQUIREMENTS): f"# What the Pages workflow installs; its pip cache is keyed on this file.\n{requirement}\n",
    }
    in_the_way = [rel for rel in files if (target / rel).exists()]
    if in_the_way:
        names = ", ".join(str(target / rel) for rel in in_the_way)
        raise ScaffoldError(f"already there: {names}; nothing was written (move them aside, or init another folder)")
    written = []
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        _create(path, text)
        written.append(path)
    ignore = target / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.is_file() else []
    if not any(line.strip() in ("site", "site/", "/site", "/site/") for line in lines):
        with ignore.open("a", encoding="utf-8", newline="\n") as handle:  # the site is built by CI, never committed
            handle.write(("\n" if lines else "") + "# sitegen's output, built by the Pages workflow\n/site/\n")
        written.append(ignore)
    return Started(tuple(written), source is not None)


def new_document(content_dir: Path, title: str, today: dt.date, component: str | None = None,
                 problem_type: str | None = None, severity: str | None = None, error_text: str | None = None) -> Path:
    """A new document from the template, dated, named after its title; returns its path."""
    title = " ".join(title.split())
    if not title:
        raise ScaffoldError("the title is empty; give one, e.g. sitegen new \"Celery task runs twice\"")
    error = _error_line(error_text) if error_text and error_text.strip() else None
    front = {
        "date": today,
        "problem_type": problem_type or None,
        "component": component or None,
        "symptoms": [error] if error else [],
        "root_cause": None,
        "resolution_type": None,
        "severity": severity or None,
        "tags": [],
    }
    dumped = yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000).replace(": null\n", ":\n")
    body = Template(_starter("document.md")).substitute(title=title, symptoms=_symptoms(error_text, error))
    slug = slugify(title)
    path = content_dir / f"{slug}.md"
    n = 2
    while path.exists():
        path = content_dir / f"{slug}-{n}.md"
        n += 1
    _create(path, f"---\n{dumped}---\n{body}")
    return path


def _error_line(text: str) -> str:
    """The line that names the error, found as the reader finds it in a document's code block."""
    fence = _fence(text)
    found = error_lines(f"{fence}text\n{text.strip()}\n{fence}")
    if found:
        return found[0]
    return next(line.strip() for line in reversed(text.strip().splitlines()) if line.strip())


def _fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text`, so the text cannot close it."""
    return "`" * max([3, *(len(run) + 1 for run in _BACKTICKS.findall(text))])


def _symptoms(text: str | None, error: str | None) -> str:
    if not text or error is None:
        return "- The error message, or what was seen instead of what was expected"
    fence = _fence(text)
    code = "`" + error.replace("`", "'") + "`"
    return f"- {code}\n\n{fence}text\n{text.strip()}\n{fence}"


def _create(path: Path, text: str) -> None:
    """Write a new file; never replaces one (O_EXCL), even one that appeared a moment ago."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
