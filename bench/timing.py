"""The one timer the benchmarks share."""
import time


def timed(function, *args):
    """(what ``function(*args)`` returns, seconds it took)."""
    began = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - began
