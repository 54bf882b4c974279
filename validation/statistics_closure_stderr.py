"""The standard error of the quasi-equilibrium closure against a Monte Carlo (issue 10).

C_qe (:func:`bbgky.statistics.balance.quasi_equilibrium_force`) on a 2D Gaussian-core profile
n = 4·0.25(1 + 0.5 cos kx) (16 points, ℓ = 16, N = 64) with a structured g(r) (30 bins); the s.e.
of :func:`~bbgky.statistics.balance.quasi_equilibrium_stderr` (linear propagation, independent
bins) against the spread of C_qe over 200 draws of g and n within their s.e. Printed: the ratio
spread / propagated s.e. at every point (1 expected; the spread of 200 draws has a relative s.e. of
5 %).

Run: ``PYTHONPATH=src python validation/statistics_closure_stderr.py`` (about 40 s of CPU).
"""

from __future__ import annotations

import os
import time

import numpy as np

from bbgky.models.potentials import make_potential
from bbgky.statistics import balance

N, LENGTH, BINS, AREA, DRAWS = 64, 16.0, 16, 4.0, 200


def main() -> None:
    pot = make_potential("gaussian", cutoff=3.0)
    x = (np.arange(BINS) + 0.5) * LENGTH / BINS
    n = AREA * 0.25 * (1 + 0.5 * np.cos(2 * np.pi * x / LENGTH))
    r = np.linspace(0.05, 2.95, 30)
    g = (N - 1) / N * (1 - 0.8 * np.exp(-2 * r**2))
    g_se, n_se = 0.02 + 0.01 * r, np.full(BINS, 0.03)
    args = (pot.energy, 2, N, 3.0)
    start = time.process_time()
    se_g, se_n = balance.quasi_equilibrium_stderr(x, n, n_se, LENGTH, AREA, r, g, g_se, *args)
    rng = np.random.default_rng(0)
    draws = np.array([balance.quasi_equilibrium_force(x, n + rng.normal(size=BINS) * n_se, LENGTH, AREA,
                                                      r, g + rng.normal(size=len(r)) * g_se, *args)
                      for _ in range(DRAWS)])
    ratio = draws.std(axis=0, ddof=1) / np.hypot(se_g, se_n)
    print(f"{DRAWS} draws, {time.process_time() - start:.0f} s CPU, load {os.getloadavg()}")
    print("spread / propagated s.e. per point:", np.array2string(ratio, precision=3))
    print(f"range {ratio.min():.3f}–{ratio.max():.3f} (1 expected, ± {1 / np.sqrt(2 * DRAWS):.3f})")


if __name__ == "__main__":
    main()
