"""The momentum balance under an objective flow (issue 10): a cosine-trapped Gaussian-core fluid in
simple shear with the gradient along the trap axis x₁, u = (0, a x₁) (``[flow] kind = "matrix"``,
A = [[0, 0], [a, 0]]: the profile planes x₁ = const are invariant, docs/statistics.md).

For every component c of the peculiar momentum the balance (:mod:`bbgky.statistics.balance`,
James–Qi–Wang (OMD kinetic paper) eq. 13 for the flow term)

    ∂t j_c + ∂x Π_c1 − ρF_ext,c − ρ(F∗ρ)_c − C_c + (L j)_c + γ j_c = 0

is measured term by term; the flow term −a j₁ enters the flow component c = 2 only. Printed: for
each component and term, the largest |term| over x with its s.e., and the largest |z| = |term|/s.e.;
the residual's max |z| and mean z² (1 expected), over the time average (t ≥ AVERAGE_FROM) and over
every interior save (the end saves use one-sided time differences).

System: 2D Gaussian core, physical scaling, cut-off 3σ, N = 32 at ρ = 0.25, θ = 0.05 (Langevin
γ = 0.5 on the peculiar velocity), trap V0 = 0.2, shear rate a = 0.5, product start, saves every
0.5, time average over t ≥ 10.

Run: ``PYTHONPATH=src python validation/statistics_shear_balance.py [R] [t_end]`` (defaults 64, 30;
measured results in docs/statistics.md).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

from bbgky.scenarios import runner

N, DIM, RHO, THETA, V0, RATE = 32, 2, 0.25, 0.05, 0.2, 0.5
AVERAGE_FROM, SAVE = 10.0, 0.5
L = (N / RHO) ** (1 / DIM)
OUT = Path(os.environ.get("BBGKY_VALIDATION_OUT", "/tmp/bbgky_shear_balance"))


def config(replicas: int, t_end: float, particles: int = N, save: float = SAVE,
           average_from: float = AVERAGE_FROM) -> dict:
    length = (particles / RHO) ** (1 / DIM)
    return {
        "title": "shear balance validation",
        "system": {"dimension": DIM, "particles": particles, "density": RHO, "temperature": THETA,
                   "seed": 13},
        "interaction": {"potential": "gaussian", "cutoff": 3.0},
        "thermostat": {"temperature": THETA, "damping": 0.5},
        "flow": {"kind": "matrix", "matrix": [[0.0, 0.0], [RATE, 0.0]]},
        "external": {"kind": "cosine", "amplitude": V0, "wavenumber": 2 * np.pi / length},
        "time": {"end": t_end, "step": 0.05, "save_every": save},
        "initial": {"kind": "product"},
        "ensemble": {"replicas": replicas},
        "levels": {"particles": {"velocity_samples": 0},
                   "statistics": {"pair_bins": 10, "profile_bins": 8, "plane_bins": 4,
                                  "covariance_bins": 2, "average_from": average_from}},
    }


def main() -> None:
    replicas = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    t_end = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
    start, cpu = time.perf_counter(), time.process_time()
    runner.run(runner.validate(config(replicas, t_end)), OUT, report=False)
    print(f"run: {time.perf_counter() - start:.0f} s wall, {time.process_time() - cpu:.0f} s CPU, "
          f"load {os.getloadavg()}")
    with xr.open_dataset(OUT / "statistics.nc") as ds:
        ds = ds.load()
    terms = [str(t) for t in ds.term.values]
    avg = ds.momentum_balance_components_average.values
    se = ds.momentum_balance_components_average_stderr.values
    print(f"\ntime average over t ≥ {AVERAGE_FROM:g}, {replicas // 2} blocks; per component c: "
          "max |term| over x, its s.e., max |z|")
    for c in range(DIM):
        print(f"component {c + 1}:")
        for k, term in enumerate(terms):
            i = int(np.argmax(np.abs(avg[k, c])))
            z = np.abs(avg[k, c]) / np.maximum(se[k, c], 1e-300)
            print(f"  {term:16s} {abs(avg[k, c, i]):9.4f} ± {se[k, c, i]:7.4f}   max |z| {z.max():7.2f}")
        zr = avg[-1, c] / se[-1, c]
        print(f"  residual: max |z| = {np.max(np.abs(zr)):.2f}, mean z² = {np.mean(zr**2):.2f}")
    per = ds.momentum_balance_components.values[1:-1]
    per_se = ds.momentum_balance_components_stderr.values[1:-1]
    z = per[:, -1] / per_se[:, -1]
    print(f"\nevery interior save ({len(per)} saves × {DIM} components × {z.shape[-1]} bins): residual "
          f"max |z| = {np.max(np.abs(z)):.2f}, mean z² = {np.mean(z**2):.2f}, fraction |z| > 3: "
          f"{np.mean(np.abs(z) > 3):.4f} (0.0027 for a normal law)")
    flow = per[:, terms.index("flow"), 1] / per_se[:, terms.index("flow"), 1]
    print(f"flow term −a j₁ in component 2: max |z| over saves {np.max(np.abs(flow)):.2f}")


if __name__ == "__main__":
    main()
