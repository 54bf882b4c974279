r"""Why the spectral method loses accuracy on strongly sheared states (a* = 2), and what it needs.

Setting of ``boltzmann_shear_table.py --method spectral``: Maxwell molecules (b = 1/4π, ν = ρ/2),
simple shear a = a*ν, start from the Gaussian with the asymptotic P (on the exact ray of the
moment ODE, so θ ∝ e^{λt} and P/p stay fixed *for any profile*). Two exact yardsticks isolate
the two error sources:

1. **Grid transport** (resolution of the profile). The BGK model with ν = (3/4)ρΛ has exactly the
   same second-moment ODE (:mod:`.bgk`), so BGK on the same grid with the same transport term
   measures the grid/transport error alone: relative errors of λ*, P_xy/p, P_yy/p at νt = 0.5 and
   the mass in the two outermost cell layers ("edge").
2. **Collision quadrature**. For Maxwell molecules ∫ w⊗w Q(f,f) = −ν(P − pI) holds for *any* f;
   the spectral Q is evaluated on the BGK state reached at νt = 0.5 and its stress production
   compared with that identity (error / max|ν(P − pI)|), varying the Lebedev degree and R.

Cause. Under shear, Fourier content of G is carried along dk/dt = (ċ/c + L)ᵀk (k_y grows like
a t k_x) and is only damped by the loss rate ρ; at a* = 2 the profile develops thin sheared
structures (the minor axis of P alone has σ ≈ 0.6 √θ, about one cell at N = 32, L = 9). Under-
resolved content rings out to the box edges, where the drift |(ċ/c + L)ξ| ~ aL is largest, and
the edge mass grows (to 7e-3 by νt = 0.5 at N = 32): P/p drifts by 1 %. The σ-integral
∫ f(u + ρσ/2) f(u − ρσ/2) dσ must resolve that structure at radius ρ/2 ≤ R/2, which a degree-17
Lebedev rule does not for N ≥ 40 (finer grids carry more of it: hence N = 40 was *worse* than 32
at degree 17). Last, the relative-speed cut-off: the pair fraction beyond R, weighted by |g|², is
2.3e-4 at R = 9 and 2.0e-5 at R = 10 for this P (Monte Carlo with g ~ N(0, 2P)).

Measured (``python validation/boltzmann_spectral_resolution.py``, 4 min on 2 shared CPU cores):

| grid transport (BGK), νt = 0.5 | λ* | P_xy/p | P_yy/p | edge |
|---|---|---|---|---|
| N = 32, L = 9 | +1.4e-3 | +3.1e-3 | −1.2e-2 | 7.1e-3 |
| N = 40, L = 9 | +5.0e-5 | +2.7e-4 | −3.9e-4 | 9.3e-4 |
| N = 48, L = 9 | +3.9e-7 | +4.3e-6 | −5.4e-6 | 1.4e-4 |
| N = 48, L = 10 | +1.1e-5 | +7.2e-5 | −9.9e-5 | 4.4e-4 |
| N = 64, L = 9 | −1.1e-7 | −4.3e-7 | +3.4e-8 | 5.1e-5 |

(time step 0.025; at N = 40 and 48, 0.0125 gives the same λ*, P/p to all digits shown: the step
is not a cause.)

| stress production of Q at the νt = 0.5 state | max rel. error |
|---|---|
| N = 40, L = R = 9, Lebedev 17 / 29 / 41 | 1.3e-2 / 1.5e-3 / 2.0e-3 |
| N = 48, L = R = 10, Lebedev 17 / 29 / 35 | 1.5e-2 / 1.3e-4 / 4.5e-4 |

Long runs meet a third limit, the box itself: the self-similar profile has power-law tails
(validation/boltzmann_self_similar.py, DSMC, 8.8e6 pooled samples). At a* = 2 the energy fraction
beyond |ξ| = 8.4, 10, 12.6 is 8.0e-3, 3.4e-3, 9.5e-4 (mass 2.4e-4, 7.6e-5, 1.4e-5; a* = 1: energy
1.1e-3, 4.5e-4, 1.6e-4). A box of half-width L ≈ 9 cannot hold the long-time a* = 2 state to
0.1 %: that takes L ≳ 13 and, at the resolution above, N ≳ 70–100 with a Lebedev degree ≥ 29.
The table's short runs (νt ≤ 0.5 from the Gaussian on the ray) are not affected: the tail has
not formed yet.

Check with the full solver (``boltzmann_shear_table.py --method spectral --a-star 2 --grid 40
--extent 9 --sphere-degree 29 --span 0.125 --dt 0.025``, 15 min on 2 loaded cores): λ* −4.8e-5,
P_xy/p −1.1e-4, P_xx/p +8.1e-5, P_yy/p −1.2e-4 at νt = 0.25, against +1.7e-3 (λ*) and +5.7e-3
(P_xy/p) for N = 32, degree 17 at the same time. (The default span, νt = 0.5, was not rerun at
these settings: about 30 min here.)

Recipe for a* = 2 at 0.1 %: N ≥ 40 (48 for margin), L = R ≥ 9 (10), Lebedev degree ≥ 29; a* ≤ 1
is met by N = 32, L = 9, degree 17. The cost is set by the sphere rule: one Q costs
N_ρ(M/2 + 1) FFTs of N³ (M = 302 points at degree 29 against 110 at 17).
"""

from __future__ import annotations

import argparse

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from bbgky.kinetic.boltzmann import bgk  # noqa: E402
from bbgky.kinetic.boltzmann import moments as mo  # noqa: E402
from bbgky.kinetic.boltzmann import spectral as sp  # noqa: E402
from bbgky.models import flows, kernels  # noqa: E402

KERNEL = kernels.maxwell()
NU = KERNEL.stress_relaxation_rate(1.0)


def bgk_state(a_star: float, n: int, extent: float, nu_t: float, dt: float = 0.025):
    """BGK on the grid from the asymptotic Gaussian to νt; returns (grid, G, log c)."""
    s = mo.simple_shear_asymptotics(a_star)
    T = np.array([[s.pxx, s.pxy, 0], [s.pxy, s.pyy, 0], [0, 0, s.pyy]])
    grid = sp.Grid(n, extent)
    x = grid.mesh()
    G = np.exp(-0.5 * np.einsum("ixyz,ij,jxyz->xyz", x, np.linalg.inv(T), x))
    G /= G.sum() * grid.cell
    A = flows.velocity_gradient("simple_shear", 3, a_star * NU)
    solver = sp.HomoEnergeticSolver(grid, bgk.BGKCollision(grid, KERNEL), A, 1.0, 0.0)
    state = solver.advance(solver.init(G), round(nu_t / NU / dt), dt)
    return grid, np.asarray(state.G), float(state.log_c), float(state.t)


def transport_errors(a_star, n, extent, nu_t):
    grid, G, log_c, t = bgk_state(a_star, n, extent, nu_t)
    s = mo.simple_shear_asymptotics(a_star)
    x = grid.mesh()
    P = np.einsum("ixyz,jxyz,xyz->ij", x, x, G) * grid.cell
    p = np.trace(P) / 3
    outer = (np.abs(x) >= grid.extent - 2.01 * grid.h).any(0)
    return (2 * log_c / t / NU / s.growth_rate - 1, P[0, 1] / p / s.pxy - 1, P[1, 1] / p / s.pyy - 1,
            np.abs(G)[outer].sum() * grid.cell)


def production_errors(a_star, n, extent, nu_t, degrees):
    """max |∫ww Q − (−ν(P − pI))| / max|ν(P − pI)| for the spectral Q (R = L) at the BGK state,
    for each Lebedev degree."""
    grid, G, _, _ = bgk_state(a_star, n, extent, nu_t)
    x = grid.mesh()
    P = np.einsum("ixyz,jxyz,xyz->ij", x, x, G) * grid.cell
    exact = -NU * (P - np.trace(P) / 3 * np.eye(3))
    out = []
    for degree in degrees:
        Q = np.asarray(sp.SpectralCollision(grid, KERNEL, radial_points=n // 2, sphere_degree=degree)(G))
        PQ = np.einsum("ixyz,jxyz,xyz->ij", x, x, Q) * grid.cell
        out.append(np.abs(PQ - exact).max() / np.abs(exact).max())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a-star", type=float, default=2.0)
    ap.add_argument("--nu-t", type=float, default=0.5)
    args = ap.parse_args()
    print("| grid transport (BGK) | λ* | P_xy/p | P_yy/p | edge |\n|---|---|---|---|---|")
    for n, extent in [(32, 9.0), (40, 9.0), (48, 9.0), (48, 10.0), (64, 9.0)]:
        e = transport_errors(args.a_star, n, extent, args.nu_t)
        print(f"| N = {n}, L = {extent:g} | " + " | ".join(f"{v:+.1e}" for v in e[:3]) + f" | {e[3]:.1e} |",
              flush=True)
    print("\n| stress production of Q | max rel. error |\n|---|---|")
    for n, extent, degrees in [(40, 9.0, (17, 29, 41)), (48, 10.0, (17, 29, 35))]:
        errs = production_errors(args.a_star, n, extent, args.nu_t, degrees)
        print(f"| N = {n}, L = R = {extent:g}, Lebedev {' / '.join(map(str, degrees))} | "
              + " / ".join(f"{e:.1e}" for e in errs) + " |", flush=True)


if __name__ == "__main__":
    main()
