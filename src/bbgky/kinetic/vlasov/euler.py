r"""The hydrodynamic limit of the Vlasov level: 1D periodic Euler equations with a mean-field force
(tutorial "Hydrodynamic Limits", Motsch–Tadmor):

$$ρ_t + (ρu)_x = 0,\qquad (ρu)_t + (ρu^2 + p)_x = ρ\,a,\qquad E_t + (u(E + p))_x = ρ u\, a,$$

$a = -∂_x(U * ρ) + a_{ext}$ with the grid solver's kernel. Closures: ``"isothermal"`` — p = ρθ0
(no energy equation); ``"adiabatic"`` — $E = \frac12ρu^2 + \frac{p}{γ-1}$ with γ = (d+2)/d = 3 in
1D, the closure obtained from moments of f when f is a local Maxwellian (the BGK limit Kn → 0).

Method: finite volumes on ``n`` cells centred at $x_j = jΔx$ (the Vlasov nodes), MUSCL
reconstruction of the primitive variables with the monotonised-central limiter, the local
Lax–Friedrichs (Rusanov) flux, SSP-RK3 in time with dt from a CFL number; the force is computed
spectrally from the cell averages. Second order for smooth flows, shock-capturing otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ...errors import NumericalFailure
from .kernels import FieldKernel, mean_field_acceleration, spectral_operators


class EulerState(NamedTuple):
    q: jax.Array  # [nvar, n]: ρ, ρu (, E)
    t: jax.Array


def _mc(a, b):
    """Monotonised-central limited slope from one-sided differences a, b."""
    s = 0.5 * (jnp.sign(a) + jnp.sign(b))
    return s * jnp.minimum(jnp.minimum(2 * jnp.abs(a), 2 * jnp.abs(b)), 0.5 * jnp.abs(a + b))


class EulerMeanField:
    """1D periodic Euler with mean-field force; ``closure`` ∈ {"isothermal", "adiabatic"}."""

    def __init__(self, n: int, length: float, kernel: FieldKernel | None, *, closure: str = "adiabatic",
                 temperature: float = 1.0, gamma: float = 3.0, external: Callable | None = None):
        if closure not in ("isothermal", "adiabatic"):
            raise ValueError("closure must be 'isothermal' or 'adiabatic'")
        self.n, self.L, self.closure = int(n), float(length), closure
        self.theta0, self.gamma = float(temperature), float(gamma)
        self.dx = self.L / self.n
        self.x = np.arange(self.n) * self.dx
        self.external = external
        uk, kd, _ = spectral_operators(kernel, (self.n,), (self.L,))
        self._uk = None if uk is None else jnp.asarray(uk)
        self._kd = [jnp.asarray(kd[0])]
        self._chunk = jax.jit(self._chunk_impl, static_argnums=2)

    # -- conversions ---------------------------------------------------------------------------
    def init(self, rho, u, theta, t0: float = 0.0) -> EulerState:
        rho, u, theta = (jnp.broadcast_to(jnp.asarray(a, float), (self.n,)) for a in (rho, u, theta))
        q = [rho, rho * u]
        if self.closure == "adiabatic":
            q.append(0.5 * rho * u * u + rho * theta / (self.gamma - 1))
        return EulerState(jnp.stack(q), jnp.asarray(t0, float))

    def primitive(self, q):
        rho = q[0]
        u = q[1] / rho
        if self.closure == "adiabatic":
            p = (self.gamma - 1) * (q[2] - 0.5 * rho * u * u)
        else:
            p = rho * self.theta0
        return rho, u, p

    def moments(self, state: EulerState) -> dict[str, np.ndarray]:
        rho, u, p = (np.asarray(a) for a in self.primitive(state.q))
        return {"density": rho, "velocity": u, "pressure": p, "temperature": p / rho}

    # -- right-hand side -----------------------------------------------------------------------
    def acceleration(self, rho, t):
        a = jnp.zeros_like(rho)
        if self._uk is not None:
            a = mean_field_acceleration(rho, self._uk, self._kd)[0]
        if self.external is not None:
            a = a + self.external(t, [jnp.asarray(self.x)])[0]
        return a

    def _flux(self, rho, u, p):
        f = [rho * u, rho * u * u + p]
        if self.closure == "adiabatic":
            E = 0.5 * rho * u * u + p / (self.gamma - 1)
            f.append(u * (E + p))
        return jnp.stack(f)

    def _cons(self, rho, u, p):
        q = [rho, rho * u]
        if self.closure == "adiabatic":
            q.append(0.5 * rho * u * u + p / (self.gamma - 1))
        return jnp.stack(q)

    def sound_speed(self, rho, p):
        return jnp.sqrt((self.gamma if self.closure == "adiabatic" else 1.0) * p / rho)

    def rhs(self, q, t):
        rho, u, p = self.primitive(q)
        w = jnp.stack([rho, u, p])
        dl, dr = w - jnp.roll(w, 1, axis=1), jnp.roll(w, -1, axis=1) - w
        s = _mc(dl, dr)
        wl, wr = w + 0.5 * s, jnp.roll(w - 0.5 * s, -1, axis=1)  # states at the face j+1/2
        ql, qr = self._cons(*wl), self._cons(*wr)
        fl, fr = self._flux(*wl), self._flux(*wr)
        smax = jnp.maximum(jnp.abs(wl[1]) + self.sound_speed(wl[0], wl[2]),
                           jnp.abs(wr[1]) + self.sound_speed(wr[0], wr[2]))
        F = 0.5 * (fl + fr) - 0.5 * smax * (qr - ql)
        div = (F - jnp.roll(F, 1, axis=1)) / self.dx
        a = self.acceleration(rho, t)
        src = [jnp.zeros_like(rho), rho * a]
        if self.closure == "adiabatic":
            src.append(q[1] * a)
        return -div + jnp.stack(src)

    def max_speed(self, q) -> float:
        rho, u, p = self.primitive(q)
        return float(jnp.max(jnp.abs(u) + self.sound_speed(rho, p)))

    # -- time stepping -------------------------------------------------------------------------
    def _rk3(self, q, t, dt):
        q1 = q + dt * self.rhs(q, t)
        q2 = 0.75 * q + 0.25 * (q1 + dt * self.rhs(q1, t + dt))
        return q / 3 + 2 / 3 * (q2 + dt * self.rhs(q2, t + 0.5 * dt))

    def _chunk_impl(self, state: EulerState, dt, n: int) -> EulerState:
        def body(s, _):
            return EulerState(self._rk3(s.q, s.t, dt), s.t + dt), None

        state, _ = jax.lax.scan(body, state, None, length=n)
        return state

    def advance_to(self, state: EulerState, t_end: float, *, cfl: float = 0.4, chunk: int = 32) -> EulerState:
        """Advance to exactly ``t_end`` in chunks of ``chunk`` steps (one compiled kernel), with
        dt = min(cfl Δx / max(|u| + c), time left / chunk) re-evaluated before every chunk."""
        while float(state.t) < t_end - 1e-12:
            vmax = self.max_speed(state.q)
            if not np.isfinite(vmax) or float(jnp.min(state.q[0])) <= 0:
                raise NumericalFailure("the Euler solution lost positivity (density ≤ 0 or NaN)",
                                       time=float(state.t))
            left = t_end - float(state.t)
            dt = min(cfl * self.dx / vmax, left / chunk)
            state = self._chunk(state, jnp.asarray(dt), chunk)
        return state
