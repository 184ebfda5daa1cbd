"""Command line: `sitegen build`, `sitegen check`, `sitegen serve`."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Sequence

from sitegen import __version__
from sitegen.config import CONFIG_NAME, SiteConfig, find_config, load_config
from sitegen.diagnostics import Problem, summarise

DESCRIPTION = """\
Turn a folder of troubleshooting write-ups (Markdown, with or without YAML front matter)
into a static, searchable knowledge-base website.
"""

EPILOG = f"""\
examples:
  sitegen build docs/solutions -o site      build a folder into site/
  sitegen build                             use ./{CONFIG_NAME} (content_dir, output_dir, ...)
  sitegen check docs/solutions --strict     lint without writing; exit 1 on any warning
  sitegen serve docs/solutions --open       live preview on http://127.0.0.1:8000/

Settings come from {CONFIG_NAME} (in the current folder, or --config FILE); flags override it.
Every problem is printed as FILE:LINE:COLUMN: level: message (fix: ...).
"""


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("content_dir", nargs="?", metavar="DIR",
                        help="folder of Markdown documents (default: content_dir from the config, else ./docs)")
    parser.add_argument("-c", "--config", metavar="FILE", type=Path,
                        help=f"config file (default: ./{CONFIG_NAME} if it exists)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 if any warning or error is reported (for CI)")
    parser.add_argument("--format", choices=("text", "github"), default="text",
                        help="how problems are printed: text, or GitHub Actions annotations (default: text)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only problems and the summary")
    parser.add_argument("--show-info", action="store_true",
                        help="also print info-level notes (values outside the suggested vocabulary, key aliases)")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    build = commands.add_parser("build", help="build the site into the output folder",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description=textwrap.dedent("""\
                                    Read every .md file below DIR, then write the site: a page per document,
                                    pages per component, problem type, tag, severity and root cause, the error
                                    table, a home page and a search index. Nothing is written until every
                                    document has been read; a bad document is reported and the build goes on.
                                    Files sitegen did not write are never deleted.

                                    A repeated build redoes only what changed, and when no input file (document,
                                    image, theme file, compared by content), setting or output file changed at
                                    all it stops at once; --force skips that check."""))
    _common(build)
    build.add_argument("-o", "--output", metavar="OUT", type=Path, help="output folder (default: output_dir from the config, else ./site)")
    build.add_argument("--base-url", metavar="URL", help="public address of the site, e.g. https://me.github.io/kb/ (enables sitemap.xml)")
    build.add_argument("--title", help="site title")
    build.add_argument("--theme-dir", metavar="DIR", type=Path, help="folder searched before the theme, to override single templates or assets")
    build.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes for reading, rendering and pages (default: one per core)")
    build.add_argument("--force", action="store_true", help="build even when no file seems to have changed since the last build")

    check = commands.add_parser("check", help="read and validate documents without writing anything",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description=textwrap.dedent("""\
                                    Read, normalise and render every document and report every problem with
                                    file, line and a suggested fix, without writing anything. Exit status: 0,
                                    or 1 with --strict when any warning or error was found, 2 for a bad config.
                                    Use --format github in a pull-request workflow to annotate the diff."""))
    _common(check)

    serve = commands.add_parser("serve", help="build, serve on 127.0.0.1, rebuild on change and reload the browser")
    _common(serve)
    serve.add_argument("-o", "--output", metavar="OUT", type=Path, help="output folder (default: output_dir from the config, else ./site)")
    serve.add_argument("-p", "--port", type=int, default=8000, help="port (default: 8000; 0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--open", action="store_true", help="open the site in a browser")
    serve.add_argument("--mount", default="/", metavar="PATH", help="serve under a sub-path, e.g. /kb/, to preview GitHub Pages")
    serve.add_argument("--title", help="site title")
    serve.add_argument("--base-url", metavar="URL", help=argparse.SUPPRESS)
    serve.add_argument("--theme-dir", metavar="DIR", type=Path, help="folder searched before the theme")
    serve.add_argument("-j", "--jobs", type=int, metavar="N", help=argparse.SUPPRESS)
    return parser


def config_from_args(args: argparse.Namespace) -> tuple[SiteConfig, list[Problem]]:
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
    if args.content_dir is None and path is None and not config.content_dir.is_dir():
        problems.append(Problem(str(config.content_dir), None, None, "config", "no content folder given and ./docs does not exist",
                                f"run `sitegen {args.command} DIR`, or write content_dir in {CONFIG_NAME}", "error"))
    elif not config.content_dir.is_dir():
        problems.append(Problem(str(config.content_dir), None, None, "config", "content folder does not exist",
                                "check the path given as DIR or content_dir", "error"))
    return config, problems


def report(problems: Sequence[Problem], fmt: str, show_info: bool, stream: Any) -> None:
    for problem in problems:
        if problem.level == "info" and not show_info:
            continue
        print(problem.format_github() if fmt == "github" else problem.format_text(), file=stream)
    print(summarise(problems), file=sys.stderr)


def exit_status(problems: Sequence[Problem], strict: bool) -> int:
    return 1 if strict and any(p.level in ("warning", "error") for p in problems) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    config, config_problems = config_from_args(args)
    if config_problems:
        report(config_problems, args.format, True, sys.stderr)
        print("sitegen: fix the configuration above, then run again", file=sys.stderr)
        return 2
    if args.command == "check":
        return run_check(config, args)
    if args.command == "build":
        return run_build(config, args)
    from sitegen.serve import run_serve

    return run_serve(config, args)


def _progress(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    def say(message: str) -> None:
        if not args.quiet:
            print(f"sitegen: {message}", file=sys.stderr, flush=True)

    return say


def run_check(config: SiteConfig, args: argparse.Namespace) -> int:
    from sitegen.build import gather

    site = gather(config, _progress(args))
    kinds: dict[str, int] = {}
    for doc in site.documents:
        kinds[doc.kind] = kinds.get(doc.kind, 0) + 1
    report(site.problems, args.format, args.show_info, sys.stdout)
    if not args.quiet:
        plural = {"index": "index pages", "page": "plain pages", "solution": "solutions", "template": "templates"}
        counts = ", ".join(f"{n} {plural.get(k, k) if n != 1 else k}" for k, n in sorted(kinds.items()))
        print(f"sitegen: checked {len(site.documents)} documents ({counts or 'none'})", file=sys.stderr)
    return exit_status(site.problems, args.strict)


def run_build(config: SiteConfig, args: argparse.Namespace) -> int:
    from sitegen import stamp
    from sitegen.build import build, check_output
    from sitegen.cache import settings_key, state_folder
    from sitegen.folders import OutputLock
    from sitegen.write import OutputError

    started = time.perf_counter()
    try:
        check_output(config)
        # Held from before the inputs are hashed until the state is saved: no other build interleaves.
        with OutputLock(config.output_dir.resolve()):
            now = stamp.snapshot(config)
            key = stamp.stamp_key(config, settings_key(config))
            last = None if args.force else stamp.up_to_date(config, state_folder(config), key, now)
            result = None if last is not None else build(config, _progress(args), now, locked=True)
    except OutputError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sitegen: error: {write_error(exc, config.output_dir)}", file=sys.stderr)
        return 2
    if last is not None:
        report(last.problems, args.format, args.show_info, sys.stderr)
        _progress(args)(f"nothing changed since the last build ({len(last.inputs)} input files checked)")
        print(f"sitegen: built {last.pages} pages (0 written, {len(last.outputs)} unchanged, 0 removed) "
              f"in {time.perf_counter() - started:.2f}s", file=sys.stderr)
        print(f"sitegen: open {(config.output_dir / 'index.html').as_uri()}", file=sys.stderr)
        return exit_status(last.problems, args.strict)
    assert result is not None
    report(result.site.problems, args.format, args.show_info, sys.stderr)
    index = result.output_dir / "index.html"
    print(f"sitegen: built {result.pages} pages ({result.written} written, {result.unchanged} unchanged, "
          f"{result.removed} removed) in {result.seconds:.2f}s", file=sys.stderr)
    print(f"sitegen: open {index.as_uri()}", file=sys.stderr)
    return exit_status(result.site.problems, args.strict)


def write_error(exc: OSError, output_dir: Path) -> str:
    """One line for a failed write or read of the output: what, where, and what to do."""
    import errno

    where = exc.filename or output_dir
    fixes = {
        errno.ENOSPC: "free some space on that disk and build again",
        errno.EDQUOT: "free some space (your disk quota is full) and build again",
        errno.EROFS: "that filesystem is read-only: choose another output folder (-o)",
        errno.EACCES: "you may not write there: fix its permissions or choose another output folder (-o)",
        errno.EPERM: "you may not write there: fix its permissions or choose another output folder (-o)",
    }
    fix = fixes.get(exc.errno or 0, "fix the cause and build again")
    return f"cannot write {where}: {exc.strerror or exc}; {fix}; the next build that succeeds writes the whole site"
