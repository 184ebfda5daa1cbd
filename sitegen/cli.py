"""Command line: `sitegen build`, `check`, `serve`, `init`, `new` and `lookup`, one `run_*` function each."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Sequence

from sitegen import __version__
from sitegen.arguments import config_from_args, config_source
from sitegen.config import CONFIG_NAME, SiteConfig
from sitegen.diagnostics import Problem, summarise
from sitegen.progress import plural, reporter

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
  sitegen init my-kb                        start a knowledge base with a GitHub Pages workflow
  sitegen new "Celery task runs twice"      a new document from the template
  sitegen lookup build.log                  the documents that fix the error in a log

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


def make_parser(with_lookup: bool = True) -> argparse.ArgumentParser:
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
    build.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes for reading, rendering and search analysis (default: one per core from 3,000 documents, none below)")
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
    _init_parser(commands)
    _new_parser(commands)
    if with_lookup:
        from sitegen.lookup_cli import add_parser as add_lookup  # `sitegen lookup`: its own module

        add_lookup(commands)
    return parser


# Commands whose parsing needs no `lookup` subcommand: their runs skip importing the lookup
# machinery (its matcher and ranking), a tenth of a second of every `sitegen build`.
WITHOUT_LOOKUP = ("build", "check", "serve")


def _init_parser(commands: Any) -> None:
    init = commands.add_parser("init", help="start a knowledge base: config, a docs folder, a GitHub Pages workflow",
                               formatter_class=argparse.RawDescriptionHelpFormatter,
                               description=textwrap.dedent(f"""\
                                   Write into DIR (default: the current folder) a commented {CONFIG_NAME}, a docs/
                                   folder with one example document, a GitHub Pages workflow
                                   (.github/workflows/pages.yml: lint on pull requests, publish from main) and
                                   the requirements-docs.txt it installs sitegen from. Nothing that exists is
                                   overwritten."""))
    init.add_argument("dir", nargs="?", default=".", metavar="DIR", help="folder to start in (default: the current one)")
    init.add_argument("--title", help="site title (default: from the folder's name)")
    init.add_argument("--source", metavar="SPEC",
                      help="how CI installs sitegen, e.g. 'sitegen @ git+https://github.com/you/sitegen@v0.1.0' "
                           "(default: the git URL this sitegen was installed from, if any)")


def _new_parser(commands: Any) -> None:
    new = commands.add_parser("new", help="write a new document from the template; prints its path",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              description=textwrap.dedent("""\
                                  Write a new document, dated today, into the content folder, named after its
                                  title (`Celery task runs twice` -> celery-task-runs-twice.md), with the
                                  template's sections to fill in. With --from-error -, paste an error message or
                                  a whole traceback (end with Ctrl-D): its error line becomes the first symptom,
                                  and the paste goes under Symptoms."""),
                              epilog='example: pytest 2>&1 | tail -20 | sitegen new "Flaky session fixture" --from-error -')
    new.add_argument("title", help="the document's title")
    new.add_argument("--dir", dest="content_dir", metavar="DIR",
                     help="content folder to write into (default: content_dir from the config, else ./docs)")
    new.add_argument("-c", "--config", metavar="FILE", type=Path, help=f"config file (default: ./{CONFIG_NAME} if it exists)")
    new.add_argument("--component", help="e.g. database, api_endpoint")
    new.add_argument("--problem-type", help="e.g. runtime_error, config_error")
    new.add_argument("--severity", choices=("critical", "high", "medium", "low"))
    new.add_argument("--from-error", metavar="-", help="read a pasted error or traceback from standard input")
    new.set_defaults(format="text", quiet=True)


def report(problems: Sequence[Problem], fmt: str, show_info: bool, stream: Any, config: SiteConfig | None = None) -> None:
    root = repository_root(Path.cwd()) if fmt == "github" else None
    for problem in problems:
        if problem.level == "info" and not show_info:
            continue
        if fmt == "github":
            print(problem.format_github(annotation_path(problem, config, root or Path.cwd())), file=stream)
        else:
            print(problem.format_text(), file=stream)
    print(summarise(problems), file=sys.stderr)


def repository_root(start: Path) -> Path | None:
    """The git work tree holding `start`: GitHub attaches annotations to paths relative to it."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def annotation_path(problem: Problem, config: SiteConfig | None, root: Path) -> str:
    """A problem's file relative to `root`; document paths are relative to the content folder."""
    path = Path(problem.path)
    if not path.is_absolute():
        base = Path.cwd() if problem.kind == "config" or config is None else config.content_dir
        path = base / path
    path = Path(os.path.normpath(path))
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def exit_status(problems: Sequence[Problem], strict: bool) -> int:
    return 1 if strict and any(p.level in ("warning", "error") for p in problems) else 0


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    parser = make_parser(with_lookup=not (given and given[0] in WITHOUT_LOOKUP))
    args = parser.parse_args(given)
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "init":
        return run_init(args)
    if args.command == "lookup":  # reads its own settings: no content folder needed
        from sitegen.lookup_cli import run_lookup

        return run_lookup(args)
    config, config_problems = config_from_args(args)
    if config_problems:
        report(config_problems, args.format, True, sys.stderr)
        print("sitegen: fix the configuration above, then run again", file=sys.stderr)
        return 2
    if args.command == "new":
        return run_new(config, args)
    reporter(args.quiet)(config_source(config))
    if args.command == "check":
        return run_check(config, args)
    if args.command == "build":
        return run_build(config, args)
    from sitegen.serve import run_serve

    return run_serve(config, args)


def run_check(config: SiteConfig, args: argparse.Namespace) -> int:
    from sitegen.build import gather

    site = gather(config, reporter(args.quiet))
    kinds: dict[str, int] = {}
    for doc in site.documents:
        kinds[doc.kind] = kinds.get(doc.kind, 0) + 1
    report(site.problems, args.format, args.show_info, sys.stdout, config)
    if not args.quiet:
        names = {"index": ("index page", "index pages"), "page": ("plain page", "plain pages")}
        counts = ", ".join(plural(n, *names.get(k, (k,))) for k, n in sorted(kinds.items()))
        print(f"sitegen: checked {plural(len(site.documents), 'document')} ({counts or 'none'})", file=sys.stderr)
    return exit_status(site.problems, args.strict)


def run_build(config: SiteConfig, args: argparse.Namespace) -> int:
    # Only what the up-to-date check needs: the pipeline (Markdown, Jinja, search) is imported
    # when there is something to build.
    from sitegen import stamp
    from sitegen.folders import OutputLock, state_folder_for
    from sitegen.keys import settings_key
    from sitegen.write import RECORD, OutputError, check_output_dir

    started = time.perf_counter()
    try:
        folder = state_folder_for(config.output_dir, config.cache_dir)
        check_output_dir(config.output_dir, config.content_dir, folder / RECORD)
        # Held from before the inputs are hashed until the state is saved: no other build interleaves.
        with OutputLock(config.output_dir.resolve()):
            recorded = stamp.load(folder)
            now = stamp.snapshot(config, recorded)
            key = stamp.stamp_key(config, settings_key(config))
            last = None if args.force else stamp.up_to_date(config, folder, key, now, recorded)
            if last is not None and now.racy:
                stamp.refresh(folder, last, now)  # else every later check reads those files again
            result = None
            if last is None:
                from sitegen.build import build

                result = build(config, reporter(args.quiet), now, locked=True)
    except OutputError as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sitegen: error: {write_error(exc, config.output_dir)}", file=sys.stderr)
        return 2
    if last is not None:
        report(last.problems, args.format, args.show_info, sys.stderr, config)
        reporter(args.quiet)(f"nothing changed since the last build ({plural(len(last.inputs), 'input file')} checked)")
        print(f"sitegen: built {plural(last.pages, 'page')} (0 written, {len(last.outputs):,} unchanged, 0 removed) "
              f"in {time.perf_counter() - started:.2f}s", file=sys.stderr)
        print(f"sitegen: open {(config.output_dir / 'index.html').as_uri()}", file=sys.stderr)
        return exit_status(last.problems, args.strict)
    assert result is not None
    report(result.site.problems, args.format, args.show_info, sys.stderr, config)
    index = result.output_dir / "index.html"
    print(f"sitegen: built {plural(result.pages, 'page')} ({result.written:,} written, {result.unchanged:,} unchanged, "
          f"{result.removed:,} removed) in {result.seconds:.2f}s", file=sys.stderr)
    print(f"sitegen: open {index.as_uri()}", file=sys.stderr)
    return exit_status(result.site.problems, args.strict)


def run_init(args: argparse.Namespace) -> int:
    from sitegen.scaffold import REQUIREMENTS, ScaffoldError, init_site

    target = Path(args.dir)
    title = args.title or f"{Path.cwd().name if args.dir == '.' else target.resolve().name} knowledge base"
    try:
        started = init_site(target, title, args.source, dt.date.today())
    except (ScaffoldError, OSError) as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    for path in started.written:
        print(f"sitegen: wrote {path}", file=sys.stderr)
    if not started.source_known:
        print(f"sitegen: note: write the line that installs sitegen into {target / REQUIREMENTS} "
              "(a git URL or a wheel) before you push; the Pages workflow installs from it", file=sys.stderr)
    where = "" if args.dir == "." else f"cd {args.dir} && "
    print(f"sitegen: next: {where}sitegen serve --open   (then commit, push, and turn on Pages: "
          "Settings -> Pages -> Source: GitHub Actions)", file=sys.stderr)
    return 0


def run_new(config: SiteConfig, args: argparse.Namespace) -> int:
    from sitegen.scaffold import ScaffoldError, new_document

    error_text = None
    if args.from_error is not None:
        if args.from_error != "-":
            print("sitegen: error: --from-error reads standard input only: write `--from-error -` and paste, "
                  "or pipe the error in", file=sys.stderr)
            return 2
        error_text = sys.stdin.read()
    try:
        path = new_document(config.content_dir, args.title, dt.date.today(), args.component, args.problem_type,
                            args.severity, error_text)
    except (ScaffoldError, OSError) as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


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
