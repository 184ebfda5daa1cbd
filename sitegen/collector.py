"""The garbage collector, kept from walking what a build makes to keep."""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Make objects the whole build keeps (the loaded state, the gathered site, every page's
    context and fingerprint) without the garbage collector, then set them aside from its scans
    (`gc.freeze`; the build unfreezes them when it ends).

    They hold no cycles worth finding, and without this the collector walks the ever larger heap
    again and again: a third of a one-document edit at 10,000 documents.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
