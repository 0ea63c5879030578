"""Work over many items (a period's statements) split into chunks for worker processes, one
per core, when there are enough items to pay for starting them.

The workers are forked, so they find the items already in memory: a task is only a range of
indexes, and nothing large is pickled either way. Where processes cannot be forked (not
Linux or another Unix), on one core, or for a few items, the chunks run here, in order.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator

from views.errors import RenderError

# items from which workers are started: two take about 0.16 s to start (0.08 s of CPU)
# beside a 650 MB process of 10,000 statements, and a statement renders in 5 to 10 ms
WORKERS_FROM = 100
MOST_WORKERS = 8
_job: Callable[[int, int], int] | None = None  # the work of this run, found by the workers


def chunks_in_workers(job: Callable[[int, int], int], count: int, untouched: str
                      ) -> Iterator[int]:
    """Run ``job(start, stop)`` over ``range(count)`` in chunks, yielding what each chunk
    returns as it finishes (in any order). A worker killed half-way is a ``RenderError``
    that says ``untouched``; an error in ``job`` comes back as it was raised."""
    workers = _cores()
    if count < WORKERS_FROM or workers < 2 or \
            "fork" not in multiprocessing.get_all_start_methods():
        for start in range(count):
            yield job(start, start + 1)
        return
    size = max(1, min(64, -(-count // (workers * 8))))  # eight chunks a worker at least
    global _job
    _job = job  # set before the first submit forks the workers
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")
                                 ) as pool:
            pending = {pool.submit(_run, start, min(count, start + size))
                       for start in range(0, count, size)}
            try:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        yield future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # none still writing after
                raise
    except BrokenProcessPool:
        raise RenderError("a worker process stopped before it finished (was it killed, or "
                          f"out of memory?); {untouched}") from None
    finally:
        _job = None


def _run(start: int, stop: int) -> int:
    """A chunk, in a worker: its error is sent back as it is when it can be pickled."""
    try:
        return _job(start, stop)
    except Exception as error:
        try:
            pickle.loads(pickle.dumps(error))
        except Exception:
            raise RuntimeError(f"{type(error).__name__}: {error}") from None
        raise


def _cores() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return min(cores, MOST_WORKERS)
