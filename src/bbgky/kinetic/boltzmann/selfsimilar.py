r"""Self-similar profiles of the homo-energetic Boltzmann equation (James–Qi–Wang eq. 46, Thm 3.1), and
the marginals of the scaled profile G on the spectral grid.

**Self-similar solutions.** For Maxwell molecules under simple shear L = a e_xe_yᵀ (ρ fixed),
$g(t, w) = e^{-3\beta t}G(w e^{-\beta t})$ solves eq. (6) when
$-\beta\nabla\cdot(wG) - \nabla\cdot(LwG) = Q(G, G)$ (eq. 46; existence for small ‖L‖: Thm 3.1,
after James–Nota–Velázquez). Then θ ∝ e^{2βt}, so β = λ/2 with λ = λ*ν the exact temperature
growth rate of the moment ODE (:func:`.moments.simple_shear_asymptotics`). The spectral solver
already evolves $G(t, \xi)$, $w = c(t)\xi$ with c² ∝ θ (:mod:`.spectral`): run long, its ċ/c → β
and G → the profile (normalised here to unit mass and unit temperature, ⟨|ξ|²⟩ = 3). DSMC gives
the same profile as the law of ξ = w/√θ (each replica rescaled by its own temperature) pooled over
snapshots of the self-similar regime; its reach into the tail is set by the sample count, not by a
box. The profile is not Maxwellian: its tails decay as a power of |ξ| (moments of high order
diverge), heavier for larger a*.

**Marginals on the grid.** With $g(t, w) = \rho(t)\,c(t)^{-3}\,G(t, w/c(t))$, $\int G = 1$:

$$g_i(w_i) = \int g\,dw_j\,dw_k = \frac{\rho}{c}\,G_i(\xi_i), \qquad
g_r(|w|) = |w|^2\!\int_{S^2} g(|w|\omega)\,d\omega = \frac{\rho}{c}\,G_r(|\xi|),$$

so $\int g_i\,dw_i = \rho$ and $\int w_i^2 g_i\,dw_i = P_{ii}$. On the grid, $G_i$ is the sum of G
over the other two axes (exact quadrature of the trapezoidal rule); $G_r$ is that of the
trigonometric interpolant $G = \sum_k c_k e^{i\pi k\cdot\xi/L}$ (the representation the spectral
method evolves), $G_r(r) = 4\pi r^2\sum_k c_k\,\mathrm{sinc}(\pi|k|r/L)$, exact and smooth in r
(no lattice-shell noise) for $r \le L$.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import numpy as np

from ...models.flows import velocity_gradient
from ...models.kernels import maxwell
from . import dsmc as _dsmc
from .moments import FourthMomentSystem, simple_shear_asymptotics
from .spectral import Grid, HomoEnergeticSolver, SpectralCollision, shell_average


def axis_marginals(G: np.ndarray, grid: Grid) -> np.ndarray:
    """[d, N]: G_i(ξ_i), the integral of G over the other axes."""
    G, d = np.asarray(G), grid.dimension
    return np.stack([G.sum(axis=tuple(j for j in range(d) if j != i)) for i in range(d)]) * grid.h ** (d - 1)


class RadialMarginal:
    r"""G_r(r) = r^{d−1} ∫ G(rω) dω of the trigonometric interpolant of G, at ``radius`` (default
    0, h/2, …, L): $r^{d-1}\sum_k c_k\int_{S^{d-1}}e^{i\pi k\cdot\omega r/L}d\omega$ (4π sinc, or 2π J0
    in 2D: :func:`.spectral.shell_average`)."""

    def __init__(self, grid: Grid, radius: np.ndarray | None = None):
        self.radius = grid.h / 2 * np.arange(grid.n + 1) if radius is None else np.asarray(radius, float)
        d = grid.dimension
        K = np.stack(np.meshgrid(*[grid.wavenumbers] * d, indexing="ij")).reshape(d, -1)
        kk = (K**2).sum(0)
        sign = (-1.0) ** K.sum(0)  # e^{iπk·L/L}: the grid starts at −L
        nyq = (np.abs(K) == grid.n // 2).any(0)
        shells, self._shell = np.unique(kk, return_inverse=True)
        self._weight = np.where(nyq, 0.0, sign) / grid.n**d
        kabs = np.sqrt(shells)
        self._basis = self.radius[:, None] ** (d - 1) * shell_average(
            math.pi * self.radius[:, None] * kabs[None] / grid.extent, d)
        self._nshell = len(shells)

    def __call__(self, G: np.ndarray) -> np.ndarray:
        Gh = np.fft.fftn(np.asarray(G)).ravel().real * self._weight  # G real: the imaginary parts cancel
        return self._basis @ np.bincount(self._shell, weights=Gh, minlength=self._nshell)


# ----------------------------------------------------------------------------------------------
# Self-similar profile of simple shear, Maxwell molecules
# ----------------------------------------------------------------------------------------------

def maxwellian_radial(r: np.ndarray) -> np.ndarray:
    """Radial marginal of the unit Maxwellian, 4πr² (2π)^{-3/2} e^{−r²/2}."""
    r = np.asarray(r, float)
    return 4 * math.pi * r**2 * (2 * math.pi) ** -1.5 * np.exp(-0.5 * r**2)


def exact_beta(a_star: float, kernel) -> float:
    """β = λ/2 = λ*ν/2 at unit density (ν = (3/4)Λ)."""
    return 0.5 * simple_shear_asymptotics(a_star).growth_rate * kernel.stress_relaxation_rate(1.0)


def shear_ray_temperature(a_star: float) -> np.ndarray:
    """P/p of the asymptotic state: the unit-temperature tensor on the exact ray of the moment ODE."""
    s = simple_shear_asymptotics(a_star)
    return np.array([[s.pxx, s.pxy, 0], [s.pxy, s.pyy, 0], [0, 0, s.pyy]])


@dataclass(frozen=True)
class ShearRayProblem:
    """A spectral simple-shear run of Maxwell molecules: grid, velocity gradient, initial G, solver."""

    grid: Grid
    A: np.ndarray
    G0: np.ndarray
    solver: HomoEnergeticSolver


def shear_ray_problem(a_star: float, n: int, extent: float, sphere_degree: int, *,
                      radial_points: int | None = None, scheme: str = "rk4",
                      start: str = "ray") -> ShearRayProblem:
    """Maxwell molecules (b = 1/4π, ρ = 1, ν = ρ/2) under simple shear a = a*ν on an N³ grid of
    half-width ``extent``, from the Gaussian with the asymptotic P/p (``start="ray"``: the second
    moments are exact from t = 0, :func:`shear_ray_temperature`) or from the unit Maxwellian
    (``"maxwellian"``), normalised to ∫G = 1; N_ρ = ``radial_points`` (default max(8, N/2))."""
    kernel = maxwell()
    grid = Grid(n, extent)
    x = grid.mesh()
    T = shear_ray_temperature(a_star) if start == "ray" else np.eye(3)
    G0 = np.exp(-0.5 * np.einsum("ixyz,ij,jxyz->xyz", x, np.linalg.inv(T), x))
    collision = SpectralCollision(grid, kernel, radial_points=radial_points or max(8, n // 2),
                                  sphere_degree=sphere_degree)
    A = velocity_gradient("simple_shear", 3, a_star * kernel.stress_relaxation_rate(1.0))
    solver = HomoEnergeticSolver(grid, collision, A, 1.0, 0.0, scheme=scheme)
    return ShearRayProblem(grid, A, G0 / (G0.sum() * grid.cell), solver)


@dataclass(frozen=True)
class SpectralProfile:
    a_star: float
    nu_t: np.ndarray      # [k] νt at the records
    beta: np.ndarray      # [k] mean ċ/c over the interval before each record (→ β)
    fourth: np.ndarray    # [k] ⟨|ξ|⁴⟩ of G (unit temperature; 15 for a Maxwellian)
    edge: np.ndarray      # [k] mass fraction of |G| in the two outermost cell layers
    grid: Grid
    G: np.ndarray         # profile at the last record, ∫G = 1, ⟨|ξ|²⟩ = 3
    radius: np.ndarray
    radial: np.ndarray    # G_r at radius


def spectral_profile(a_star: float, *, n: int = 32, extent: float = 9.0, nu_t: float = 4.0,
                     dt: float = 0.05, records: int = 16, sphere_degree: int = 11,
                     radial_points: int | None = None, start: str = "ray",
                     edge_tolerance: float = 1e-4) -> SpectralProfile:
    """Fast spectral method for Maxwell molecules (b = 1/4π, ρ = 1) under simple shear a = a*ν,
    from the Gaussian with the asymptotic P/p (``start="ray"``: the second moments are exact from
    t = 0 and only the shape relaxes) or from the unit Maxwellian (``"maxwellian"``), to νt.
    Stops early, keeping the last sound record, once the edge mass exceeds ``edge_tolerance``
    (in long runs spurious mass accumulates at the box edges: see the validation script)."""
    nu = maxwell().stress_relaxation_rate(1.0)
    problem = shear_ray_problem(a_star, n, extent, sphere_degree, radial_points=radial_points, start=start)
    grid, solver = problem.grid, problem.solver
    state = solver.init(problem.G0)
    x = grid.mesh()
    r2 = (x**2).sum(0)
    outer = (np.abs(x) >= extent - 2.01 * grid.h).any(0)
    steps = max(1, round(nu_t / nu / dt / records))
    out, G = [], np.asarray(state.G)
    for _ in range(records):
        before = float(state.log_c)
        new = solver.advance(state, steps, dt)
        Gn = np.asarray(new.G)
        edge = float(np.abs(Gn)[outer].sum() * grid.cell)
        if edge > edge_tolerance or not np.all(np.isfinite(Gn)):
            break
        state, G = new, Gn
        out.append((nu * float(state.t), (float(state.log_c) - before) / (steps * dt),
                    float((r2**2 * G).sum() / G.sum()), edge))
    if not out:
        raise RuntimeError("the spectral run left the box before the first record (raise n or extent)")
    t, beta, fourth, edge = map(np.array, zip(*out, strict=True))
    G = G / (G.sum() * grid.cell)
    radial = RadialMarginal(grid)
    return SpectralProfile(a_star, t, beta, fourth, edge, grid, G, radial.radius, radial(G))


def exact_fourth_moment(a_star: float, T0: np.ndarray, nu_t: np.ndarray) -> np.ndarray:
    """⟨|ξ|⁴⟩ at unit temperature (⟨|w|⁴⟩/θ²) at the times νt, from the Gaussian with temperature
    tensor T0 at t = 0: the closed fourth-moment ODE of Maxwell molecules
    (:class:`.moments.FourthMomentSystem`), exact; the initial moments by Gauss–Hermite quadrature
    (5 nodes an axis: exact to degree 9)."""
    kernel = maxwell()
    nu = kernel.stress_relaxation_rate(1.0)
    fm = FourthMomentSystem(kernel)
    z, wz = np.polynomial.hermite_e.hermegauss(5)
    wz = wz / wz.sum()
    Z = np.stack(np.meshgrid(z, z, z, indexing="ij")).reshape(3, -1).T
    W = np.einsum("i,j,k->ijk", wz, wz, wz).ravel()
    M0 = fm.moments_of(Z @ np.linalg.cholesky(np.asarray(T0, float)).T, W)
    times = np.concatenate([[0.0], np.asarray(nu_t, float) / nu])
    M = fm.solve(M0, velocity_gradient("simple_shear", 3, a_star * nu), times)[1:]
    i = fm.index
    m2 = M[:, i((2, 0, 0))] + M[:, i((0, 2, 0))] + M[:, i((0, 0, 2))]
    m4 = (M[:, i((4, 0, 0))] + M[:, i((0, 4, 0))] + M[:, i((0, 0, 4))]
          + 2 * (M[:, i((2, 2, 0))] + M[:, i((2, 0, 2))] + M[:, i((0, 2, 2))]))
    return 9 * m4 / m2**2


@dataclass(frozen=True)
class DSMCProfile:
    a_star: float
    beta: float           # slope of ln √θ over the window (replica mean)
    beta_stderr: float
    fourth: float         # ⟨|ξ|⁴⟩ pooled over replicas and snapshots
    edges: np.ndarray     # radial bin edges in ξ
    radial: np.ndarray    # histogram density of |ξ| (∫ = 1)
    counts: np.ndarray    # samples per bin (Poisson errors: radial/√counts)
    samples: int          # pooled samples


def dsmc_profile(a_star: float, edges: np.ndarray, *, samples: int = 200_000, replicas: int = 4,
                 window: tuple[float, float] = (10.0, 15.0), snapshots: int = 11, dt: float = 0.02,
                 seed: int = 5) -> DSMCProfile:
    """DSMC (Maxwell molecules, ρ = 1, from the unit Maxwellian) under simple shear a = a*ν; the
    velocities of each replica are scaled by its √θ at ``snapshots`` times in νt ∈ ``window``
    and pooled into a histogram of |ξ| on ``edges``."""
    kernel = maxwell()
    nu = kernel.stress_relaxation_rate(1.0)
    A = velocity_gradient("simple_shear", 3, a_star * nu)
    ens = _dsmc.Ensemble(_dsmc.DSMC(kernel, _dsmc.DSMCConfig(n=samples, A=tuple(map(tuple, A)), rho0=1.0,
                                                              dt_max=dt)))
    states = ens.init(jax.random.PRNGKey(seed), _dsmc.maxwellian_sampler(np.eye(3)), replicas)
    times = np.linspace(*window, snapshots) / nu
    counts = np.zeros(len(edges) - 1)
    log_theta, m4, pooled = [], 0.0, 0
    for t in times:
        states = ens.advance_to(states, t)
        if int(np.bitwise_or.reduce(np.asarray(states.status))):
            raise RuntimeError("DSMC reported a problem (status bits set)")
        w = np.asarray(jax.vmap(ens.dsmc.velocities)(states))            # [R, n, 3]
        theta = (w**2).sum(-1).mean(-1) / 3                               # [R]
        log_theta.append(np.log(theta))
        r = np.sqrt((w**2).sum(-1) / theta[:, None]).ravel()
        counts += np.histogram(r, edges)[0]
        m4 += (r**4).sum()
        pooled += r.size
    slopes = np.polyfit(times, np.array(log_theta), 1)[0] / 2           # [R]
    err = slopes.std(ddof=1) / math.sqrt(replicas) if replicas > 1 else float("nan")
    return DSMCProfile(a_star, float(slopes.mean()), float(err), m4 / pooled, np.asarray(edges),
                       counts / (pooled * np.diff(edges)), counts, pooled)


def tail_exponent(r: np.ndarray, f: np.ndarray, lo: float, hi: float) -> float:
    """Apparent exponent s of f ∝ r^{−s}: least squares of ln f on ln r over lo ≤ r ≤ hi (f > 0)."""
    m = (r >= lo) & (r <= hi) & (f > 0)
    return -float(np.polyfit(np.log(r[m]), np.log(f[m]), 1)[0])
