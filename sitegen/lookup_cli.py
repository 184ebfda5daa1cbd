"""`sitegen lookup [FILE|-]`: the command line around sitegen.lookup (its parser, its index, its output)."""

from __future__ import annotations

import argparse
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from sitegen.config import CONFIG_NAME, SiteConfig, find_config, load_config
from sitegen.lookup import FORMATS, INDEX_FILE, MIN_CONFIDENCE, LoadedIndex, exit_status, index_from_files, load_index, lookup


def add_parser(commands: Any) -> None:
    """The `lookup` subcommand, added to sitegen's subparsers."""
    parser = commands.add_parser(
        "lookup", help="find the documents that fix the error in a log (exit 1 when none does)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent(f"""\
            Read a log, a traceback or an error message (a whole CI log included), find its error
            lines (exceptions, Error:/FATAL/failed lines, the last frames of a traceback; timestamps,
            paths, line numbers, addresses, ids and colours masked), and rank the knowledge base's
            documents for them with the site's search index and the browser's ranking.

            The index is the built site's {INDEX_FILE} (--site, default the configured output
            folder); with no built site it is built from the content folder, writing nothing.
            Exit status: 0 when a document matched with --min-confidence or more, 1 when none did,
            2 when no index could be read."""))
    parser.add_argument("log", nargs="?", default="-", metavar="FILE",
                        help="the log to read; - or nothing: standard input")
    parser.add_argument("--site", metavar="DIR", type=Path,
                        help="built site whose search index is used (default: output_dir from the config, else ./site)")
    parser.add_argument("--content", metavar="DIR", type=Path,
                        help="content folder to build the index from when there is no built site (default: content_dir)")
    parser.add_argument("-c", "--config", metavar="FILE", type=Path,
                        help=f"config file (default: ./{CONFIG_NAME} if it exists)")
    parser.add_argument("--base-url", metavar="URL", help="public address of the site, for absolute links (default: base_url)")
    parser.add_argument("--format", choices=tuple(FORMATS), default="text",
                        help="text, json (for scripts) or markdown (for a job summary); default: text")
    parser.add_argument("-n", "--limit", type=int, default=5, metavar="N", help="matches shown at most (default: 5)")
    parser.add_argument("--min-confidence", type=float, default=MIN_CONFIDENCE, metavar="X",
                        help=f"share (0-1) of the error line's weighted terms a document must hold (default: {MIN_CONFIDENCE})")


def _config(args: argparse.Namespace) -> SiteConfig:
    path = args.config if args.config else find_config(Path.cwd())
    overrides = {"content_dir": args.content, "output_dir": args.site, "base_url": args.base_url}
    config, problems = load_config(path, overrides)
    errors = [p for p in problems if p.level == "error"]
    if errors:
        raise LookupError("; ".join(p.format_text() for p in errors))
    return config


def index_for(config: SiteConfig, say: Any) -> LoadedIndex:
    """The built site's index, else one built in memory from the content folder."""
    if (config.output_dir / INDEX_FILE).is_file():
        return load_index(config.output_dir)
    if not config.content_dir.is_dir():
        raise LookupError(f"no search index at {config.output_dir / INDEX_FILE} and no content folder at "
                          f"{config.content_dir}: build the site first, or give --site or --content")
    from sitegen.build import gather
    from sitegen.pages import search_entries
    from sitegen.pages import analyse_entries
    from sitegen.shards import build_files

    started = time.perf_counter()
    site = gather(config)
    entries = search_entries(site)
    files = build_files(entries, analyse_entries(entries, {}, config.jobs)[0])
    say(f"no built site at {config.output_dir}: indexed {len(entries)} entries of {config.content_dir} "
        f"in {time.perf_counter() - started:.1f}s")
    fixes = {entry.url: entry.solution for entry in site.entries}
    return index_from_files(files, fixes, str(config.content_dir))


def _read_log(name: str) -> str:
    if name == "-":
        return sys.stdin.buffer.read().decode("utf-8", errors="replace")
    return Path(name).read_bytes().decode("utf-8", errors="replace")


def run_lookup(args: argparse.Namespace) -> int:
    def say(message: str) -> None:
        print(f"sitegen lookup: {message}", file=sys.stderr, flush=True)

    try:
        config = _config(args)
        log = _read_log(args.log)
        loaded = index_for(config, say)
    except (LookupError, OSError, ValueError) as exc:
        say(f"error: {exc}")
        return 2
    result = lookup(log, loaded, config.base_url, max(1, args.limit), args.min_confidence)
    name = "standard input" if args.log == "-" else args.log
    print(FORMATS[args.format](result, name))
    return exit_status(result)
