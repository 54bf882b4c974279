"""Mean-field limit (James–Qi–Wang Thm 2.7): W1 between the N-particle empirical measure and the grid
Vlasov solution for N = 10²…10⁵, with the fitted rate (expected ≈ N^(−1/2)).

System: the standard normalised Vlasov–Poisson system, nonlinear Landau damping (α = 0.5,
k = 0.5), grid 128×256, |v| ≤ 8, dt = 0.1, Strang + cubic splines; particles: exact all-pairs
forces for N ≤ 2048, particle-mesh (CIC, 128 cells) above; W1 at t = 0, 5, 10.

    .venv/bin/python validation/vlasov_mean_field_limit.py [--quick] [--out DIR]

Runs :func:`bbgky.kinetic.vlasov.limits.w1_study` on the scenario below; writes DIR/vlasov_w1_vs_n.json,
DIR/vlasov_w1_vs_n.nc (the table as a dataset: per N, seed, time, with the fitted rates) and
DIR/vlasov_w1_vs_n.png, and prints the table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from bbgky.precision import enable_float64


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="N up to 10⁴, 2 seeds")
    ap.add_argument("--out", default="runs/validation")
    args = ap.parse_args()
    enable_float64()
    from bbgky.config import validate
    from bbgky.kinetic.vlasov.limits import w1_study

    cfg = validate({  # the scenario the study runs (any [levels.vlasov] configuration works)
        "title": "nonlinear Landau damping, mean-field limit",
        "system": {"dimension": 1, "density": 1.0, "temperature": 1.0, "seed": 0},
        "interaction": {"potential": "coulomb", "scaling": "mean_field"},
        "initial": {"kind": "landau", "amplitude": 0.5, "wavenumber": 0.5},
        "time": {"end": 10.0, "step": 0.1, "save_every": 5.0},
        "levels": {"vlasov": {"grid": [128, 256], "velocity_max": 8.0}},
    })
    sizes = [100, 316, 1000, 3162, 10_000] + ([] if args.quick else [31_623, 100_000])
    seeds = 2 if args.quick else 4
    start = time.perf_counter()
    res = w1_study(cfg, sizes, seeds=seeds, directions=32)
    wall = time.perf_counter() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    names = ("w1_position", "w1_velocity", "sliced_w1_phase", "temperature_error")
    print(f"W1(particles_N, grid) — nonlinear Landau α = 0.5, mean over {seeds} seeds ({wall:.0f} s)")
    for b, t in enumerate(res.times):
        print(f"\n t = {t:g}\n{'N':>8} " + " ".join(f"{n:>16}" for n in names))
        for a, N in enumerate(sizes):
            print(f"{N:>8} " + " ".join(f"{res.mean(n)[a, b]:16.4e}" for n in names))
        print(f"{'rate':>8} " + " ".join(f"{res.rates[n][b]:16.3f}" for n in names))
    json.dump({"sizes": sizes, "times": res.times, "seeds": seeds,
               "mean": {n: res.mean(n).tolist() for n in names}, "rates": res.rates, "wall_s": wall},
              open(out / "vlasov_w1_vs_n.json", "w"), indent=1)
    res.to_dataset().assign_attrs(wall_s=wall).to_netcdf(out / "vlasov_w1_vs_n.nc")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
    for ax, n in zip(axes, names[:3], strict=True):
        for b, t in enumerate(res.times):
            ax.loglog(sizes, res.mean(n)[:, b], "o-", label=f"t = {t:g} (slope {res.rates[n][b]:.2f})")
        ax.loglog(sizes, res.mean(n)[0, 0] * (np.asarray(sizes) / sizes[0]) ** -0.5, "k--", lw=0.8,
                  label="N^(-1/2)")
        ax.set(xlabel="N", title=n)
        ax.legend(fontsize=7)
    axes[0].set_ylabel("W1")
    fig.tight_layout()
    fig.savefig(out / "vlasov_w1_vs_n.png", dpi=120)
    print(f"\nwrote {out}/vlasov_w1_vs_n.json, .nc and .png")


if __name__ == "__main__":
    main()
