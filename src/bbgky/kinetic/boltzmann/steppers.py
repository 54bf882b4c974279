r"""The Boltzmann-level solvers as registered steppers (:mod:`bbgky.core`): ``dsmc`` (JAX or Numba
backend), ``spectral``, ``bgk`` and ``moments``; each built from the resolved configuration by
``core.build("boltzmann", method, cfg)``. The numerics are those of :mod:`.dsmc`, :mod:`.spectral`,
:mod:`.bgk` and :mod:`.moments`; this module only adapts them (observables, health, declared
metadata). Conservation is declared for the examples' setting without flow (A = 0): under a
homo-energetic flow only the mass of a material volume, ρ det(I + tA), stays constant (the flow
heats the gas and the velocity frame deforms).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from ... import core
from ...config import Config
from ...models import flows
from . import bgk as _bgk
from . import dsmc as _dsmc
from . import moments as _moments
from . import selfsimilar as _profile
from . import spectral as _spectral
from .level import (
    BOUNDARY_TOLERANCE,
    DISTRIBUTIONS,
    _bkw_K,
    boundary_mass,
    build_kernel,
    dsmc_backend,
    initial_grid_distribution,
    save_schedule,
    sphere_degree,
)

_ANISOTROPIC = {"kind": "anisotropic",
                "temperature_tensor": [[1.3, 0.1, 0.0], [0.1, 1.0, 0.0], [0.0, 0.0, 0.7]]}


def _example(method: dict, time: dict | None = None) -> dict:
    """A tiny Boltzmann configuration for the generic registry tests (Maxwell molecules, no flow,
    an anisotropic Maxwellian relaxing)."""
    return {"title": "registry example", "system": {"density": 1.0, "temperature": 1.0, "seed": 5},
            "interaction": {"potential": "maxwell"}, "initial": dict(_ANISOTROPIC),
            "time": time or {"end": 0.4, "step": 0.1, "save_every": 0.2},
            "levels": {"boltzmann": method}}


def _material_mass(rho: float, A: np.ndarray, t: float) -> float:
    """ρ det(I + tA): the mass of a material volume, constant in every homo-energetic flow."""
    return rho * float(flows.volume_ratio(A, t))


# ----------------------------------------------------------------------------------------------
# grid methods: spectral, bgk
# ----------------------------------------------------------------------------------------------

#: steps between two evaluations of the step size of the grid methods
RATE_CHECK = 16


class GridStepper(core.Stepper):
    """The fast spectral method or BGK on the N^d grid that follows θ(t) (:mod:`.spectral`)."""

    def __init__(self, cfg: Config):
        b = cfg.levels.boltzmann
        self.cfg, self.method = cfg, b.method
        d = self.d = cfg.system.dimension
        kern = build_kernel(cfg)
        A = self.A = cfg.velocity_gradient()
        grid = self.grid = _spectral.Grid(b.grid, b.velocity_extent, d)
        if b.method == "bgk":
            self.collision = _bgk.BGKCollision(grid, kern)
        else:
            self.collision = _spectral.SpectralCollision(
                grid, kern, truncation=b.truncation * b.velocity_extent,
                radial_points=b.radial_points or max(8, b.grid // 2), sphere_degree=sphere_degree(b, kern, A))
        self.kernel = kern
        self.solver = _spectral.HomoEnergeticSolver(grid, self.collision, A, cfg.system.density, kern.gamma,
                                                    scheme=b.scheme)
        self.dt = cfg.time.step
        #: time.step omitted: the step follows the collision frequency and the flow
        #: (:func:`.spectral.automatic_step`); given: that step, subdivided only where unstable
        self.auto_step = "step" not in cfg.time.model_fields_set
        self.order = self.solver.order
        self.conserves = {"mass": 0.0, "momentum": 0.0, "energy": 0.0} if not np.any(A) else {"mass": 0.0}
        self._x = grid.mesh()
        self._radial = _profile.RadialMarginal(grid)

    def initial(self) -> core.State:
        G0, c0 = initial_grid_distribution(self.cfg, self.grid)
        data = self.solver.init(G0, 0.0, math.log(c0))
        return core.new_state(data, 0.0, core.seed_key(self.cfg.system.seed))

    def rates(self, data) -> tuple[float, float]:
        """(|L(t)|₂, collision rate) at the state: the BGK frequency ν = ρθ/μ(θ), or the spectral loss
        rate ρ c^γ Σ(4√θ) (the total rate at four thermal speeds)."""
        grid, d = self.grid, self.d
        t = float(data.t)
        rho = flows.density(self.cfg.system.density, self.A, t)
        c = math.exp(float(data.log_c))
        theta_G = float(jnp.sum(jnp.asarray(self._x**2).sum(0) * data.G) * grid.cell) / d
        if self.method == "bgk":
            rate = float(self.collision.frequency(rho, c**2 * theta_G))
        else:
            rate = rho * float(self.kernel.total_rate(c * math.sqrt(theta_G) * 4.0))
        return float(np.linalg.norm(flows.flow_gradient(self.A, t), 2)), rate

    def step_size(self, data) -> float:
        """The integration step from this state on: automatic (``time.step`` omitted), else time.step
        divided into the fewest equal parts that are stable (:func:`.spectral.stable_step`)."""
        scheme = self.solver.scheme
        flow, rate = self.rates(data)
        if self.auto_step:
            return _spectral.automatic_step(scheme, self.grid, flow, rate)
        return self.dt / max(1, math.ceil(self.dt / _spectral.stable_step(scheme, self.grid, flow, rate)))

    def advance(self, state: core.State, n: int) -> core.State:
        """n time.step intervals in equal steps of at most :meth:`step_size`, re-evaluated every
        ``RATE_CHECK`` steps (the collision rate grows with θ under a flow)."""
        data, remaining = state.data, n * self.dt
        while remaining > 1e-12 * n * self.dt:
            m = max(1, math.ceil(remaining / self.step_size(data) - 1e-9))
            k = min(m, RATE_CHECK)
            data = self.solver.advance(data, k, remaining / m)
            remaining -= k * (remaining / m)
        return state.replace(data=data, time=data.t, step=state.step + n, status=data.status)

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        grid, d = self.grid, self.d
        data = state.data
        mass, _mean, P, q, speed = _spectral.grid_moments(data.G, grid)
        rho = flows.density(self.cfg.system.density, self.A, float(data.t))
        c = math.exp(float(data.log_c))
        G = np.asarray(data.G) / float(mass)
        P = rho * c**2 * np.asarray(P) / float(mass)
        theta = float(np.trace(P)) / (d * rho)
        return {"density": np.asarray(rho), "temperature": np.asarray(theta),
                "internal_energy": np.asarray(0.5 * d * theta), "pressure_tensor": P,
                "heat_flux": 0.5 * rho * c**3 * np.asarray(q) / float(mass),
                "speed_moment": np.asarray(speed) / float(mass) * c ** np.array([2.0, 4.0, 6.0, 8.0]),
                "boundary_mass": np.asarray(boundary_mass(data.G, grid)), "velocity_scale": np.asarray(c),
                # the grid follows θ, not the anisotropy: a compressed axis shrinks toward the mesh
                "thermal_width_cells": np.asarray(math.sqrt(float(np.linalg.eigvalsh(P).min())
                                                            / (rho * c**2)) / grid.h),
                "velocity_marginal": rho / c * _profile.axis_marginals(G, grid),
                "speed_distribution": rho / c * self._radial(G)}

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        """Mass, momentum and kinetic energy of g = ρ c^{-d} G(w/c) per unit volume (unscaled)."""
        data, grid = state.data, self.grid
        rho = flows.density(self.cfg.system.density, self.A, float(data.t))
        c = math.exp(float(data.log_c))
        G = np.asarray(data.G)
        x = self._x
        mass = float(G.sum()) * grid.cell
        out = {"mass": np.asarray(_material_mass(rho * mass, self.A, float(data.t)))}
        if "momentum" in self.conserves:
            out["momentum"] = rho * c * np.tensordot(x, G, axes=self.d) * grid.cell
            second = float((x**2).sum(0).ravel() @ G.ravel()) * grid.cell
            out["energy"] = np.asarray(0.5 * rho * c**2 * second)
        return out

    def health(self, state: core.State) -> str | None:
        data = state.data
        if int(data.status) != 0 or not bool(jnp.all(jnp.isfinite(data.G))):
            return "non-finite values in the velocity distribution (lower time.step)"
        edge = boundary_mass(data.G, self.grid)
        if edge > BOUNDARY_TOLERANCE:
            return (f"the velocity box is too small for the distribution reached: mass fraction {edge:.2e} "
                    f"> {BOUNDARY_TOLERANCE:g} in its two outermost cell layers. Raise "
                    "levels.boltzmann.velocity_extent (with grid) or shorten time.end")
        return None

    def attrs(self) -> dict:
        b = self.cfg.levels.boltzmann
        out = {"grid_points": b.grid, "velocity_extent_sqrt_theta": b.velocity_extent,
               "time_scheme": f"{b.scheme} (order {self.solver.order})",
               "time_step_rule": "automatic: min(stable, accurate) from the collision rate and |L| "
                                 "(docs/boltzmann.md)" if self.auto_step else
                                 "time.step, subdivided where the explicit scheme would be unstable"}
        if self.method == "spectral":
            out.update({"truncation_R_over_L": b.truncation, "radial_points": self.collision.nr,
                        "sphere_points": self.collision.sphere_points,
                        "method_reference": "Gamba, Haack, Hauck & Hu, SIAM J. Sci. Comput. 39 (2017) B658; "
                                            "conservation: Gamba & Tharkabhushanam, JCP 228 (2009) 2012"})
        else:
            out["bgk_frequency"] = "nu = rho theta / mu(theta) (kernel Chapman-Enskog viscosity)"
        return out

    def final(self, state: core.State) -> xr.Dataset:
        """The velocity distribution at the last save on the scaled grid, and the grid coordinates."""
        grid, d = self.grid, self.d
        rho = flows.density(self.cfg.system.density, self.A, float(state.data.t))
        c = math.exp(float(state.data.log_c))
        G = np.asarray(state.data.G)
        g = rho * c**-d * G / (G.sum() * grid.cell)
        xi = {"units": "1", "long_name": "scaled velocity xi = w/c on the grid axis"}
        axes = "xyz"[:d]
        coords = {"xi": ("xi", grid.axis, xi), "component": ("component", np.array(list(axes))),
                  "xi_radial": ("xi_radial", self._radial.radius, {"units": "1",
                                                                   "long_name": "scaled speed |w|/c"})}
        coords.update({f"xi_{a}": (f"xi_{a}", grid.axis, xi) for a in axes})
        attrs = {"units": f"sigma-d (epsilon/m)^-{d}/2", "long_name": "velocity distribution g(w) at the "
                 "last save, at w = c xi (c = final velocity_scale)", "final_velocity_scale": c}
        return xr.Dataset({"velocity_distribution": (tuple(f"xi_{a}" for a in axes), g, attrs)},
                          coords=coords)


@core.register("boltzmann", "spectral", examples={"rk4": {
    **_example({"method": "spectral", "grid": 24, "velocity_extent": 7.0, "sphere_degree": 5}),
    "initial": {"kind": "bkw", "start": 6.5}}})
def build_spectral(cfg: Config) -> tuple[GridStepper, core.State]:
    s = GridStepper(cfg)
    return s, s.initial()


@core.register("boltzmann", "bgk", examples={"ssprk3": _example(
    {"method": "bgk", "grid": 12, "velocity_extent": 8.0, "scheme": "ssprk3"})})
def build_bgk(cfg: Config) -> tuple[GridStepper, core.State]:
    s = GridStepper(cfg)
    return s, s.initial()


# ----------------------------------------------------------------------------------------------
# DSMC
# ----------------------------------------------------------------------------------------------

class DSMCStepper(core.Stepper):
    """``replicas`` × ``samples`` DSMC simulators (:mod:`.dsmc`); observables are replica means with
    ``_stderr`` companions. One step advances every replica to t + time.step in adaptive
    collision steps (Δt ≤ time.step, majorant-limited)."""

    order = 1
    order_note = ("stochastic: the first-order time-step bias (≈ νΔt/2 on the relaxation rate) is far "
                  "below the sampling noise at registry-test sizes; it is measured against the moment ODE "
                  "in tests/kinetic/test_boltzmann_verification.py")
    stochastic = True

    def __init__(self, cfg: Config):
        b = self.b = cfg.levels.boltzmann
        self.cfg = cfg
        self.d = cfg.system.dimension
        self.backend = dsmc_backend(b.backend, self.d)
        kern = build_kernel(cfg)
        A = self.A = cfg.velocity_gradient()
        saves, per, dt = save_schedule(cfg)
        self.dt = dt
        t_end = saves * per * dt
        # ρ(t)/ρ0 bound over the run, for the Maxwell-molecule capacity
        ts = np.linspace(0, t_end, 257)
        dens = max(flows.density(1.0, A, t) for t in ts)
        cfg_d = _dsmc.DSMCConfig(n=b.samples, A=tuple(map(tuple, A)), rho0=cfg.system.density, dt_max=dt,
                                 p_max=b.collision_fraction, density_bound=float(dens) * 1.01)
        self.ens = _dsmc.Ensemble(_dsmc.DSMC(kern, cfg_d), self.backend)
        # collisions conserve momentum and energy pair by pair, to round-off; the number of
        # simulators (the mass) is fixed
        self.conserves = {"mass": 0.0, "momentum": 0.0, "energy": 0.0} if not np.any(A) else {"mass": 0.0}
        self._kept, self._replicas_kept = min(b.velocity_samples, b.samples), min(2, b.replicas)

    def initial(self) -> core.State:
        cfg, d = self.cfg, self.d
        if cfg.initial.kind == "bkw":
            theta0 = cfg.system.temperature
            base = _dsmc.bkw_sampler(cfg.initial.start, d)

            def sampler(key, n):
                return math.sqrt(theta0) * base(key, n)

            sampler.second_moment = d * theta0
        else:
            sampler = _dsmc.maxwellian_sampler(cfg.initial_temperature_tensor())
        key = core.seed_key(cfg.system.seed)
        data = self.ens.init(key, sampler, self.b.replicas)
        return core.new_state(data, 0.0, key, numpy=self.backend == "numba")

    def advance(self, state: core.State, n: int) -> core.State:
        data = self.ens.advance_to(state.data, float(state.data.t[0]) + n * self.dt)
        xp = np if self.backend == "numba" else jnp
        status = xp.asarray(np.bitwise_or.reduce(np.ravel(np.asarray(data.status))), dtype=np.int32)
        return state.replace(data=data, time=data.t[0], step=state.step + n, status=status)

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        data, b = state.data, self.b
        obs = self.ens.observe(data)
        rho = float(np.asarray(self.ens.density(data.t[0])))
        out = {"density": np.asarray(rho)}
        for name in ("temperature", "pressure_tensor", "heat_flux", "speed_moment", *DISTRIBUTIONS):
            m, e = obs[name]
            out[name], out[f"{name}_stderr"] = np.asarray(m), np.asarray(e)
        out["internal_energy"] = 0.5 * self.d * out["temperature"]
        out["internal_energy_stderr"] = 0.5 * self.d * out["temperature_stderr"]
        out["collisions"] = np.asarray(2.0 * np.mean(np.asarray(data.collisions)) / b.samples)
        if self._kept:
            sample = self.ens.velocity_sample(data, self._replicas_kept, self._kept)
            out["velocity_sample"] = np.asarray(sample)
        return out

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        """Per replica: ρ det F (mass of a material volume), ρ⟨w⟩ and ½ρ⟨|w|²⟩."""
        data = state.data
        t = float(data.t[0])
        rho = float(np.asarray(self.ens.density(t)))
        out = {"mass": np.asarray(_material_mass(rho, self.A, t))}
        if "momentum" in self.conserves:  # no flow: w = u
            w = np.asarray(data.u)
            out["momentum"] = rho * w.mean(axis=1)
            out["energy"] = 0.5 * rho * (w**2).sum(axis=2).mean(axis=1)
        return out

    def solution(self, state: core.State) -> np.ndarray:
        return np.ravel(np.asarray(jax.vmap(self.ens.dsmc.velocities)(state.data)))

    def health(self, state: core.State) -> str | None:
        status = int(np.bitwise_or.reduce(np.ravel(np.asarray(state.data.status))))
        if status:
            return "; ".join(msg for bit, msg in _dsmc.STATUS_MESSAGES.items() if status & bit)
        return None

    def attrs(self) -> dict:
        b = self.b
        return {"backend": self.backend, "samples_per_replica": b.samples, "replicas": b.replicas,
                "collision_fraction": b.collision_fraction,
                "distribution_histograms": "bin averages over each replica's w/sqrt(theta), replica mean",
                "method_reference": "Babovsky, Eur. J. Mech. B 5 (1986) 675; "
                                    "Bird (1994) §11.1 (NTC majorant)"}

    def final(self, state: core.State) -> xr.Dataset:
        """The bins of the distribution outputs (centres, CF bounds) and the component names."""
        coords = {"component": ("component", np.array(["x", "y", "z"][:self.d]))}
        for name, edges in zip(("xi", "xi_radial"), _dsmc.histogram_edges(), strict=True):
            what = "scaled velocity xi = w/c" if name == "xi" else "scaled speed |w|/c"
            coords[name] = (name, 0.5 * (edges[1:] + edges[:-1]),
                            {"units": "1", "long_name": f"{what}, bin centre", "bounds": f"{name}_bounds"})
            coords[f"{name}_bounds"] = ((name, "nv"), np.stack([edges[:-1], edges[1:]], axis=1),
                                        {"units": "1", "long_name": f"{what}, bin bounds"})
        return xr.Dataset(coords=coords)


_DSMC = {"method": "dsmc", "samples": 400, "replicas": 2, "velocity_samples": 0}


@core.register("boltzmann", "dsmc", examples={"jax": _example({**_DSMC, "backend": "jax"}),
                                               "numba": _example({**_DSMC, "backend": "numba"})})
def build_dsmc(cfg: Config) -> tuple[DSMCStepper, core.State]:
    s = DSMCStepper(cfg)
    return s, s.initial()


# ----------------------------------------------------------------------------------------------
# moment ODEs (Maxwell molecules)
# ----------------------------------------------------------------------------------------------

class MomentStepper(core.Stepper):
    """The exact second- and fourth-moment ODEs of Maxwell molecules (:mod:`.moments`), integrated
    from save to save; the state holds P and the fourth-degree moments M_α per unit mass."""

    backend = "numpy"
    order = None
    order_note = ("adaptive DOP853 (rtol 1e-12 for P, 1e-11 for the fourth moments): the error is set by "
                  "the tolerance, not by time.step")

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.d = cfg.system.dimension
        kern = build_kernel(cfg)
        self.A = cfg.velocity_gradient()
        self.rho0 = cfg.system.density
        self.dt = cfg.time.step
        self.rate = _moments.maxwell_rate(kern)
        self.fm = _moments.FourthMomentSystem(kern, self.d)
        # dP/dt = −(LP + PLᵀ + tr(L)P) − ν(P − pI): tr P is constant without flow (collisions
        # conserve energy); the mass is ρ det F
        self.conserves = {"mass": 0.0, "energy": 0.0} if not np.any(self.A) else {"mass": 0.0}

    def initial(self) -> core.State:
        P0 = self.rho0 * self.cfg.initial_temperature_tensor()
        data = {"P": P0, "M": _fourth_initial(self.fm, self.cfg)}
        return core.new_state(data, 0.0, core.seed_key(self.cfg.system.seed), numpy=True)

    def advance(self, state: core.State, n: int) -> core.State:
        t0 = float(state.time)
        times = np.array([t0, t0 + n * self.dt])
        sol = _moments.solve_second_moments(state.data["P"], self.A, self.rho0, times, self.rate)
        P = sol.pressure_tensor[-1]
        M = self.fm.solve(state.data["M"], self.A, times)[-1]
        ok = np.all(np.isfinite(P)) and np.all(np.isfinite(M))
        return state.replace(data={"P": P, "M": M}, time=np.asarray(times[-1]), step=state.step + n,
                             status=np.asarray(0 if ok else 1, np.int32))

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        d, P = self.d, state.data["P"]
        rho = flows.density(self.rho0, self.A, float(state.time))
        theta = float(np.trace(P)) / (d * rho)
        speed = np.full(4, np.nan)
        speed[0] = d * theta
        speed[1] = self.fm.speed_fourth_moment(state.data["M"])
        return {"density": np.asarray(rho), "temperature": np.asarray(theta),
                "internal_energy": np.asarray(0.5 * d * theta), "pressure_tensor": np.asarray(P),
                "heat_flux": np.zeros(d), "speed_moment": speed}

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        t = float(state.time)
        out = {"mass": np.asarray(_material_mass(flows.density(self.rho0, self.A, t), self.A, t))}
        if "energy" in self.conserves:
            out["energy"] = np.asarray(0.5 * np.trace(state.data["P"]))
        return out

    def attrs(self) -> dict:
        return {"moment_system": "exact second (and fourth) moments of Maxwell molecules; heat flux is 0 "
                "(odd moments stay 0 from even initial data); ⟨|w|^6⟩, ⟨|w|^8⟩ not computed (NaN)"}

    def final(self, state: core.State) -> None:
        return None


def _fourth_initial(fm: _moments.FourthMomentSystem, cfg: Config) -> np.ndarray:
    """Moments M_α (|α| ≤ 4) of the initial law per unit mass, exact by Gauss–Hermite quadrature
    (5 nodes an axis: exact to degree 9; BKW = Gaussian × a quadratic)."""
    d = cfg.system.dimension
    z, wz = np.polynomial.hermite_e.hermegauss(5)
    wz = wz / wz.sum()
    Z = np.stack(np.meshgrid(*[z] * d, indexing="ij")).reshape(d, -1).T
    W = np.prod(np.stack(np.meshgrid(*[wz] * d, indexing="ij")).reshape(d, -1), axis=0)
    if cfg.initial.kind == "bkw":
        K = _bkw_K(cfg)
        theta = cfg.initial_temperature()
        x = math.sqrt(K * theta) * Z
        return fm.moments_of(x, W * _dsmc.bkw_weight(K, (x**2).sum(1) / theta, d))
    return fm.moments_of(Z @ np.linalg.cholesky(cfg.initial_temperature_tensor()).T, W)


@core.register("boltzmann", "moments", examples={"default": _example({"method": "moments"})})
def build_moments(cfg: Config) -> tuple[MomentStepper, core.State]:
    s = MomentStepper(cfg)
    return s, s.initial()
