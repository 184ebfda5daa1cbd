"""The gathered site: the one value the gathering stages (build.py) hand to the writing ones (pages.py).

It lives below both, so the writer can name it without importing the pipeline that makes it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

from sitegen.cache import CachedDoc
from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import Document, SourceFile
from sitegen.group import Entry, ErrorRow, Matrix, Taxonomy
from sitegen.render import RenderedDoc


@dataclass(frozen=True)
class Site:
    """Everything the writer needs, gathered before anything is written."""

    config: SiteConfig
    documents: tuple[Document, ...]
    urls: Mapping[str, str]  # source rel -> page url
    rendered: Mapping[str, RenderedDoc]  # source rel -> rendered body
    entries: tuple[Entry, ...]
    taxonomies: tuple[Taxonomy, ...]
    error_rows: tuple[ErrorRow, ...]
    matrix: Matrix | None
    assets: Mapping[str, SourceFile]  # output url -> source file
    problems: tuple[Problem, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    cache: Mapping[str, CachedDoc] = field(default_factory=dict)  # what the next build may reuse
    counts: Mapping[str, int] = field(default_factory=dict)  # how much of this build was redone
    history: Mapping[str, dt.date] = field(default_factory=dict)  # source rel -> last commit date (history.py)

    def taxonomy(self, name: str) -> Taxonomy | None:
        return next((t for t in self.taxonomies if t.name == name), None)
