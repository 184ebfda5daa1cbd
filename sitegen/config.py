"""Site configuration: read `sitegen.yml`, validate every key once, list every problem, freeze."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from sitegen.diagnostics import Problem
from sitegen.document import FrozenMap

CONFIG_NAME = "sitegen.yml"

CACHE_NAME = ".sitegen-cache"


def _themes_dir() -> Path:
    """The repository's top-level themes/ folder, shipped as the package data `sitegen.themes`
    (see pyproject.toml): found the same way in an editable install and in a wheel."""
    # find_spec, not importlib.resources: the same answer without importing the resources machinery,
    # a few hundredths of a second of every run (a build with nothing to do takes a few tenths).
    try:
        spec = importlib.util.find_spec("sitegen.themes")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(__file__).resolve().parent.parent / "themes"  # a source checkout run without installing


THEMES_DIR = _themes_dir()

# The suggested vocabulary of the troubleshooting template; a guide, not a wall.
DEFAULT_VOCABULARIES: Mapping[str, tuple[str, ...]] = FrozenMap(
    {
        "problem_type": (
            "import_error", "type_error", "runtime_error", "test_failure", "performance_issue",
            "database_issue", "security_issue", "api_error", "async_issue", "config_error",
            "logic_error", "dependency_issue", "developer_experience", "documentation_gap",
        ),
        "component": (
            "orm_model", "api_endpoint", "api_router", "service_layer", "repository", "background_task",
            "database", "cache", "authentication", "serializer", "middleware", "cli", "testing",
            "configuration", "logging", "external_api", "websocket", "graphql",
        ),
        "root_cause": (
            "circular_import", "missing_dependency", "wrong_import_order", "missing_eager_load",
            "missing_index", "wrong_async_usage", "session_scope", "connection_pool", "race_condition",
            "memory_leak", "config_error", "type_mismatch", "serialization_error", "cache_invalidation",
            "logic_error", "test_isolation", "missing_validation", "missing_permission",
            "version_incompatibility", "missing_migration",
        ),
        "resolution_type": (
            "code_fix", "migration", "config_change", "test_fix", "dependency_update", "dependency_pin",
            "environment_setup", "refactor", "documentation_update", "type_annotation",
        ),
        "severity": ("critical", "high", "medium", "low"),
    }
)

DEFAULT_TAXONOMIES = ("component", "problem_type", "tags", "severity", "root_cause")
KINDS = ("solution", "template", "index", "page")
RAW_HTML_POLICIES = ("sanitize", "escape", "keep")


@dataclass(frozen=True)
class SiteConfig:
    """Validated, frozen settings. Paths are absolute."""

    title: str = "Troubleshooting knowledge base"
    description: str = ""
    base_url: str = ""
    content_dir: Path = Path("docs")
    output_dir: Path = Path("site")
    theme: str = "default"
    theme_dir: Path | None = None  # a user folder searched before the theme: override one template
    taxonomies: tuple[str, ...] = DEFAULT_TAXONOMIES
    vocabularies: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: DEFAULT_VOCABULARIES)
    kinds: tuple[tuple[str, str], ...] = ()  # (glob, kind): overrides sitegen's own guess
    raw_html: str = "sanitize"
    recent_count: int = 10
    max_file_bytes: int = 5_000_000
    jobs: int = 0  # 0: one worker per core for large sites (parallel.AUTO_PARALLEL_ITEMS), none for small ones
    # Reading and browsing (issue 14): page language, edit/source links, last-updated dates.
    lang: str = "en"
    repo_url: str = ""  # e.g. https://github.com/org/kb: "Edit this page" and "View source" links
    edit_uri: str = ""  # from repo_url to the content folder, e.g. `edit/main/docs/`; see README
    last_updated: bool = True  # "Last updated" from git history (one `git log`), else the front-matter date
    # The build state and the record of what sitegen wrote: outside the site, so it publishes nothing else.
    # None: `.sitegen-cache/` beside the config file, or without one beside the output folder.
    cache_dir: Path | None = None
    config_path: Path | None = None

    def theme_dirs(self) -> tuple[Path, ...]:
        """Where templates and assets are looked up, first match wins."""
        dirs = [self.theme_dir] if self.theme_dir else []
        theme = Path(self.theme)
        dirs.append(theme if theme.is_absolute() else THEMES_DIR / self.theme)
        if self.theme != "default":
            dirs.append(THEMES_DIR / "default")
        return tuple(dirs)


_FIELD_NAMES = tuple(f.name for f in fields(SiteConfig) if f.name != "config_path")
_ALLOWED_KEYS = (*(_FIELD_NAMES), "vocabulary_extra")


def find_config(start: Path) -> Path | None:
    candidate = start / CONFIG_NAME
    return candidate if candidate.is_file() else None


def load_config(path: Path | None, overrides: Mapping[str, Any] | None = None) -> tuple[SiteConfig, list[Problem]]:
    """Read and validate a config file (or none), apply CLI overrides, return it frozen with all problems."""
    raw: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    problems: list[Problem] = []
    base = Path.cwd()
    shown = CONFIG_NAME
    if path is not None:
        base = path.resolve().parent
        shown = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(shown, None, None, "config", f"cannot read config: {exc}", "check the path and encoding", "error"))
            text = ""
        from sitegen.yamlsafe import load_yaml  # YAML only when there is a config file to read

        loaded = load_yaml(text)
        if loaded.error:
            err = loaded.error
            problems.append(Problem(shown, err.line, err.column, "config", f"invalid YAML: {err.message}", "fix the YAML syntax", "error"))
        elif loaded.data is not None and not isinstance(loaded.data, dict):
            problems.append(Problem(shown, 1, None, "config", "the config must be a mapping of keys to values", "write `key: value` lines", "error"))
        else:
            raw = dict(loaded.data or {})
            key_lines = loaded.key_lines
    values, more = _validate(raw, key_lines, shown, base)
    problems.extend(more)
    for key, value in (overrides or {}).items():
        if value is not None:
            values[key] = value
    config = SiteConfig(config_path=path.resolve() if path else None, **values)
    return _resolve_paths(config, base, overrides or {}), problems


def _resolve_paths(config: SiteConfig, base: Path, overrides: Mapping[str, Any]) -> SiteConfig:
    """Config paths are relative to the config file; CLI paths to the working directory."""

    def resolve(key: str, value: Path | None) -> Path | None:
        if value is None:
            return None
        root = Path.cwd() if overrides.get(key) is not None else base
        return (root / value).resolve()

    return replace(
        config,
        content_dir=resolve("content_dir", config.content_dir) or config.content_dir,
        output_dir=resolve("output_dir", config.output_dir) or config.output_dir,
        theme_dir=resolve("theme_dir", config.theme_dir),
        cache_dir=resolve("cache_dir", config.cache_dir or (Path(CACHE_NAME) if config.config_path else None)),
    )


def _validate(raw: Mapping[str, Any], key_lines: Mapping[str, int], shown: str, base: Path) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def report(key: str, message: str, fix: str) -> None:
        problems.append(Problem(shown, key_lines.get(key), None, "config", message, fix, "error"))

    for key, value in raw.items():
        key = str(key)
        if key not in _ALLOWED_KEYS:
            import difflib

            guess = difflib.get_close_matches(key, _ALLOWED_KEYS, n=1)
            fix = f"did you mean `{guess[0]}`?" if guess else f"known keys: {', '.join(_ALLOWED_KEYS)}"
            report(key, f"unknown key `{key}`", fix)
        elif key in ("title", "description", "base_url", "theme"):
            if not isinstance(value, str):
                report(key, f"`{key}` must be text, got {type(value).__name__}", f"write `{key}: \"...\"`")
            else:
                values[key] = value.strip()
        elif key in ("content_dir", "output_dir", "theme_dir", "cache_dir"):
            if not isinstance(value, str) or not value.strip():
                report(key, f"`{key}` must be a folder path", f"write `{key}: path/to/folder`")
            else:
                values[key] = Path(value)
        elif key in ("recent_count", "max_file_bytes", "jobs"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                report(key, f"`{key}` must be a whole number of 0 or more", f"write `{key}: 10`")
            else:
                values[key] = value
        elif key in ("lang", "repo_url", "edit_uri"):
            if not isinstance(value, str) or (key == "lang" and not re.fullmatch(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*", value.strip())):
                example = {"lang": "en-GB", "repo_url": "https://github.com/org/kb", "edit_uri": "edit/main/docs/"}[key]
                report(key, f"`{key}` must be {'a language tag' if key == 'lang' else 'text'}", f"write `{key}: {example}`")
            else:
                values[key] = value.strip()
        elif key == "last_updated":
            if not isinstance(value, bool):
                report(key, "`last_updated` must be true or false", "write `last_updated: false`")
            else:
                values[key] = value
        elif key == "raw_html":
            if value not in RAW_HTML_POLICIES:
                report(key, f"`raw_html` must be one of {', '.join(RAW_HTML_POLICIES)}", "write `raw_html: sanitize`")
            else:
                values[key] = value
        elif key == "taxonomies":
            names = _string_list(value)
            if names is None or not names:
                report(key, "`taxonomies` must be a list of front-matter field names", "write `taxonomies: [component, problem_type, tags]`")
            else:
                values[key] = tuple(dict.fromkeys(names))
        elif key in ("vocabularies", "vocabulary_extra"):
            vocab = _vocab_mapping(value)
            if vocab is None:
                report(key, f"`{key}` must map field names to lists of values", f"write `{key}: {{problem_type: [llm_issue]}}`")
            else:
                merged = dict(values.get("vocabularies", DEFAULT_VOCABULARIES))
                for name, words in vocab.items():
                    merged[name] = tuple(dict.fromkeys((*merged.get(name, ()), *words))) if key == "vocabulary_extra" else words
                values["vocabularies"] = FrozenMap(merged)
        elif key == "kinds":
            kinds = _kind_globs(value)
            if kinds is None:
                report(key, f"`kinds` must map file globs to one of {', '.join(KINDS)}", "write `kinds: {\"**/README.md\": index}`")
            else:
                values[key] = kinds
    return values, problems


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


def _vocab_mapping(value: Any) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(value, dict):
        return None
    out: dict[str, tuple[str, ...]] = {}
    for name, words in value.items():
        items = _string_list(words)
        if items is None:
            return None
        out[str(name)] = tuple(items)
    return out


def _kind_globs(value: Any) -> tuple[tuple[str, str], ...] | None:
    if not isinstance(value, dict):
        return None
    pairs = []
    for glob, kind in value.items():
        if kind not in KINDS:
            return None
        pairs.append((str(glob), str(kind)))
    return tuple(pairs)
