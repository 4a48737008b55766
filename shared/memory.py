"""Long-lived caches kept out of the cyclic garbage collector's full passes.

A metrics process keeps summaries and decisions of closed periods in memory: hundreds of
thousands of tuples and dicts that live as long as the process. Every full pass of
Python's cyclic collector walks all of them: a pause of a few hundred milliseconds in
whatever request happens to trigger it, most often a quick repeated one. So when a cache
has taken new data, one full pass is made there (in a request that read the data, and
took long anyway) and everything still alive is frozen (`gc.freeze`): later passes skip
it, and requests that only read the caches meet short ones. Frozen objects are still freed
by reference counting when a cache drops them (caches hold no cycles), and each freeze
starts from a full pass, so no garbage is frozen. Small caches cost little to walk: a
freeze waits until the caches have taken `FREEZE_AFTER` items since the last one, or a
twentieth of the objects frozen so far if that is more, so that the full passes' cost
stays in proportion to what the caches take, however large the process has grown.

And the collector's youngest generation is collected after `YOUNG_ALLOCATIONS` new
objects rather than Python's 700: an answer of tens of thousands of rows allocates
hundreds of thousands of dicts, lists and floats, none of them cyclic garbage, and at the
default they set off some 600 passes, each walking what the answer has built so far (a
third of a 69,000-row answer's time, measured).
"""

from __future__ import annotations

import gc
import threading

FREEZE_AFTER = 10_000  # items (groups, cells) taken by the caches
YOUNG_ALLOCATIONS = 50_000
_LOCK = threading.Lock()
_taken = [0]


def keep_long_lived(items: int) -> None:
    """Count items a cache took; past `FREEZE_AFTER`, collect all garbage and freeze what
    is alive (see the module)."""
    with _LOCK:
        _taken[0] += items
        if _taken[0] < max(FREEZE_AFTER, gc.get_freeze_count() // 20):
            return
        _taken[0] = 0
        gc.unfreeze()
        gc.collect()
        gc.freeze()


def collect_less_often() -> None:
    """Collect the youngest generation every `YOUNG_ALLOCATIONS` objects (see the module)."""
    gc.set_threshold(YOUNG_ALLOCATIONS, *gc.get_threshold()[1:])
