"""Spread a stage's work over worker processes: the one place sitegen starts them."""

from __future__ import annotations

import gc
import os
import threading
from typing import Any, Callable, Sequence, TypeVar

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

# What forked workers inherit instead of receiving it pickled: (function, shared value). A module
# global is what a forked child inherits for free; it is set only while run_chunks runs.
_INHERITED: tuple[Callable[[Any, Any], Any], Any] | None = None


def workers(jobs: int) -> int:
    """The `jobs` setting as a number of processes: 0 means one per core."""
    return jobs or os.cpu_count() or 1


# With `jobs: 0` (the default), fewer items than this are done in one chunk, in this process.
# Workers save wall time but cost CPU: two processes on two cores, each slowed by the other and
# by whatever else runs, plus pickling every result back. At 1,000 documents reading and
# rendering took some 15% more CPU (the whole tree) with two workers than in one process; past a
# few thousand documents the wall time saved is worth that. An explicit `-j N` always uses N.
AUTO_PARALLEL_ITEMS = 3000


def split(items: Sequence[Chunk], jobs: int) -> list[list[Chunk]]:
    """Interleaved chunks, a few per worker, so one slow chunk does not leave a core idle."""
    if jobs == 0 and len(items) < AUTO_PARALLEL_ITEMS:
        return [list(items)] if items else []
    count = max(1, min(len(items), workers(jobs) * 4))
    return [list(items[i::count]) for i in range(count) if items[i::count]]


def run_chunks(func: Callable[[Any, Chunk], Result], shared: Any, chunks: Sequence[Chunk], jobs: int,
               picklable: bool = True, done: Callable[[Result], None] | None = None) -> list[Result]:
    """`[func(shared, chunk) for chunk in chunks]`, in worker processes when there are several.

    Workers are forked, so they inherit `shared` (a whole site, say) rather than receive a pickled
    copy; only chunks (best kept small: positions in a list that `shared` holds) and results cross
    between processes. Forking a process that runs other threads (serve: the HTTP server, the file
    watcher) can copy a lock some thread holds into the child, so there a `picklable` job goes to
    workers started from a clean forkserver, and any other job runs here, one chunk after another.
    Results keep the order of `chunks`; `done` is told of each as it arrives (a progress bar).
    """
    done = done or _ignore
    count = min(workers(jobs), len(chunks))
    if count < 2:  # one chunk (a small site): not even multiprocessing is imported, a tenth of start-up
        return [_told(func(shared, chunk), done) for chunk in chunks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    threaded = threading.active_count() > 1
    can_fork = "fork" in multiprocessing.get_all_start_methods() and not threaded
    if not (can_fork or picklable):
        return [_told(func(shared, chunk), done) for chunk in chunks]
    if can_fork:
        global _INHERITED
        _INHERITED = (func, shared)
        # Frozen objects are skipped by the garbage collector: without this, a collection in a
        # worker walks, and so copies page by page, the whole heap it shares with this process.
        gc.freeze()
        try:
            with multiprocessing.get_context("fork").Pool(count) as pool:
                return [_told(result, done) for result in pool.imap(_call_inherited, chunks, chunksize=1)]
        finally:
            _INHERITED = None
            gc.unfreeze()
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn")
    # `shared` is pickled once per worker, by the initializer, rather than once per chunk.
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_inherit, initargs=(func, shared)) as pool:
        return [_told(result, done) for result in pool.map(_call_inherited, chunks)]


def _ignore(result: Any) -> None:
    pass


def _told(result: Result, done: Callable[[Result], None]) -> Result:
    done(result)
    return result


def _inherit(func: Callable[[Any, Any], Any], shared: Any) -> None:
    global _INHERITED
    _INHERITED = (func, shared)


def _call_inherited(chunk: Any) -> Any:
    assert _INHERITED is not None, "run_chunks sets the job before it forks, or in each worker's initializer"
    func, shared = _INHERITED
    return func(shared, chunk)
