"""sitegen.yml: validated once, every problem listed with its line, then frozen; flags override it."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from sitegen.config import DEFAULT_TAXONOMIES, load_config


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_defaults_without_a_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config, problems = load_config(None)
    assert problems == []
    assert config.content_dir == tmp_path / "docs"
    assert config.output_dir == tmp_path / "site"
    assert config.taxonomies == DEFAULT_TAXONOMIES


def test_every_problem_is_listed_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "sitegen.yml", """
        title: My KB
        taxonomy: [component]
        recent_count: lots
        raw_html: allow
        kinds: {"**/README.md": nonsense}
        """)
    _, problems = load_config(path)
    found = {(p.line, p.message.split("`")[1] if "`" in p.message else p.message) for p in problems}
    assert (2, "taxonomy") in found
    assert (3, "recent_count") in found
    assert (4, "raw_html") in found
    assert (5, "kinds") in found
    assert all(p.path == str(path) and p.level == "error" for p in problems)
    assert "did you mean `taxonomies`?" in [p for p in problems if p.line == 2][0].fix


def test_invalid_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "sitegen.yml", "title: ok\ntaxonomies: [a, b\n")
    _, problems = load_config(path)
    assert len(problems) == 1 and problems[0].line is not None and "invalid YAML" in problems[0].message


def test_paths_are_relative_to_the_config_file_and_flags_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "proj").mkdir()
    path = write(tmp_path / "proj" / "sitegen.yml", "content_dir: notes\noutput_dir: public\n")
    monkeypatch.chdir(tmp_path)
    config, _ = load_config(path)
    assert config.content_dir == tmp_path / "proj" / "notes"
    config, _ = load_config(path, {"output_dir": Path("elsewhere"), "title": "From flag"})
    assert config.output_dir == tmp_path / "elsewhere"
    assert config.title == "From flag"


def test_config_is_frozen(tmp_path: Path) -> None:
    config, _ = load_config(None, {"content_dir": tmp_path})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.title = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.vocabularies["problem_type"] = ()  # type: ignore[index]


def test_vocabularies_can_be_replaced_or_extended(tmp_path: Path) -> None:
    path = write(tmp_path / "sitegen.yml", """
        vocabularies:
          component: [frontend, backend]
        vocabulary_extra:
          problem_type: [llm_issue]
        """)
    config, problems = load_config(path)
    assert problems == []
    assert config.vocabularies["component"] == ("frontend", "backend")
    assert "llm_issue" in config.vocabularies["problem_type"]
    assert "import_error" in config.vocabularies["problem_type"]
