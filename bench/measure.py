"""Build measurements, each in its own subprocess so its wall time and peak memory are its own.

Peak memory is read two ways: `os.wait4` gives the child's own rusage (ru_maxrss: the largest
resident set of the build process or of any worker it waited for), and a sampler sums the
resident sets of the whole process tree every 50 ms (a parallel build's workers together).
"""

from __future__ import annotations

import compileall
import functools
import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

from bench.generate import edit_document

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")
BUILT = re.compile(r"built (\d+) pages .* in ([0-9.]+)s")
JSON_MARK = "BENCH-JSON "
# Where an incremental build might keep its state; a clean build starts without any of it.
CACHE_NAMES = (".sitegen-cache",)

# Runs in a fresh interpreter: one in-process build, its per-stage timings as one JSON line.
# Its `cpu`: CPU seconds (this process and its waited-for workers) of gather (read, render, group),
# pages, index and write (the rest), steadier than the wall `timings` on a busy machine.
STAGES_SCRIPT = """
import json, os, sys, time
from pathlib import Path
from sitegen import build as build_module, pages as pages_module
from sitegen.build import build
from sitegen.config import load_config
marks = {}
def used():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
def marked(module, name, before, after):
    call = getattr(module, name)
    def wrapper(*args, **kwargs):
        if before:
            marks[before] = used()
        value = call(*args, **kwargs)
        if after:
            marks[after] = used()
        return value
    setattr(module, name, wrapper)
marked(build_module, "gather", "start", "gathered")
marked(pages_module, "index_files", "paged", None)  # (its files are made as render_site writes them)
marked(pages_module, "render_site", None, "indexed")
config, problems = load_config(None, {"content_dir": Path(sys.argv[1]), "output_dir": Path(sys.argv[2])})
result = build(config)
marks["end"] = used()
timings = dict(result.site.timings)
cpu = {}
if set(marks) == {"start", "gathered", "paged", "indexed", "end"}:
    cpu = {"gather": marks["gathered"] - marks["start"], "pages": marks["paged"] - marks["gathered"],
           "index": marks["indexed"] - marks["paged"], "write": marks["end"] - marks["indexed"]}
out = {"timings": timings, "cpu": cpu, "pages": result.pages, "written": result.written, "seconds": result.seconds,
       "documents": len(result.site.documents),
       "errors": sum(1 for p in (*problems, *result.site.problems) if p.level == "error")}
if "index" not in timings:
    # The build does not time the index on its own yet: time it once more, after the build.
    from sitegen.pages import search_entries
    from sitegen.search import analyse
    from sitegen.shards import build_files
    mark = time.perf_counter()
    entries = search_entries(result.site)
    build_files(entries, [analyse(e) for e in entries])
    out["index_timed_separately"] = time.perf_counter() - mark
print("BENCH-JSON " + json.dumps(out), flush=True)
"""


# Runs in a fresh interpreter: one-document edits built in-process, as `sitegen serve` rebuilds
# (imports done, the process warm); the first build, which checks what the CLI left, is not timed.
WARM_EDITS_SCRIPT = """
import json, statistics, sys, time
from pathlib import Path
from bench.generate import edit_document
from sitegen.build import build
from sitegen.config import load_config
content, output, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
docs = sys.argv[4:]
config, problems = load_config(None, {"content_dir": content, "output_dir": output})
kept = build(config).kept  # serve hands each build the state the last one saved
seconds, cpu, index = [], [], []
for n in range(count):
    edit_document(content / docs[(n * 89 + 7) % len(docs)], 100 + n)
    wall, used = time.perf_counter(), time.process_time()
    result = build(config, kept=kept)
    kept = result.kept
    seconds.append(time.perf_counter() - wall)
    cpu.append(time.process_time() - used)
    index.append(result.site.timings.get("index", 0.0))
print("BENCH-JSON " + json.dumps({"count": count, "median_seconds": statistics.median(seconds),
      "median_cpu_seconds": statistics.median(cpu), "median_index_seconds": statistics.median(index), "seconds": seconds}), flush=True)
"""


@dataclass(frozen=True)
class Run:
    """One measured subprocess."""

    seconds: float  # wall time of the whole process, interpreter start included
    cpu_seconds: float  # user + system CPU of the process and its waited-for workers: steadier on a busy machine
    max_rss_mb: float  # ru_maxrss of the child (largest single process)
    tree_rss_mb: float  # peak of the sampled sum of PSS over the child's process tree
    build_seconds: float | None  # what `sitegen build` itself reports
    returncode: int
    output: str


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    children = _children()
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, ()))
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:  # no smaps_rollup (kernels before 4.14): resident size, which over-counts shared pages
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return 0


@functools.cache
def _compile_sitegen() -> None:
    """Bytecode for the sitegen measured, as an installed package has it (pip compiles at install).

    Without it, where PYTHONDONTWRITEBYTECODE is set (as in some CI and sandbox shells), every
    measured build compiled sitegen's forty-odd modules from source: about 0.1 s of CPU each time.
    """
    compileall.compile_dir(str(ROOT / "sitegen"), quiet=1)


def _env() -> dict[str, str]:
    """The sitegen beside this bench package comes first, whatever copy the venv has installed."""
    _compile_sitegen()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_measured(cmd: Sequence[str], cwd: Path, timeout: float = 3600) -> Run:
    """Run `cmd`, wait for it with wait4 (its own rusage) while sampling its tree's memory."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=_env())
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            # Memory of the whole tree, as PSS: forked workers share most of their pages with the
            # parent, and summing RSS would count those once per worker. Listing the tree scans
            # all of /proc, so it is refreshed less often than the memory is read: the sampler
            # must not take much of the CPU it is measuring.
            pids, listed = [proc.pid], 0.0
            while not done.is_set():
                if time.perf_counter() - listed > 0.25:
                    pids, listed = _tree(proc.pid), time.perf_counter()
                peak[0] = max(peak[0], sum(_pss(p) for p in pids))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
            done.set()
        seconds = time.perf_counter() - started
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    built = BUILT.search(text)
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 2**20, float(built.group(2)) if built else None,
               proc.returncode, text[-4000:])


def sitegen_cmd(content: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", str(content), "-o", str(output), "-q"]


def clean(work: Path, content: Path, output: Path) -> None:
    """Remove the output and any build cache, so the next build starts from nothing."""
    shutil.rmtree(output, ignore_errors=True)
    for folder in (work, content, output.parent):
        for name in CACHE_NAMES:
            shutil.rmtree(folder / name, ignore_errors=True)


def checked(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise RuntimeError(f"{what} exited with {run.returncode}:\n{run.output}")
    return run


def index_size(output: Path) -> dict[str, int]:
    """The search index's files together (manifest, term shards, store chunks), and the manifest alone."""
    paths = [output / "search-index.js", *sorted((output / "search").glob("*.js"))]
    datas = [p.read_bytes() for p in paths]
    return {"raw_bytes": sum(len(d) for d in datas), "gzip_bytes": sum(len(gzip.compress(d, 9, mtime=0)) for d in datas),
            "files": len(paths), "manifest_gzip_bytes": len(gzip.compress(datas[0], 9, mtime=0))}


def stage_timings(content: Path, output: Path, work: Path, clean_first: bool = True) -> dict[str, Any]:
    """A clean (or, with clean_first False, incremental) in-process build in a fresh interpreter;
    its per-stage seconds and counts."""
    if clean_first:
        clean(work, content, output)
    run = checked(run_measured([sys.executable, "-c", STAGES_SCRIPT, str(content), str(output)], work), "stage timings")
    line = next(line for line in run.output.splitlines() if line.startswith(JSON_MARK))
    result = json.loads(line[len(JSON_MARK):])
    result["max_rss_mb"] = run.max_rss_mb
    return result


def warm_edits(content: Path, output: Path, work: Path, docs: Sequence[str], count: int) -> dict[str, Any]:
    """Median wall and CPU seconds of `count` one-document edits built in one warm process, and of
    the search-index stage within them (issue 17 splits the edit's cost between index and the rest)."""
    run = checked(run_measured([sys.executable, "-c", WARM_EDITS_SCRIPT, str(content), str(output), str(count), *docs], work),
                  "warm edits")
    line = next(line for line in run.output.splitlines() if line.startswith(JSON_MARK))
    return json.loads(line[len(JSON_MARK):])


def _summary(run: Run) -> dict[str, Any]:
    return {key: value for key, value in asdict(run).items() if key != "output"}


# From this many documents a size is the scale check (issue 17: 100,000 within 15 min and 4 GB):
# one clean build, in-process with its stage timings, is the whole measurement (a build takes
# half an hour on a busy machine; the edit targets are for 1,000 and 10,000 documents).
SCALE_SIZE = 50_000


def measure_scale(content: Path, output: Path, work: Path, docs: Sequence[str], say: Any = print) -> dict[str, Any]:
    """One clean build of a scale size: its wall and CPU time, peak memory, stage timings (wall and CPU) and index size."""
    work.mkdir(parents=True, exist_ok=True)
    clean(work, content, output)
    say(f"  one clean build of {len(docs):,} docs, in-process with stage timings (the scale check) ...")
    run = checked(run_measured([sys.executable, "-c", STAGES_SCRIPT, str(content), str(output)], work, timeout=4 * 3600),
                  "scale build")
    line = next(line for line in run.output.splitlines() if line.startswith(JSON_MARK))
    stages = json.loads(line[len(JSON_MARK):])
    stages["max_rss_mb"] = run.max_rss_mb
    result = {"documents": len(docs), "clean_build": _summary(run), "peak_memory_mb": max(run.max_rss_mb, run.tree_rss_mb),
              "index": index_size(output), "stages": stages,
              "no_change_rebuild": {"skipped": f"a scale size (>= {SCALE_SIZE:,} docs): one clean build only"},
              "edit": {"skipped": f"a scale size (>= {SCALE_SIZE:,} docs): one clean build only"}}
    say(f"    {run.seconds:.0f}s wall, {run.cpu_seconds:.0f}s CPU, {result['peak_memory_mb']:,.0f} MB")
    return result


def measure_builds(content: Path, output: Path, work: Path, docs: Sequence[str], edits: int | None,
                   say: Any = print, rebuild_limit: float = 60) -> dict[str, Any]:
    """Clean build, no-change rebuild, one-document edits (median), stage timings and index size.

    Above 1,000 documents, when a clean build takes over `rebuild_limit` seconds and `edits` is not
    given, the rebuilds are skipped: their targets are for 1,000 documents. A scale size
    (SCALE_SIZE and up) is one clean build only (`measure_scale`).
    """
    if len(docs) >= SCALE_SIZE:
        return measure_scale(content, output, work, docs, say)
    work.mkdir(parents=True, exist_ok=True)
    clean(work, content, output)
    say(f"  clean build of {len(docs)} docs ...")
    first = checked(run_measured(sitegen_cmd(content, output), work), "clean build")
    result: dict[str, Any] = {
        "documents": len(docs),
        "clean_build": _summary(first),
        "peak_memory_mb": max(first.max_rss_mb, first.tree_rss_mb),
        "index": index_size(output),
    }
    say(f"    {first.seconds:.2f}s wall, {first.cpu_seconds:.2f}s CPU, {result['peak_memory_mb']:.0f} MB")
    if edits is None and len(docs) > 1000 and first.seconds > rebuild_limit:
        reason = f"skipped: the clean build took {first.seconds:.0f} s (over {rebuild_limit:.0f} s); pass --edits N to force"
        result["no_change_rebuild"] = {"skipped": reason}
        result["edit"] = {"skipped": reason}
    else:
        say("  no-change rebuild ...")
        again = checked(run_measured(sitegen_cmd(content, output), work), "no-change rebuild")
        count = edits if edits is not None else (10 if again.seconds < 5 else 3)
        say(f"    {again.seconds:.2f}s; {count} one-document edits ...")
        edit_runs = []
        for n in range(count):
            edit_document(content / docs[(n * 97 + 13) % len(docs)], n)
            edit_runs.append(checked(run_measured(sitegen_cmd(content, output), work), f"edit {n}"))
        if count:
            say(f"  {count} one-document edits in-process, as sitegen serve rebuilds ...")
            result["edit_warm"] = warm_edits(content, output, work, docs, count)
        result["no_change_rebuild"] = _summary(again)
        result["edit"] = {
            "count": count,
            "median_seconds": statistics.median(r.seconds for r in edit_runs) if edit_runs else None,
            "median_cpu_seconds": statistics.median(r.cpu_seconds for r in edit_runs) if edit_runs else None,
            "median_build_seconds": _median_or_none([r.build_seconds for r in edit_runs]),
            "seconds": [r.seconds for r in edit_runs],
        }
    say("  stage timings (a clean in-process build) ...")
    result["stages"] = stage_timings(content, output, work)
    # The same stages on a one-document edit after that build (the index stage's cost on an edit).
    edit_document(content / docs[len(docs) // 2], 999)
    result["edit_stages"] = stage_timings(content, output, work, clean_first=False)
    result["startup_seconds"] = run_measured([sys.executable, "-c", "import sitegen.build, sitegen.pages, sitegen.cli"], work).seconds
    return result


def _median_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None
