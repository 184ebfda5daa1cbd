"""Time loading and saving the build state (SQLite rows of JSON) against pickling the same state.

    python -m bench.generate /tmp/docs10k -n 10000
    python -m bench.state /tmp/docs10k            # builds once into a temporary folder, then times

Prints the median of --repeat runs of: load, save after a one-document edit (the rows that
changed), save of the whole state, and pickle.dumps / pickle.loads of the same state.
"""

from __future__ import annotations

import argparse
import dataclasses
import pickle
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

from sitegen.build import build
from sitegen.cache import STATE_DB, BuildState, load_state, save_state, settings_key, state_folder
from sitegen.config import load_config


def timed(action: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.state", description=__doc__.splitlines()[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config, problems = load_config(None, {"content_dir": args.content.resolve(), "output_dir": Path(tmp) / "site",
                                              "cache_dir": Path(tmp) / "cache"})
        assert not [p for p in problems if p.level == "error"], problems
        started = time.perf_counter()
        build(config)
        print(f"clean build: {time.perf_counter() - started:.1f} s")
        folder, key = state_folder(config), settings_key(config)
        state = load_state(folder, key)
        assert state is not None
        rel = next(iter(state.docs))
        edited = dict(state.docs)
        edited[rel] = dataclasses.replace(edited[rel], source_hash="edited")
        one_edit = BuildState(key, edited, state.pages, state.extra)
        blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
        print(f"{len(state.docs)} documents; state file {(folder / STATE_DB).stat().st_size / 1e6:.0f} MB, "
              f"pickle {len(blob) / 1e6:.0f} MB")
        print(f"load (SQLite + JSON):         {timed(lambda: load_state(folder, key), args.repeat):.2f} s")
        print(f"save after a one-doc edit:    {timed(lambda: save_state(folder, one_edit, state), args.repeat):.3f} s")
        print(f"save of the whole state:      {timed(lambda: save_state(folder, state, None), args.repeat):.2f} s")
        print(f"pickle.loads (the old format): {timed(lambda: pickle.loads(blob), args.repeat):.2f} s")
        print(f"pickle.dumps (the old format): {timed(lambda: pickle.dumps(state, protocol=5), args.repeat):.2f} s")


if __name__ == "__main__":
    main()
