r"""The Vlasov-level solvers as registered steppers (:mod:`bbgky.core`), each built from the
resolved configuration by ``core.build("vlasov", method, cfg)``:

* ``grid`` — the semi-Lagrangian split solver on the phase-space grid (:mod:`.solver`);
* ``particles`` — the N-particle mean-field system, kick–drift–kick (:mod:`.particles`);
* ``euler`` — the 1D/2D Euler system with the mean-field force, the hydrodynamic limit
  (:mod:`.euler`; needs ``levels.vlasov.closure``);
* ``homogeneous`` — eq. (16) of James–Qi–Wang (OMD kinetic paper) under a ``[flow]``
  (:mod:`.homogeneous`).

The level (:mod:`.level`) runs ``grid`` alongside ``particles`` and ``euler`` when configured, or
``homogeneous`` under a flow. The numerics are those of the solver modules; this module adapts them.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ... import core
from ...config import Config
from ...models import flows
from .setup import DIRECT_MAX, Setup, build
from .solver import VlasovModel, VlasovSolver, cosine_drive

#: the stream of the level's own key (the sampled initial condition and the particles share it)
KEY_STREAM = 0x7A50

_LANDAU = {"title": "registry example", "system": {"dimension": 1, "density": 1.0, "temperature": 1.0,
                                                   "seed": 3},
           "interaction": {"potential": "coulomb", "scaling": "mean_field"},
           "initial": {"kind": "landau", "amplitude": 0.3, "wavenumber": 0.5},
           "time": {"end": 1.6, "step": 0.4, "save_every": 0.8}}


def _example(vlasov: dict, **tables) -> dict:
    """A tiny nonlinear Landau-damping configuration (1D1V Coulomb) for the registry tests."""
    return {**_LANDAU, **tables, "levels": {"vlasov": {"grid": [16, 32], "velocity_max": 7.0, **vlasov}}}


def level_key(cfg: Config) -> jax.Array:
    return jax.random.fold_in(jax.random.key(cfg.system.seed), KEY_STREAM)


def external_field(cfg: Config, s: Setup):
    lv = cfg.levels.vlasov
    if lv.external_amplitude == 0.0:
        return None
    return cosine_drive(lv.external_amplitude, 2 * np.pi * lv.external_mode / s.grid.lengths[0],
                        lv.external_frequency)


def _key_data(cfg: Config) -> jax.Array:
    return jax.random.key_data(level_key(cfg))


class GridStepper(core.Stepper):
    """Strang or triple-jump splitting of stream and kick (and BGK) on the phase-space grid."""

    vmappable = True

    def __init__(self, cfg: Config):
        lv = cfg.levels.vlasov
        self.cfg, self.setup = cfg, build(cfg)
        s = self.setup
        model = VlasovModel(s.grid, s.kernel, lv.interpolation, lv.splitting, lv.knudsen,
                            external_field(cfg, s))
        self.solver = VlasovSolver(model, s.dt)
        self.dt = s.dt
        self.order = self.solver.scheme.order
        if lv.interpolation != "spectral":
            self.order_note = ("the cubic-spline interpolation error grows like h⁴/dt as dt → 0: the "
                               "splitting order is fitted with interpolation = 'spectral'")
        # the kick moves f along v by a(x)dt with ∫ρ a dx = 0 (spectral field): momentum to
        # round-off; streaming and kicks are translations, so the mass is exact (both
        # interpolants conserve the sum); the total energy to the splitting error, O(dt^order):
        # relative drift on the registered nonlinear Landau examples (ω_p dt = 0.4, t = 1.6)
        # 6.1e-3 (strang) and 4.4e-4 (triple_jump)
        energy = {"strang": 1e-2, "triple_jump": 1e-3}[lv.splitting]
        self.conserves = {"mass": 0.0, "momentum": 0.0, "energy": energy}

    def initial(self, f0=None) -> core.State:
        s, lv = self.setup, self.cfg.levels.vlasov
        if f0 is None and lv.initial_samples is None:
            f0 = s.law.on_grid(s.grid)
        elif f0 is None:  # the KDE of N particles drawn with the key the particle solver uses
            from .initial import sampled_on_grid

            f0, _, _ = sampled_on_grid(s.law, level_key(self.cfg), lv.initial_samples, s.grid,
                                       bandwidth=lv.sample_bandwidth)
        data = self.solver.init(f0)
        return core.new_state(data, data.t, _key_data(self.cfg))

    def advance(self, state: core.State, n: int) -> core.State:
        data = self.solver.advance(state.data, n)
        return state.replace(data=data, time=data.t, step=state.step + n)

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        return self.solver.observe(state.data)

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        obs = self.solver.observe(state.data)
        return {"mass": obs["mass"], "momentum": obs["momentum"], "energy": obs["total_energy"]}

    def health(self, state: core.State) -> str | None:
        return self.solver.health(state.data)


class ParticleStepper(core.Stepper):
    """N mean-field particles with the grid solver's dt (leapfrog: order 2, symplectic)."""

    order = 2
    vmappable = True

    def __init__(self, cfg: Config, setup: Setup | None = None):
        from .particles import MeanFieldParticles

        lv = cfg.levels.vlasov
        self.cfg = cfg
        s = self.setup = setup or build(cfg)
        method = lv.particle_force
        if method == "auto":
            direct = lv.particles <= DIRECT_MAX and s.kernel.periodic_force is not None
            method = "direct" if direct else "mesh"
        self.particles = MeanFieldParticles(s.kernel, lv.particles, cfg.system.density, s.dt, method=method,
                                            mesh=s.grid.n_x, external=external_field(cfg, s))
        self.dt = s.dt
        # pair forces are antisymmetric (direct) or the CIC mesh force has no self-force: momentum to
        # round-off; kick–drift–kick is symplectic (unit Jacobian)
        self.conserves = {"mass": 0.0, "momentum": 0.0, "phase_space_volume": 0.0}
        if external_field(cfg, s) is not None:
            self.conserves = {"mass": 0.0, "phase_space_volume": 0.0}

    def initial(self) -> core.State:
        key = level_key(self.cfg)
        data = self.particles.init(key, self.setup.law)  # = the sampled f0's particles when N agrees
        return core.new_state(data, data.t, jax.random.key_data(key))

    def advance(self, state: core.State, n: int) -> core.State:
        data = self.particles.advance(state.data, n)
        bad = ~(jnp.all(jnp.isfinite(data.x)) & jnp.all(jnp.isfinite(data.v)))
        return state.replace(data=data, time=data.t, step=state.step + n,
                             status=state.status | jnp.where(bad, 1, 0).astype(jnp.int32))

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        return self.particles.observe(state.data)

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        obs = self.particles.observe(state.data)
        return {k: obs[k] for k in ("mass", "momentum") if k in self.conserves}

    def solution(self, state: core.State) -> np.ndarray:
        """Positions on the circle (cos, sin of 2πx/L: no jump when a particle wraps) and velocities."""
        x, v = np.asarray(state.data.x), np.asarray(state.data.v)
        phase = 2 * np.pi * x / np.asarray(self.particles.lengths)
        return np.concatenate([np.cos(phase).ravel(), np.sin(phase).ravel(), v.ravel()])

    def phase_space_map(self, state: core.State):
        """(z, F): the flat phase-space point (x, v) of ``state`` and one step as a JAX function of it."""
        p, d = self.particles, self.particles.d

        def F(z):
            x, v = z[: p.N * d].reshape(p.N, d), z[p.N * d:].reshape(p.N, d)
            s = state.data._replace(x=x, v=v, a=p.acceleration(x, state.data.t))
            new, _ = p._step(s, None)
            return jnp.concatenate([new.x.ravel(), new.v.ravel()])

        return jnp.concatenate([state.data.x.ravel(), state.data.v.ravel()]), F


class EulerStepper(core.Stepper):
    """The Euler system with the mean-field force on ``refine`` × the grid's cells (8 in 1D, 4 in 2D)."""

    order = None
    order_note = ("CFL-adaptive SSP-RK3 sub-steps (dt = 0.4 Δx / max(|u| + c)): time.step only sets when "
                  "the state is returned, the error is the spatial one")

    def __init__(self, cfg: Config, setup: Setup | None = None):
        from .euler import EulerMeanField

        lv = cfg.levels.vlasov
        self.cfg = cfg
        s = self.setup = setup or build(cfg)
        d = s.grid.dimension
        self.refine = 8 if d == 1 else 4
        self.euler = EulerMeanField(tuple(n * self.refine for n in s.grid.n_x), s.grid.lengths, s.kernel,
                                    closure=lv.closure, temperature=cfg.system.temperature,
                                    external=external_field(cfg, s))
        self.dt = s.dt
        # finite volumes: mass and momentum to round-off (the spectral force sums to zero); the
        # energy (adiabatic, fluid + field) to the truncation error
        self.conserves = {"mass": 0.0, "momentum": 0.0}
        if lv.closure == "adiabatic" and d == 1 and s.kernel.name == "coulomb":
            self.conserves["energy"] = 1e-3
        if external_field(cfg, s) is not None:
            self.conserves = {"mass": 0.0}

    def initial(self, moments: dict | None = None) -> core.State:
        """From the initial law, or from grid moments (``GridStepper.observe``) when given."""
        e, law = self.euler, self.setup.law
        if moments is None:
            data = e.init(law.density * law.spatial(e.xs), 0.0, law.temperature)
        else:  # the moments of the sampled f0, on the Euler cells by Fourier interpolation
            data = _euler_from_grid(e, moments, self.refine)
        return core.new_state(data, data.t, _key_data(self.cfg))

    def advance_to(self, state: core.State, t_end: float, n: int) -> core.State:
        data = self.euler.advance_to(state.data, t_end)
        return state.replace(data=data, time=data.t, step=state.step + n)

    def advance(self, state: core.State, n: int) -> core.State:
        return self.advance_to(state, float(state.time) + n * self.dt, n)

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        return self.euler.moments(state.data)

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        e, q = self.euler, np.asarray(state.data.q)
        out = {"mass": np.asarray(q[0].sum() * e.cell),
               "momentum": q[1:1 + e.d].reshape(e.d, -1).sum(1) * e.cell}
        if "energy" in self.conserves:
            rho = q[0]
            nk = np.fft.rfft(rho - rho.mean()) / e.n
            k = 2 * np.pi * np.fft.rfftfreq(e.n, d=e.dx)
            field = e.L * np.sum((np.abs(nk[1:]) ** 2) / k[1:] ** 2)  # ½∫E² with both ±k
            out["energy"] = np.asarray(q[1 + e.d].sum() * e.cell + field)
        return out

    def health(self, state: core.State) -> str | None:
        q = np.asarray(state.data.q)
        if not np.all(np.isfinite(q)) or q[0].min() <= 0:
            return "the Euler solution lost positivity (density ≤ 0 or NaN)"
        return None


def _euler_from_grid(euler, obs: dict, refine: int):
    """Euler initial data from the grid moments (ρ, U, θ), refined ``refine`` × per axis by
    periodic linear interpolation (keeps ρ, θ > 0 for a rough sampled f0)."""

    def fine(a):
        a = np.asarray(a)
        for ax in range(a.ndim):
            m = a.shape[ax]
            xf = np.arange(m * refine) / refine
            a = np.apply_along_axis(lambda c, xf=xf, m=m: np.interp(xf, np.arange(m), c, period=m), ax, a)
        return a

    rho = fine(obs["density_profile"])
    u = [fine(c) for c in np.asarray(obs["velocity_profile"])]
    theta = fine(obs["temperature_profile"])
    return euler.init(rho, u, theta)


class HomogeneousStepper(core.Stepper):
    """Eq. (16) of James–Qi–Wang (OMD kinetic paper) under the flow A on the velocity grid:
    g(t + dt, w) = g(t, (I + dt L(t)) w) by cubic-spline interpolation."""

    vmappable = True
    order = None
    order_note = ("exact in time: the foot (I + dt L(t)) w = F(t)⁻¹F(t + dt) w is the exact characteristic; "
                  "the only error is the cubic-spline interpolation (O(h⁴) a step)")

    def __init__(self, cfg: Config):
        from .homogeneous import HomogeneousMeanField
        from .setup import schedule

        lv = cfg.levels.vlasov
        d = self.d = cfg.system.dimension
        self.cfg = cfg
        self.A = cfg.velocity_gradient()
        self.dt, _, _ = schedule(cfg)
        self.h = HomogeneousMeanField(tuple(lv.grid[d:]), lv.velocity_max, self.A, self.dt)
        self.rho0, self.theta0 = cfg.system.density, cfg.initial_temperature()
        # the mass of a material volume, ρ det(I + tA), to the interpolation error (1.1e-5 on the
        # registered 32² example)
        self.conserves = {"mass": 5e-5}
        edge = np.zeros(self.h.n_v, bool)
        for i in range(d):
            idx = np.arange(self.h.n_v[i]).reshape([self.h.n_v[i] if a == i else 1 for a in range(d)])
            edge = edge | (idx < 1) | (idx >= self.h.n_v[i] - 1)
        self._edge = edge
        self.peak = float(np.max(self.g0(*[np.zeros(1)] * d)))

    def g0(self, *w):
        d, th0 = self.d, self.theta0
        return self.rho0 * np.exp(-0.5 * sum(x * x for x in w) / th0) / (2 * np.pi * th0) ** (d / 2)

    def initial(self) -> core.State:
        data = self.h.init(self.g0(*self.h.mesh()))
        return core.new_state(data, data.t, _key_data(self.cfg))

    def advance(self, state: core.State, n: int) -> core.State:
        data = self.h.advance(state.data, n)
        return state.replace(data=data, time=data.t, step=state.step + n)

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        rec = self.h.observe(state.data)
        rec.pop("mean_velocity")
        t = float(rec["time"])
        rec["density_exact"] = np.asarray(flows.density(self.rho0, self.A, t))
        error = np.abs(np.asarray(state.data.g) - self.h.exact(self.g0, t)).max()
        rec["exact_solution_error"] = np.asarray(error / self.peak)
        return rec

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        t = float(state.data.t)
        rho = float(np.sum(np.asarray(state.data.g))) * self.h.cell
        return {"mass": np.asarray(rho * flows.volume_ratio(self.A, t))}

    def health(self, state: core.State) -> str | None:
        g = np.asarray(state.data.g)
        if not np.all(np.isfinite(g)):
            return "the distribution became NaN/inf"
        if np.abs(g[self._edge]).max() > 1e-6 * self.peak:
            return ("the distribution reached the velocity boundary ±v_max (the flow heats it); "
                    "increase levels.vlasov.velocity_max")
        return None


@core.register("vlasov", "grid", examples={
    "strang": _example({"interpolation": "spectral"}),
    "triple_jump": _example({"interpolation": "spectral", "splitting": "triple_jump"})})
def build_grid(cfg: Config) -> tuple[GridStepper, core.State]:
    s = GridStepper(cfg)
    return s, s.initial()


@core.register("vlasov", "particles", examples={
    # a smooth pair force (the 1D Coulomb force jumps when two particles cross: order 1)
    "direct": _example({"particles": 16, "particle_force": "direct"},
                       interaction={"potential": "gaussian", "scaling": "mean_field", "sigma": 1.0},
                       time={"end": 0.8, "step": 0.2, "save_every": 0.4})})
def build_particles(cfg: Config) -> tuple[ParticleStepper, core.State]:
    s = ParticleStepper(cfg)
    return s, s.initial()


@core.register("vlasov", "euler", examples={"adiabatic": _example({"closure": "adiabatic"})})
def build_euler(cfg: Config) -> tuple[EulerStepper, core.State]:
    s = EulerStepper(cfg)
    return s, s.initial()


@core.register("vlasov", "homogeneous", examples={"flow": {
    **_LANDAU, "system": {"dimension": 2, "density": 1.0, "temperature": 1.0, "seed": 3},
    # shear with extension and compression (the flow heats the Maxwellian)
    "initial": {"kind": "maxwellian"}, "flow": {"kind": "matrix", "matrix": [[0.3, 0.5], [0.0, -0.2]]},
    "time": {"end": 0.4, "step": 0.1, "save_every": 0.2},
    "levels": {"vlasov": {"grid": [8, 8, 32, 32], "velocity_max": 7.0}}}})
def build_homogeneous(cfg: Config) -> tuple[HomogeneousStepper, core.State]:
    s = HomogeneousStepper(cfg)
    return s, s.initial()
