"""The momentum balance of a cosine-trapped soft fluid in equilibrium, its correlation force, and the
quasi-equilibrium closure (issue 10: "Homogeneous equilibrium: C vanishes within error. Cosine trap
in equilibrium: the balance θ∇ρ = ρF_ext + ρ(F∗ρ) + C closes within error, and C is significantly
non-zero for a dense soft fluid in physical scaling").

System: 2D Gaussian core U = ε e^{−(r/σ)²} (the soft fluid of Stillinger, J. Chem. Phys. 65, 3968
(1976)), physical scaling, cut-off 3σ, N = 64 at ρ = 0.25, θ = 0.05 (U = θ at r = 1.73σ: an
effective disc packing fraction 0.59, a dense fluid); trap V0 cos(2πx/L), V0 = 0.2 (environment
variables RHO, THETA, V0 override). Equilibration: product data (exactly translation invariant: a
lattice start would give every replica the same lattice, an inhomogeneous ensemble), Langevin at θ
(γ = 0.5) throughout, and the averages over the saves at t ≥ 20 only (``average_from``); R
replicas, saves every time unit. Two runs:

1. homogeneous (no trap): the time-averaged C of every bin within 3 s.e. of 0; its g(r) is the
   homogeneous pair correlation of the closure;
2. trap: the time-averaged residual of the balance within 3 s.e. in every bin; C significant (the
   largest |C|/s.e. over bins, and the amplitude of its sin(kx) component with its s.e.); the
   closure C_qe from the homogeneous g(r) and the trap's density profile against the measured C.

Run: ``PYTHONPATH=src python validation/statistics_cosine_trap.py [R] [t_end]`` (defaults 64, 60;
measured results in docs/statistics.md; ``BBGKY_VALIDATION_REUSE=1`` re-analyses the statistics.nc
already in ``BBGKY_VALIDATION_OUT``).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import xarray as xr

from bbgky.scenarios import runner
from bbgky.statistics.balance import TERMS, quasi_equilibrium_force, quasi_equilibrium_stderr

N, DIM = 64, 2
RHO, THETA, V0 = (float(os.environ.get(k, v)) for k, v in (("RHO", 0.25), ("THETA", 0.05), ("V0", 0.2)))
AVERAGE_FROM = 20.0
L = (N / RHO) ** (1 / DIM)
K = 2 * np.pi / L
OUT = Path(os.environ.get("BBGKY_VALIDATION_OUT", "/tmp/bbgky_cosine_trap"))


def config(replicas: int, t_end: float, trap: bool) -> dict:
    data = {
        "title": f"cosine trap validation ({'trap' if trap else 'homogeneous'})",
        "system": {"dimension": DIM, "particles": N, "density": RHO, "temperature": THETA, "seed": 11},
        "interaction": {"potential": "gaussian", "cutoff": 3.0},
        "thermostat": {"temperature": THETA, "damping": 0.5},
        "time": {"end": t_end, "step": 0.05, "save_every": 1.0},
        "initial": {"kind": "product"},
        "ensemble": {"replicas": replicas},
        "levels": {"particles": {"velocity_samples": 0},
                   "statistics": {"pair_bins": 40, "profile_bins": 16, "plane_bins": 4,
                                  "covariance_bins": 4, "average_from": AVERAGE_FROM}},
    }
    if trap:
        data["external"] = {"kind": "cosine", "amplitude": V0, "wavenumber": K}
    return data


def run(replicas: int, t_end: float, trap: bool) -> xr.Dataset:
    out = OUT / ("trap" if trap else "homogeneous")
    if os.environ.get("BBGKY_VALIDATION_REUSE") and (out / "statistics.nc").is_file():
        print(f"reusing {out / 'statistics.nc'}")  # only the analysis below is re-run
        with xr.open_dataset(out / "statistics.nc") as ds:
            return ds.load()
    start = time.perf_counter()
    runner.run(runner.validate(config(replicas, t_end, trap)), out, report=False)
    print(f"{'trap' if trap else 'homogeneous'} run: {time.perf_counter() - start:.0f} s, "
          f"load {os.getloadavg()}")
    with xr.open_dataset(out / "statistics.nc") as ds:
        return ds.load()


def sine_amplitude(x, values, stderr):
    """The sin(kx) component (2/B) Σ_b c_b sin(k x_b) of a profile on B points, and its s.e. treating
    the points as independent (they are not quite: the per-point |z| is the strict check)."""
    s = np.sin(K * x)
    return 2 / len(x) * np.sum(values * s), 2 / len(x) * np.sqrt(np.sum((stderr * s) ** 2))


def main() -> None:
    replicas = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    t_end = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    trap = run(replicas, t_end, trap=True)
    homo = run(replicas, t_end, trap=False)

    x = homo.x_profile.values
    c, se = (homo.momentum_balance_average.sel(term="correlation").values,
             homo.momentum_balance_average_stderr.sel(term="correlation").values)
    print(f"\nhomogeneous: max |C|/s.e. over {len(x)} bins = {np.max(np.abs(c / se)):.2f} "
          f"(max |C| = {np.max(np.abs(c)):.4f}, mean s.e. {se.mean():.4f})")

    mean, err = trap.momentum_balance_average.values, trap.momentum_balance_average_stderr.values
    print(f"\ntrap momentum balance (time average over the saves at t ≥ {AVERAGE_FROM:g}, "
          f"{replicas // 2} blocks): max over x")
    print(f"{'term':16s} {'max |term|':>11s} {'s.e. there':>11s} {'max |z|':>8s}")
    for k, term in enumerate(TERMS):
        i = int(np.argmax(np.abs(mean[k])))
        print(f"{term:16s} {abs(mean[k, i]):11.4f} {err[k, i]:11.4f} "
              f"{np.max(np.abs(mean[k] / np.maximum(err[k], 1e-300))):8.2f}")
    res = mean[TERMS.index("residual")] / err[TERMS.index("residual")]
    print(f"residual: max |z| = {np.max(np.abs(res)):.2f}, mean z² = {np.mean(res**2):.2f} (1 expected)")

    ct, cse = mean[TERMS.index("correlation")], err[TERMS.index("correlation")]
    amp, amp_se = sine_amplitude(x, ct, cse)
    print(f"\nC (trap): max |C|/s.e. = {np.max(np.abs(ct / cse)):.2f}; sin(kx) amplitude "
          f"{amp:.4f} ± {amp_se:.4f} ({abs(amp) / amp_se:.1f} s.e.)")

    # closure from the homogeneous g(r) ("exact" normalisation) and the trap's density profile
    late = homo.time.values >= AVERAGE_FROM
    g = homo.pair_correlation.values[late].mean(axis=0)
    n = trap.density_profile.values[late].mean(axis=0)
    area = N / RHO / L
    # s.e. of the time averages: at most the mean s.e. of the saves (fully correlated saves)
    g_se = homo.pair_correlation_stderr.values[late].mean(axis=0)
    n_se = trap.density_profile_stderr.values[late].mean(axis=0)
    closure = quasi_equilibrium_force(x, n, L, area, homo.r.values, g, _energy(), DIM, N, 3.0)
    se_g, se_n = quasi_equilibrium_stderr(x, n, n_se, L, area, homo.r.values, g, g_se, _energy(), DIM,
                                          N, 3.0)
    closure_se = np.hypot(se_g, se_n)
    measured, measured_se = ct, cse  # time-averaged, hat-smoothed (a (kh)²/12 = 1.3% smoothing)
    print("\nquasi-equilibrium closure vs measured C (time average, exact block s.e.; closure s.e. by "
          "linear propagation of the s.e. of g(r) and of n(x)):")
    print(f"{'x':>7s} {'C measured':>11s} {'± s.e.':>8s} {'C_qe':>9s} {'± s.e.':>8s} {'(from g':>8s} "
          f"{'from n)':>8s} {'error z':>8s}")
    for xi, m, s, q, qs, qg, qn in zip(x, measured, measured_se, closure, closure_se, se_g, se_n,
                                       strict=True):
        print(f"{xi:7.3f} {m:11.4f} {s:8.4f} {q:9.4f} {qs:8.4f} {qg:8.4f} {qn:8.4f} "
              f"{(q - m) / np.hypot(s, qs):8.2f}")
    qa, _ = sine_amplitude(x, closure, closure_se)
    # the closure's errors are correlated between points (through n and g): propagate the component
    amp_g, amp_n = quasi_equilibrium_stderr(x, n, n_se, L, area, homo.r.values, g, g_se, _energy(), DIM,
                                            N, 3.0, weights=2 / len(x) * np.sin(K * x))
    qa_se = float(np.hypot(amp_g, amp_n))
    print(f"closure sin(kx) amplitude s.e.: {amp_g:.4f} from g(r), {amp_n:.4f} from n(x) (the s.e. of "
          "the time averages taken as the mean s.e. of the saves: an upper bound)")
    ma, ma_se = sine_amplitude(x, measured, measured_se)
    err, err_se = qa - ma, np.hypot(qa_se, ma_se)
    print(f"sin(kx) amplitude: measured {ma:.4f} ± {ma_se:.4f}, closure {qa:.4f} ± {qa_se:.4f}; "
          f"reduction error of the closure {err:+.4f} ± {err_se:.4f} ({abs(err) / err_se:.1f} s.e. from 0; "
          f"{err / ma:+.1%} ± {abs(qa / ma) * np.hypot(qa_se / qa, ma_se / ma):.1%} of the measured C)")


def _energy():
    from bbgky.models.potentials import make_potential

    return make_potential("gaussian", cutoff=3.0).energy


if __name__ == "__main__":
    main()
