r"""The grid Vlasov solver: semi-Lagrangian, split, periodic in x, in 1D1V and 2D2V.

Solves, for the phase-space number density f(t, x, v) on a periodic box Ω,

$$∂_t f + v\cdot∇_x f + a(t, x)\cdot∇_v f = \frac{1}{\mathrm{Kn}}\,(M[f] - f),
\qquad a = -∇(U * n) + a_{ext}(t, x),\quad n = \int f\,dv,$$

the mean-field (Vlasov) equation of James–Qi–Wang eq. (15) without flow, with an optional external
acceleration and an optional BGK relaxation (M[f] the local Maxwellian with the moments of f).
``kernel = None`` gives free streaming in the external field only.

Method: the scheme of :mod:`.schemes` splits streaming $∂_t f + v·∇_x f = 0$ (a translation in x
by vτ, for every v) from the kick $∂_t f + a·∇_v f = 0$ (a translation in v by aτ, for every x;
the field is recomputed from the current density at each kick). Each translation is done exactly
on the chosen interpolant (:mod:`.interpolation`) with one real FFT pair along the shifted axis,
so there is no CFL condition: the time step is limited only by the accuracy and stability of the
splitting for the fastest collective frequency (ω dt < 2 for Strang; see ``kernels``). The BGK
part is solved exactly, $f ← M + (f − M)e^{-τ/\mathrm{Kn}}$, symmetrically around each kick.

The state is a frozen pytree ``VlasovState(f, t, step)``; ``advance(state, n)`` runs n steps in
one jitted ``lax.scan`` (adjacent half streams of consecutive steps are fused).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from . import interpolation as interp
from .grid import PhaseGrid
from .kernels import FieldKernel, mean_field_acceleration, spectral_operators
from .moments import density, local_moments, maxwellian, velocities
from .schemes import SCHEMES

#: orders k of the saved speed moments ⟨|w|^k⟩ (INTERFACE.md).
SPEED_ORDERS = (2, 4, 6, 8)
#: fraction of the mass allowed in the outermost velocity cells (at ±v_max) before a run is stopped.
BOUNDARY_TOLERANCE = 1e-5


class VlasovState(NamedTuple):
    f: jax.Array
    t: jax.Array
    step: jax.Array


@dataclass(frozen=True)
class VlasovModel:
    """What is solved: grid, interaction, numerics.

    ``external(t, xs) -> [a_1, ..., a_d]``: a JAX-traceable external acceleration on the position
    block (``xs`` the position meshes). ``bgk_temperature``: relax toward the Maxwellian at this
    fixed temperature (a thermostat; hydrodynamic limit: isothermal Euler) instead of the local one
    (energy-conserving; limit: adiabatic Euler with γ = (d+2)/d).
    """

    grid: PhaseGrid
    kernel: FieldKernel | None
    interpolation: str = "cubic_spline"
    scheme: str = "strang"
    knudsen: float | None = None
    external: Callable | None = None
    bgk_temperature: float | None = None

    def __post_init__(self) -> None:
        if self.interpolation not in interp.METHODS:
            raise ValueError(f"interpolation must be one of {sorted(interp.METHODS)}")
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {sorted(SCHEMES)}")
        if self.knudsen is not None and not SCHEMES[self.scheme].positive:
            raise ValueError(f"scheme {self.scheme!r} has negative sub-steps; use 'strang' with BGK")


def cosine_drive(amplitude: float, wavenumber: float, frequency: float = 0.0, axis: int = 0) -> Callable:
    """External acceleration ``a_axis = amplitude · sin(k x_axis − ω t)`` (a driven wave)."""

    def external(t, xs):
        out = [jnp.zeros_like(xs[0]) for _ in xs]
        out[axis] = amplitude * jnp.sin(wavenumber * xs[axis] - frequency * t)
        return out

    return external


class VlasovSolver:
    """Steps a :class:`VlasovModel` with a fixed time step ``dt`` (negative runs backward)."""

    def __init__(self, model: VlasovModel, dt: float):
        self.model, self.dt = model, float(dt)
        g = model.grid
        self.grid, self.d = g, g.dimension
        self.scheme = SCHEMES[model.scheme]
        uk, kd, uk_full = spectral_operators(model.kernel, g.n_x, g.lengths)
        self._uk_r = None if uk is None else jnp.asarray(uk)
        self._kd_r = [jnp.asarray(k) for k in kd]
        self._uk_full = None if uk_full is None else jnp.asarray(uk_full)
        self._xs = [jnp.asarray(x) for x in g.x_mesh()]
        self._vs = velocities(g)
        self._stream_symbols: dict[float, list] = {}
        self.advance = jax.jit(self._advance, static_argnums=1)
        self.diagnostics = jax.jit(self._diagnostics)

    # -- initial state -------------------------------------------------------------------------
    def init(self, f0, t0: float = 0.0) -> VlasovState:
        f0 = jnp.asarray(f0)
        if f0.shape != self.grid.shape:
            raise ValueError(f"f0 has shape {f0.shape}, the grid {self.grid.shape}")
        return VlasovState(f0, jnp.asarray(t0, dtype=f0.dtype), jnp.asarray(0, dtype=jnp.int32))

    # -- the two sub-flows ---------------------------------------------------------------------
    def _symbols(self, c: float) -> list:
        """Streaming multipliers for a stream of duration c·dt, one per position axis (cached)."""
        key = round(c, 15)
        if key not in self._stream_symbols:  # NumPy constants: no trace, no compilation
            self._stream_symbols[key] = self._make_symbols(c)
        return self._stream_symbols[key]

    def _make_symbols(self, c: float) -> list:
        g, d, nd = self.grid, self.d, 2 * self.d
        out = []
        for i in range(d):
            theta = interp.modes(g.n_x[i], i, nd)
            v = np.reshape(g.v(i), [g.n_v[i] if a == d + i else 1 for a in range(nd)])
            delta = v * c * self.dt / g.dx[i]
            out.append(interp.shift_symbol(theta, delta, self.model.interpolation))
        return out

    def stream(self, f, c: float):
        """Free streaming for c·dt: f(x, v) ← f(x − v c dt, v)."""
        for i, sym in enumerate(self._symbols(c)):
            f = interp.translate_with(f, sym, i)
        return f

    def acceleration(self, f, t) -> list:
        """Mean-field plus external acceleration on the position block."""
        g, d = self.grid, self.d
        acc = [jnp.zeros(g.n_x, dtype=f.dtype) for _ in range(d)]
        if self._uk_r is not None:
            acc = mean_field_acceleration(density(f, g), self._uk_r, self._kd_r)
        if self.model.external is not None:
            ext = self.model.external(t, self._xs)
            acc = [a + e for a, e in zip(acc, ext, strict=True)]
        return acc

    def kick(self, f, t, tau):
        """Velocity translation by a(x) τ, with the field of the current density."""
        g, d = self.grid, self.d
        acc = self.acceleration(f, t)
        for i in range(d):
            # in f's precision (the kernel's multipliers are float64 constants)
            delta = jnp.expand_dims(acc[i].astype(f.dtype) * (tau / g.dv[i]), tuple(range(d, 2 * d)))
            f = interp.translate(f, delta, d + i, self.model.interpolation)
        return f

    def relax(self, f, tau):
        """Exact BGK relaxation over τ: f ← M[f] + (f − M[f]) e^{−τ/Kn}.

        M[f] is the *discrete* Maxwellian: its parameters are corrected by a few fixed-point
        sweeps until its grid moments (n, U, θ) equal those of f, so that mass, momentum and
        energy are conserved to round-off despite the truncated velocity grid. With
        ``bgk_temperature`` set, θ is that constant instead (mass and momentum conserved).
        """
        g = self.grid
        m = local_moments(f, g)
        n, U, th = m["n"], m["U"], m["theta"]
        if self.model.bgk_temperature is not None:
            th = jnp.full_like(th, self.model.bgk_temperature)
        pn, pU, pth = n, U, th
        for _ in range(4):
            M = maxwellian(pn, pU, pth, g)
            mm = local_moments(M, g)
            pn = pn * n / jnp.where(mm["n"] > 0, mm["n"], 1.0)
            pU = [p + (u - um) for p, u, um in zip(pU, U, mm["U"], strict=True)]
            pth = pth * th / jnp.where(mm["theta"] > 0, mm["theta"], 1.0)
        M = maxwellian(pn, pU, pth, g)
        return M + (f - M) * np.exp(-tau / self.model.knudsen)

    def _kick_stage(self, f, t, tau):
        if self.model.knudsen is None:
            return self.kick(f, t, tau)
        f = self.relax(f, 0.5 * tau)
        f = self.kick(f, t, tau)
        return self.relax(f, 0.5 * tau)

    # -- steps ---------------------------------------------------------------------------------
    def step(self, state: VlasovState) -> VlasovState:
        """One unfused step (reference for the fused :meth:`advance`)."""
        f = self._apply_from(self.scheme.stages, state.f, state.t, 0.0)
        return VlasovState(f, state.t + self.dt, state.step + 1)

    def _advance(self, state: VlasovState, n: int) -> VlasovState:
        stages = self.scheme.stages
        fuse = stages[0][0] == "x" and stages[-1][0] == "x"
        if not fuse or n == 1:
            def body(s, _):
                return self.step(s), None
            state, _ = jax.lax.scan(body, state, None, length=n)
            return state
        head, mid, tail = stages[0][1], stages[1:-1], stages[-1][1]
        f = self.stream(state.f, head)

        def body(carry, _):
            f, t = carry
            f = self._apply_from(mid, f, t, head)
            f = self.stream(f, tail + head)
            return (f, t + self.dt), None

        (f, t), _ = jax.lax.scan(body, (f, state.t), None, length=n - 1)
        f = self._apply_from(mid, f, t, head)
        f = self.stream(f, tail)
        return VlasovState(f, t + self.dt, state.step + n)

    def _apply_from(self, stages, f, t, start):
        """Apply ``stages`` from time t, a stream of ``start``·dt having been applied already
        (kicks act at their own time offset, for time-dependent external fields)."""
        offset = start
        for kind, c in stages:
            if kind == "x":
                f = self.stream(f, c)
                offset += c
            else:
                f = self._kick_stage(f, t + offset * self.dt, c * self.dt)
        return f

    def run(self, state: VlasovState, steps: int, every: int = 1,
            observe: Callable | None = None) -> tuple[VlasovState, list]:
        """Convenience loop: ``steps`` steps, recording ``observe(state)`` every ``every`` steps."""
        observe = observe or self.observe
        records = [observe(state)]
        done = 0
        while done < steps:
            n = min(every, steps - done)
            state = self.advance(state, n)
            done += n
            records.append(observe(state))
        return state, records

    # -- diagnostics ---------------------------------------------------------------------------
    def field_energy(self, f):
        r"""$\frac12\int n (U*n) dx = \frac12 |Ω| \sum_m \hat U(k_m) |n_m|^2$ (½∫E² for Coulomb)."""
        if self._uk_full is None:
            return jnp.zeros((), f.dtype)
        g = self.grid
        nm = jnp.fft.fftn(density(f, g)) / np.prod(g.n_x)
        return 0.5 * g.volume * jnp.sum(self._uk_full * jnp.abs(nm) ** 2)

    def _diagnostics(self, state: VlasovState) -> dict:
        f, g, d = state.f, self.grid, self.d
        cell, vs = g.cell, self._vs
        mass = jnp.sum(f) * cell
        mom = jnp.stack([jnp.sum(v * f) * cell for v in vs])
        kin = 0.5 * jnp.sum(sum(v * v for v in vs) * f) * cell
        fe = self.field_energy(f)
        m = local_moments(f, g)
        vol = g.volume
        P = jnp.stack([jnp.stack([jnp.sum(m["P"][i][j]) * g.cell_x / vol for j in range(d)])
                       for i in range(d)])
        q = jnp.stack([jnp.sum(qi) * g.cell_x / vol for qi in m["q"]])
        n0 = mass / vol
        theta = jnp.trace(P) / (d * n0)
        vax = tuple(range(d, 2 * d))
        c2 = sum((v - jnp.expand_dims(u, vax)) ** 2 for v, u in zip(vs, m["U"], strict=True))
        speed = jnp.stack([jnp.sum(c2 ** (k / 2) * f) * cell / mass for k in SPEED_ORDERS])
        pos = f > 0
        entropy = -jnp.sum(jnp.where(pos, f * jnp.log(jnp.where(pos, f, 1.0)), 0.0)) * cell
        edge = jnp.zeros(g.shape, bool)
        for i in range(d):
            idx = jnp.arange(g.n_v[i]).reshape([g.n_v[i] if a == d + i else 1 for a in range(2 * d)])
            edge = edge | (idx < 1) | (idx >= g.n_v[i] - 1)
        boundary = jnp.abs(jnp.sum(jnp.where(edge, f, 0.0))) * cell / jnp.abs(mass)
        nprof = m["n"]
        # first Fourier mode along x_1 of the density, relative: n(x) ≈ n0 (1 + Re(m e^{ik₁x}))
        mode = jnp.fft.fft(jnp.mean(nprof, axis=tuple(range(1, d))) if d > 1 else nprof)[1] \
            / g.n_x[0] * 2.0 / n0
        return {
            "time": state.t, "mass": mass, "momentum": mom, "kinetic_energy": kin, "field_energy": fe,
            "total_energy": kin + fe, "l1_norm": jnp.sum(jnp.abs(f)) * cell,
            "l2_norm": jnp.sqrt(jnp.sum(f * f) * cell), "entropy": entropy, "f_min": jnp.min(f),
            "boundary_mass": boundary, "density": n0, "temperature": theta, "pressure_tensor": P,
            "heat_flux": q, "speed_moment": speed, "density_mode_re": jnp.real(mode),
            "density_mode_im": jnp.imag(mode), "density_profile": nprof,
            "velocity_profile": jnp.stack(m["U"]), "temperature_profile": m["theta"],
            "internal_energy": 0.5 * d * theta + fe / mass,
        }

    def observe(self, state: VlasovState) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.diagnostics(state).items()}

    def health(self, state: VlasovState, obs: dict | None = None) -> str | None:
        obs = obs if obs is not None else self.observe(state)
        if not np.isfinite(obs["mass"]) or not np.isfinite(obs["total_energy"]):
            return "the distribution became NaN/inf"
        if obs["boundary_mass"] > BOUNDARY_TOLERANCE:
            return (f"{obs['boundary_mass']:.2e} of the mass reached the velocity boundary ±v_max "
                    f"= ±{self.grid.velocity_max:g}; increase levels.vlasov.velocity_max")
        return None

