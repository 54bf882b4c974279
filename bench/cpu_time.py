"""Per-thread CPU seconds of this process, for thread-scaling benchmarks on a shared machine.

On a machine where other sessions keep the CPUs busy, the wall time of a two-thread run measures
the scheduler's share more than the code: with the kernel's session groups (``autogroup``,
``/proc/sys/kernel/sched_autogroup_enabled``) CPU time is shared fairly between *sessions*, so a
two-thread process gets no more CPU than a one-thread one. What the code itself does is in the
CPU time of each of its threads (``utime + stime`` of ``/proc/self/task/*/stat``, in clock ticks
of 10 ms): the busiest thread's CPU seconds over a fork–join region is the wall time that region
would take with a CPU per thread (stalls on memory count as CPU time; time spent spinning at a
barrier does too). Caveat: the threads' competition for shared caches, memory bandwidth or cache
lines written by both is included only as far as they ran at the same time. Under load the
scheduler interleaves them and the estimate is optimistic: the Numba DSMC's two-thread CPU ratio
read 1.9 at load 17–21 while a false-sharing defect held the quiet machine's wall ratio to 1.19
(docs/performance.md). Compare all threads' CPU seconds with the wall time (2 for two threads
running throughout) before trusting it.
"""

from __future__ import annotations

import os
import time

_TICK = os.sysconf("SC_CLK_TCK")


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) of every thread of this process, by thread id."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended
            continue
        out[tid] = (int(fields[11]) + int(fields[12])) / _TICK
    return out


class Timer:
    """``with Timer() as t: ...`` → ``t.wall``, ``t.cpu`` (sum over threads) and ``t.busiest``
    (the CPU seconds of the busiest thread: the wall time with a free CPU per thread)."""

    def __enter__(self):
        self._cpu = thread_cpu()
        self._t = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._t
        after = thread_cpu()
        used = [after[t] - self._cpu.get(t, 0.0) for t in after]
        self.cpu = sum(used)
        self.busiest = max(used)
        return False


def load() -> str:
    """``os.getloadavg()`` and the CPU count, for the printed report."""
    return f"load average {tuple(round(x, 2) for x in os.getloadavg())} on {os.cpu_count()} CPUs"
