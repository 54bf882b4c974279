"""Hydrodynamic limit of the Vlasov level: moments of Vlasov–BGK (collision rate 1/Kn) against the
1D Euler system with the same mean-field force, as Kn → 0, with the fitted order (Euler: O(Kn)).

System: Vlasov–Poisson (coulomb, density 1, θ 1), f0 = (1 + 0.1 cos 0.5x) M (a local Maxwellian),
grid 64×128, |v| ≤ 8, dt = 0.0025, Strang + cubic splines; Euler on 8× finer cells (MUSCL, SSP-RK3).
Closures: adiabatic (energy-conserving BGK, γ = 3) and isothermal (BGK thermostat at θ0).

``--dim 2``: the same in 2D2V, f0 = (1 + 0.1(cos 0.5x + cos 0.5y)) M on a 16²×32² grid, |v| ≤ 7,
dt = 0.005, t = 3, Euler (γ = 2 adiabatic) on 4× finer cells per axis; writes *_2d2v.* files.

    .venv/bin/python validation/vlasov_hydro_limit.py [--quick] [--dim {1,2}] [--out DIR]
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
    ap.add_argument("--quick", action="store_true", help="32×64 grid, dt = 0.01")
    ap.add_argument("--dim", type=int, choices=(1, 2), default=1, help="1D1V (default) or 2D2V")
    ap.add_argument("--out", default="runs/validation")
    args = ap.parse_args()
    enable_float64()
    from bbgky.kinetic.vlasov.grid import PhaseGrid
    from bbgky.kinetic.vlasov.initial import InitialLaw
    from bbgky.kinetic.vlasov.kernels import coulomb
    from bbgky.kinetic.vlasov.limits import fit_rate, hydro_error_versus_knudsen

    k = 0.5
    if args.dim == 1:
        shape, dt = ([32, 64], 0.01) if args.quick else ([64, 128], 0.0025)
        vmax, refine, kns, times, tag = 8.0, 8, [0.2, 0.1, 0.05, 0.025, 0.0125], [1.0, 2.0, 3.0, 4.0, 5.0], ""
    else:
        shape, dt = ([16, 16, 32, 32], 0.01) if args.quick else ([16, 16, 32, 32], 0.005)
        vmax, refine, kns, times, tag = 7.0, 4, [0.2, 0.1, 0.05, 0.025], [1.0, 2.0, 3.0], "_2d2v"
    grid = PhaseGrid.from_shape(shape, 2 * np.pi / k, vmax)
    law = InitialLaw("landau", args.dim, amplitude=0.1, wavenumber=k)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    record = {"knudsens": kns, "times": times, "grid": shape, "dt": dt}
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4))
    for closure in ("adiabatic", "isothermal"):
        start = time.perf_counter()
        res = hydro_error_versus_knudsen(grid, coulomb(args.dim, grid.lengths), law, knudsens=kns,
                                         dt=dt, times=times, closure=closure, refine=refine)
        wall = time.perf_counter() - start
        local = [fit_rate(kns[i:i + 2], res.density_error[i:i + 2, -1]) for i in range(len(kns) - 1)]
        print(f"\n{closure} closure ({wall:.0f} s): max_x |n_kin − ρ_Euler| at t = {times[-1]:g}")
        print(f"{'Kn':>8} {'density err':>12} {'velocity err':>13} {'local order':>12}")
        for i, kn in enumerate(kns):
            lo = f"{local[i - 1]:12.3f}" if i else " " * 12
            print(f"{kn:8.4f} {res.density_error[i, -1]:12.4e} {res.velocity_error[i, -1]:13.4e} {lo}")
        print(f"fitted order (all Kn): {res.order:.3f}")
        record[closure] = {"density_error": res.density_error.tolist(),
                           "velocity_error": res.velocity_error.tolist(), "order": res.order,
                           "local_orders": local, "wall_s": wall}
        ax.loglog(kns, res.density_error[:, -1], "o-", label=f"{closure} (order {res.order:.2f})")
    ax.loglog(kns, record["adiabatic"]["density_error"][0][-1] * np.asarray(kns) / kns[0], "k--", lw=0.8,
              label="∝ Kn")
    ax.set(xlabel="Kn", ylabel="max |n_Vlasov-BGK − ρ_Euler|",
           title=f"kinetic ↔ hydro ({args.dim}D{args.dim}V) at t = {times[-1]:g}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / f"vlasov_hydro_vs_kn{tag}.png", dpi=120)
    json.dump(record, open(out / f"vlasov_hydro_vs_kn{tag}.json", "w"), indent=1)
    print(f"\nwrote {out / f'vlasov_hydro_vs_kn{tag}.json'} and {out / f'vlasov_hydro_vs_kn{tag}.png'}")


if __name__ == "__main__":
    main()
