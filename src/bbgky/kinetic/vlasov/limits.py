r"""The mean-field limit, measured: W1 between N-particle empirical measures and the grid solution.

:func:`distances_to_grid` compares one particle state with one grid distribution (same time):
exact 1D W1 of the position marginal (on the circle) and of the velocity marginal (on the line),
and the sliced W1 of the (x₁, v₁) phase-space marginal (positions not wrapped: the sliced metric
is that of the rectangle [0, L) × [−v_max, v_max]); see :mod:`bbgky.statistics.distances`.

:func:`w1_study` (from a configuration) and :func:`w1_versus_n` run the study of Thm 2.7: for each
N (and each seed) the particle system and the grid solver start from the same law and run to the
same times; the W1 values and the fitted rate W1 ∝ N^p (p ≈ −1/2 expected: the initial sampling
error, propagated with a time-dependent constant) come back as a table (:meth:`StudyResult.to_dataset`).
:func:`knudsen_study` / :func:`hydro_error_versus_knudsen`: the kinetic ↔ hydro error vs Kn.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import numpy as np

from ...statistics.distances import sliced_w1, w1_circle, w1_line
from .grid import PhaseGrid
from .initial import InitialLaw
from .kernels import FieldKernel
from .particles import MeanFieldParticles
from .solver import VlasovModel, VlasovSolver


def _marginal_x1_v1(f: np.ndarray, grid: PhaseGrid) -> np.ndarray:
    d = grid.dimension
    if d == 1:
        return f
    return f.sum(axis=(1, 3))  # [x1, v1]: integrate out x2, v2


def distances_to_grid(x, v, f, grid: PhaseGrid, *, directions: int = 32) -> dict[str, float]:
    """W1 between the particles (x, v: [N, d]) and the grid distribution f, as probability laws."""
    f = np.asarray(f)
    fx1v1 = np.clip(_marginal_x1_v1(f, grid), 0.0, None)
    L, dx = grid.lengths[0], grid.dx[0]
    x_edges = (np.arange(grid.n_x[0] + 1) - 0.5) * dx  # nodes are cell centres
    v_edges = -grid.velocity_max + np.arange(grid.n_v[0] + 1) * grid.dv[0]
    x1 = np.asarray(x)[:, 0]
    v1 = np.asarray(v)[:, 0]
    xs = np.where(x1 >= x_edges[-1], x1 - L, x1)
    return {
        "w1_position": w1_circle(xs, x_edges, fx1v1.sum(axis=1)),
        "w1_velocity": w1_line(v1, v_edges, fx1v1.sum(axis=0)),
        "sliced_w1_phase": sliced_w1(np.c_[xs, v1], x_edges, v_edges, fx1v1, directions=directions),
    }


@dataclass
class StudyResult:
    sizes: list[int]
    times: list[float]
    table: dict[str, np.ndarray] = field(default_factory=dict)  # name -> [sizes, seeds, times]
    rates: dict[str, list[float]] = field(default_factory=dict)  # name -> fitted exponent per time

    def mean(self, name: str) -> np.ndarray:
        return self.table[name].mean(axis=1)

    def to_dataset(self):
        """The table as an ``xarray.Dataset``: ``<name>`` [N, seed, time], ``<name>_mean`` [N, time],
        ``<name>_rate`` [time] (fitted exponent p of W1 ∝ N^p)."""
        import xarray as xr

        dims = ("N", "seed", "time")
        data = {}
        for k, v in self.table.items():
            data[k] = (dims, v)
            data[f"{k}_mean"] = (("N", "time"), self.mean(k))
            data[f"{k}_rate"] = (("time",), np.asarray(self.rates[k]))
        return xr.Dataset(data, coords={"N": self.sizes, "time": self.times,
                                        "seed": np.arange(next(iter(self.table.values())).shape[1])})


def fit_rate(sizes, values) -> float:
    """Exponent p of values ∝ sizes^p (least squares in log–log)."""
    return float(np.polyfit(np.log(sizes), np.log(values), 1)[0])


def w1_versus_n(grid: PhaseGrid, kernel: FieldKernel, law: InitialLaw, *, sizes, seeds: int, dt: float,
                save_steps: list[int], direct_max: int = 2048, interpolation: str = "cubic_spline",
                scheme: str = "strang", directions: int = 32, key: int = 0) -> StudyResult:
    """W1(particles_N(t), grid(t)) at steps ``save_steps`` for every N in ``sizes`` and ``seeds`` seeds."""
    solver = VlasovSolver(VlasovModel(grid, kernel, interpolation, scheme), dt)
    st = solver.init(law.on_grid(grid))
    grids, done = {}, 0
    for n in sorted(set(save_steps)):
        st = solver.advance(st, n - done) if n > done else st
        done = n
        grids[n] = np.asarray(st.f)
    names = ("w1_position", "w1_velocity", "sliced_w1_phase", "temperature_error")
    table = {k: np.zeros((len(sizes), seeds, len(save_steps))) for k in names}
    theta_grid = {n: float(solver.observe(solver.init(grids[n]))["temperature"]) for n in grids}
    base = jax.random.key(key)
    for a, N in enumerate(sizes):
        method = "direct" if N <= direct_max and kernel.periodic_force is not None else "mesh"
        p = MeanFieldParticles(kernel, N, law.density, dt, method=method, mesh=grid.n_x)
        for s in range(seeds):
            ps = p.init(jax.random.fold_in(jax.random.fold_in(base, N), s), law)
            done = 0
            for b, n in enumerate(save_steps):
                ps = p.advance(ps, n - done) if n > done else ps
                done = n
                dist = distances_to_grid(ps.x, ps.v, grids[n], grid, directions=directions)
                for k, val in dist.items():
                    table[k][a, s, b] = val
                table["temperature_error"][a, s, b] = abs(float(p.observe(ps)["temperature"]) - theta_grid[n])
    res = StudyResult(list(sizes), [k * dt for k in save_steps], table)
    for k in names:
        res.rates[k] = [fit_rate(sizes, res.mean(k)[:, b]) for b in range(len(save_steps))]
    return res


@dataclass
class HydroStudy:
    knudsens: list[float]
    times: list[float]
    density_error: np.ndarray   # [knudsen, time]: max_x |n_kin − ρ_hydro| / n0
    velocity_error: np.ndarray  # [knudsen, time]: max_x |U_kin − u_hydro| / √θ0
    order: float                # fitted p in error(t_end) ∝ Kn^p


def hydro_profiles(euler, state, refine: int) -> dict[str, np.ndarray]:
    """Euler moments sampled at the Vlasov nodes (every ``refine``-th cell centre along each axis;
    in 2D the velocity is [2, nx, ny])."""
    m = euler.moments(state)
    sl = (slice(None, None, refine),) * euler.d
    return {k: (v[(slice(None), *sl)] if v.ndim > euler.d else v[sl]) for k, v in m.items()}


def hydro_error_versus_knudsen(grid: PhaseGrid, kernel: FieldKernel, law: InitialLaw, *, knudsens,
                               dt: float, times: list[float], closure: str = "adiabatic",
                               refine: int = 8) -> HydroStudy:
    """Distance between the moments of the Vlasov–BGK solution (rate 1/Kn) and the Euler solution
    with the same mean-field force, from the same local-Maxwellian initial data, as Kn → 0, in
    1D1V or 2D2V (errors are max over the whole x-grid). ``closure = "adiabatic"``:
    energy-conserving BGK vs Euler with γ = (d+2)/d; ``"isothermal"``: BGK toward the Maxwellian
    at the fixed initial temperature vs isothermal Euler.

    The Euler solver runs on ``refine`` × Nx cells per axis so that its own error is far below the
    Kn effect; the BGK splitting error (O(dt) in the stiff limit) sets a floor: keep dt ≪ min Kn.
    """
    from .euler import EulerMeanField

    d = grid.dimension
    euler = EulerMeanField(tuple(n * refine for n in grid.n_x), grid.lengths, kernel, closure=closure,
                           temperature=law.temperature)
    est = euler.init(law.density * law.spatial(euler.xs), 0.0, law.temperature)
    hydro = []
    for t in times:
        est = euler.advance_to(est, t)
        hydro.append(hydro_profiles(euler, est, refine))
    dens = np.zeros((len(knudsens), len(times)))
    vel = np.zeros_like(dens)
    steps = [round(t / dt) for t in times]
    for a, kn in enumerate(knudsens):
        thermostat = law.temperature if closure == "isothermal" else None
        solver = VlasovSolver(VlasovModel(grid, kernel, "cubic_spline", "strang", knudsen=kn,
                                          bgk_temperature=thermostat), dt)
        st, done = solver.init(law.on_grid(grid)), 0
        for b, n in enumerate(steps):
            st = solver.advance(st, n - done)
            done = n
            obs = solver.observe(st)
            dens[a, b] = np.abs(obs["density_profile"] - hydro[b]["density"]).max() / law.density
            uh = hydro[b]["velocity"].reshape((d, *tuple(grid.n_x)))
            du = np.asarray(obs["velocity_profile"]).reshape(uh.shape) - uh
            vel[a, b] = np.abs(du).max() / np.sqrt(law.temperature)
    order = fit_rate(knudsens, dens[:, -1])
    return HydroStudy(list(knudsens), list(times), dens, vel, order)


def _study_setup(cfg):
    from ...errors import ConfigError
    from .setup import build, check

    if cfg.levels.vlasov is None:
        raise ConfigError([("levels.vlasov", "the study needs a [levels.vlasov] table")])
    problems = check(cfg)
    if problems:
        raise ConfigError(problems)
    return build(cfg)


def w1_study(cfg, sizes, *, seeds: int = 2, directions: int = 32) -> StudyResult:
    """The mean-field-limit study of a configured scenario: W1(N-particle empirical measure, grid
    solution) at every save time of ``cfg`` (t = 0 included) for every N in ``sizes`` and ``seeds``
    seeds (keys from ``system.seed``), with the fitted rate W1 ∝ N^p per time
    (:attr:`StudyResult.rates`). The grid, kernel, law and dt are those of ``[levels.vlasov]``.
    :meth:`StudyResult.to_dataset` gives the table as an ``xarray.Dataset`` for a report."""
    s = _study_setup(cfg)
    lv = cfg.levels.vlasov
    steps = [k * s.steps_per_save for k in range(s.saves + 1)]
    from .setup import DIRECT_MAX

    return w1_versus_n(s.grid, s.kernel, s.law, sizes=list(sizes), seeds=seeds, dt=s.dt, save_steps=steps,
                       direct_max=DIRECT_MAX, interpolation=lv.interpolation, scheme=lv.splitting,
                       directions=directions, key=cfg.system.seed)


def knudsen_study(cfg, knudsens, *, closure: str | None = None, refine: int | None = None) -> HydroStudy:
    """The kinetic ↔ hydro study of a configured scenario (1D1V or 2D2V): Vlasov–BGK at each Kn in
    ``knudsens`` against the Euler system (``closure``, default ``levels.vlasov.closure`` or
    adiabatic) at every save time, with the fitted order in Kn at the last time."""
    s = _study_setup(cfg)
    closure = closure or cfg.levels.vlasov.closure or "adiabatic"
    refine = refine or (8 if s.grid.dimension == 1 else 4)
    times = [k * s.steps_per_save * s.dt for k in range(1, s.saves + 1)]
    return hydro_error_versus_knudsen(s.grid, s.kernel, s.law, knudsens=list(knudsens), dt=s.dt, times=times,
                                      closure=closure, refine=refine)
