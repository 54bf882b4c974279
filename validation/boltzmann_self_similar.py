r"""Self-similar profile of Maxwell molecules under simple shear (James–Qi–Wang eq. 46, Thm 3.1).

g(t, w) = e^{−3βt} G(w e^{−βt}): θ ∝ e^{2βt}, β = λ*ν/2 exactly (moment ODE), and G is not
Maxwellian — James–Qi–Wang: polynomial tails. Two independent computations of G at unit temperature
(b = 1/4π, ρ = 1, ν = 1/2, a = a*ν, from the unit Maxwellian):

* **DSMC** (``--samples`` × ``--replicas``): velocities of each replica scaled by its √θ at 11
  snapshots in νt ∈ [10, 15] and pooled; histogram of |ξ| on log-spaced shells. β from the slope
  of ln θ (error: standard error over replicas). Reaches the tail as far as the counts go.
* **Spectral** (N = ``--grid``, box L = ``--extent`` √θ, Lebedev 11): the grid follows θ, so it
  evolves G itself; run to ``--spectral-nu-t`` and stopped earlier if the edge mass passes 1e-4.
  Its β and ⟨|ξ|⁴⟩ are checked against the exact (closed) second- and fourth-moment ODEs at the
  same times. Limitation: the sheared profile develops structure finer than the grid (its Fourier
  content decays only like e^{−|k|/a*} along the shear), and on feasible grids spurious mass
  accumulates at the box edges after νt ≈ 2–3 (validation/boltzmann_spectral_resolution.py), so
  the spectral profile is the one at its last clean time, not the long-time limit.

Outputs: the β table, ⟨|ξ|⁴⟩ against the exact fourth-moment ODE, the apparent tail exponent s
(G_r ∝ r^{−s}, least squares of ln G_r on ln r over ``--fit-range``) against the Maxwellian's over
the same range, the radius beyond which G_r exceeds the Maxwellian, and a log–log plot of the
radial marginal G_r(r) = r² ∫ G(rω) dω (``--out``).

Run: ``.venv/bin/python validation/boltzmann_self_similar.py`` (about 8 min on 2 shared cores).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bbgky.kinetic.boltzmann import moments as mo  # noqa: E402
from bbgky.kinetic.boltzmann import selfsimilar as ss  # noqa: E402
from bbgky.models import flows, kernels  # noqa: E402

KERNEL = kernels.maxwell()
NU = KERNEL.stress_relaxation_rate(1.0)


def exact_beta_path(a_star, nu_t):
    """Mean of d ln √θ/dt over the intervals between the records, from the moment ODE."""
    t = np.concatenate([[0.0], nu_t]) / NU
    A = flows.velocity_gradient("simple_shear", 3, a_star * NU)
    theta = mo.solve_second_moments(np.eye(3), A, 1.0, t, mo.maxwell_rate(KERNEL)).temperature
    return np.diff(np.log(theta)) / np.diff(t) / 2


def crossing(r, ratio, above=1.1, r_min=2.5):
    """Smallest r ≥ r_min from which ratio stays above ``above`` (NaN if never)."""
    ok = (r >= r_min) & (ratio > above)
    bad = np.nonzero((r >= r_min) & ~ok)[0]
    start = bad[-1] + 1 if bad.size else np.nonzero(r >= r_min)[0][0]
    return float(r[start]) if start < len(r) else float("nan")


def maxwellian_mass_beyond(r):
    """∫_r^∞ of the unit Maxwellian's radial marginal."""
    return math.erfc(r / math.sqrt(2)) + math.sqrt(2 / math.pi) * r * math.exp(-r * r / 2)


def report_tail(a, d, r_d, fit):
    """Tail figures of one DSMC profile; returns (mask of bins with ≥ 10 counts, fitted exponent)."""
    maxw = ss.maxwellian_radial
    ok = d.counts >= 10
    lo, hi = fit
    s_d = ss.tail_exponent(r_d[ok], d.radial[ok], lo, hi)
    print(f"\na* = {a}: DSMC β = {d.beta:.5f} ± {d.beta_stderr:.5f} (exact {ss.exact_beta(a, KERNEL):.5f}); "
          f"⟨|ξ|⁴⟩ = {d.fourth:.3f} (Maxwellian 15); counts ≥ 10 up to r = {r_d[ok][-1]:.1f}")
    print(f"  apparent exponent s (G_r ∝ r^-s) over r ∈ [{lo}, {hi}]: {s_d:.2f} "
          f"(Maxwellian {ss.tail_exponent(r_d, maxw(r_d), lo, hi):.2f})")
    for w0, w1 in [(3, 5), (5, 7), (7, 9), (9, 11), (11, 14)]:
        use = ok & (r_d >= w0) & (r_d <= w1)
        if use.sum() >= 3:
            local = ss.tail_exponent(r_d[use], d.radial[use], w0, w1)
            print(f"  local exponent over [{w0}, {w1}]: {local:.2f} (Maxwellian "
                  f"{ss.tail_exponent(r_d, maxw(r_d), w0, w1):.2f}; {d.counts[use].sum():.0f} counts)")
    beyond = d.counts[::-1].cumsum()[::-1] / d.samples
    energy = (d.counts * r_d**2)[::-1].cumsum()[::-1] / (3 * d.samples)
    for r0 in (6.0, 8.0, 10.0, 12.0):
        k = np.searchsorted(d.edges, r0)
        print(f"  beyond |ξ| = {d.edges[k]:.1f}: mass fraction {beyond[k]:.1e} (Maxwellian "
              f"{maxwellian_mass_beyond(d.edges[k]):.1e}), energy fraction {energy[k]:.1e}")
    ratio = d.radial[ok] / maxw(r_d[ok])
    print(f"  G_r > 1.1 × Maxwellian from r = {crossing(r_d[ok], ratio):.2f}")
    return ok, s_d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a-star", type=float, nargs="+", default=[1.0, 2.0],
                    help="DSMC for each; the spectral run for the first")
    ap.add_argument("--samples", type=int, default=200_000)
    ap.add_argument("--replicas", type=int, default=4)
    ap.add_argument("--grid", type=int, default=32)
    ap.add_argument("--extent", type=float, default=9.0)
    ap.add_argument("--spectral-nu-t", type=float, default=1.5)
    ap.add_argument("--fit-range", type=float, nargs=2, default=[4.0, 7.0])
    ap.add_argument("--out", default="validation/out/boltzmann_self_similar.png")
    args = ap.parse_args()
    maxw = ss.maxwellian_radial
    edges = np.concatenate([np.linspace(0, 2, 21)[:-1], np.geomspace(2, 20, 41)])
    e0, e1 = edges[:-1], edges[1:]
    # bin positions: rms radius on the linear bins (G_r ∝ r² there), geometric mean on the log ones
    r_d = np.where(e1 <= 2, np.sqrt((e1**3 - e0**3) / (3 * (e1 - e0))), np.sqrt(e0 * e1))

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.3))
    for c, a in enumerate(args.a_star):
        start = time.perf_counter()
        d = ss.dsmc_profile(a, edges, samples=args.samples, replicas=args.replicas)
        print(f"<!-- DSMC a* = {a}: {time.perf_counter() - start:.0f} s, {d.samples:.2e} pooled samples -->")
        ok, s_d = report_tail(a, d, r_d, args.fit_range)
        err = d.radial / np.sqrt(np.maximum(d.counts, 1))
        ax[0].errorbar(r_d[ok], d.radial[ok], yerr=err[ok], fmt="o", ms=3, color=f"C{c}",
                       label=f"DSMC a* = {a}, νt ∈ [10, 15]")
        ax[1].errorbar(r_d[ok], d.radial[ok] / maxw(r_d[ok]), yerr=err[ok] / maxw(r_d[ok]), fmt="o", ms=3,
                       color=f"C{c}", label=f"DSMC a* = {a}")
        lo, hi = args.fit_range
        rr = np.geomspace(lo, hi, 20)
        k = np.argmin(np.abs(r_d - lo))
        ax[0].plot(rr, 3 * d.radial[k] * (rr / r_d[k]) ** -s_d, ":", color=f"C{c}",
                   label=fr"$\propto r^{{-{s_d:.1f}}}$ (fit, ×3)")

    a = args.a_star[0]
    start = time.perf_counter()
    s = ss.spectral_profile(a, n=args.grid, extent=args.extent, nu_t=args.spectral_nu_t, dt=0.05,
                            records=max(1, round(args.spectral_nu_t / 0.25)), radial_points=8,
                            start="maxwellian")
    print(f"\n<!-- spectral a* = {a}: {time.perf_counter() - start:.0f} s, clean to νt = {s.nu_t[-1]:.2f} "
          "-->")
    beta_path = exact_beta_path(a, s.nu_t)
    m4_path = ss.exact_fourth_moment(a, np.eye(3), s.nu_t)
    print(f"| spectral a* = {a}, νt | β | exact β(t) | rel. dev. | ⟨|ξ|⁴⟩ | exact | edge mass |")
    print("|---|---|---|---|---|---|---|")
    for k in range(len(s.nu_t)):
        print(f"| {s.nu_t[k]:.2f} | {s.beta[k]:.5f} | {beta_path[k]:.5f} | "
              f"{s.beta[k] / beta_path[k] - 1:+.1e} | {s.fourth[k]:.3f} | {m4_path[k]:.3f} | "
              f"{s.edge[k]:.1e} |")
    print(f"exact ⟨|ξ|⁴⟩ of the self-similar profile (fourth-moment ODE at νt = 15): "
          f"{ss.exact_fourth_moment(a, np.eye(3), [15.0])[0]:.3f}")
    sel = (s.radius > 0) & (s.radius <= args.extent - 3.0) & (s.radial > 0)  # the outer 3 √θ: box effects
    ratio = s.radial[sel] / maxw(s.radius[sel])
    print(f"spectral G_r > 1.1 × Maxwellian from r = {crossing(s.radius[sel], ratio):.2f} "
          f"(νt = {s.nu_t[-1]:.2f})")
    ax[0].plot(s.radius[sel], s.radial[sel], "-", color="C2",
               label=f"spectral a* = {a}, N = {args.grid}, νt = {s.nu_t[-1]:.1f}")
    ax[1].plot(s.radius[sel], ratio, "-", color="C2", label=f"spectral a* = {a}, νt = {s.nu_t[-1]:.1f}")

    rr = np.geomspace(0.05, 20, 400)
    ax[0].plot(rr, maxw(rr), "k--", label="Maxwellian")
    ax[1].axhline(1, color="k", ls="--", lw=0.8)
    for axis in ax:
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(r"$|\xi| = |w|/\sqrt{\theta}$")
    ax[0].set_ylim(1e-8, 2)
    ax[0].set_xlim(0.3, 20)
    ax[0].set_ylabel(r"$G_r(r) = r^2\int G(r\omega)\,d\omega$")
    ax[0].set_title("self-similar profile, simple shear, Maxwell molecules", fontsize=10)
    ax[0].legend(fontsize=7)
    ax[1].set_xlim(0.3, 20)
    ax[1].set_ylim(0.3, 1e6)
    ax[1].set_ylabel("G_r / Maxwellian")
    ax[1].legend(fontsize=7)
    fig.tight_layout()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    print(f"\nplot: {out}")


if __name__ == "__main__":
    main()
