r"""The spatially homogeneous mean-field equation under an objective-MD flow (James–Qi–Wang eq. 16).

For a distribution homogeneous in x the mean-field force vanishes and eq. (15) reduces to

$$∂_t g(t, w) - (L(t) w)\cdot∇_w g = 0,\qquad L(t) = A (I + tA)^{-1},$$

whose exact solution is $g(t, w) = g_0((I + tA)w)$ (docs/references.md), with density
$ρ(t) = ρ_0/\det(I + tA)$. Since $I + tA$ is affine in t, one step is exact along the
characteristics: $g(t + τ, w) = g(t, (I + τ L(t)) w)$. The solver applies this map on a
cell-centred velocity grid with tensor-product cubic B-spline interpolation (zero outside the
grid), so the only error is interpolation, $O(Δw^4)$ per step; the tests fit that order.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ...models import flows
from .interpolation import spline_coefficients, spline_evaluate


class HomogeneousState(NamedTuple):
    g: jax.Array
    t: jax.Array
    step: jax.Array


class HomogeneousMeanField:
    """Eq. (16) on the grid ``n_v`` points per axis in ``[−v_max, v_max]^d`` (d = len(n_v) ≤ 3)."""

    def __init__(self, n_v: tuple[int, ...], velocity_max: float, A, dt: float):
        self.n_v, self.vmax, self.dt = tuple(int(n) for n in n_v), float(velocity_max), float(dt)
        self.d = len(self.n_v)
        self.A = np.asarray(A, float).reshape(self.d, self.d)
        self.dv = tuple(2 * self.vmax / n for n in self.n_v)
        self.advance = jax.jit(self._advance, static_argnums=1)
        self.moments = jax.jit(self._moments)

    def axes(self) -> list[np.ndarray]:
        return [-self.vmax + (np.arange(n) + 0.5) * h for n, h in zip(self.n_v, self.dv, strict=True)]

    def mesh(self) -> list[np.ndarray]:
        return list(np.meshgrid(*self.axes(), indexing="ij"))

    @property
    def cell(self) -> float:
        return float(np.prod(self.dv))

    def init(self, g0, t0: float = 0.0) -> HomogeneousState:
        g0 = jnp.asarray(g0)
        return HomogeneousState(g0, jnp.asarray(t0, g0.dtype), jnp.asarray(0, jnp.int32))

    def exact(self, g0_fn, t: float) -> np.ndarray:
        """``g0((I + tA) w)`` on the grid, for a vectorised ``g0_fn(w_1, ..., w_d)``."""
        F = flows.deformation(np.asarray(self.A, float), t, np)
        W = self.mesh()
        moved = [sum(F[i, j] * W[j] for j in range(self.d)) for i in range(self.d)]
        return g0_fn(*moved)

    def _step(self, state: HomogeneousState, _):
        g, t = state.g, state.t
        M = jnp.eye(self.d) + self.dt * flows.flow_gradient(jnp.asarray(self.A), t, jnp)
        W = [jnp.asarray(w) for w in self.mesh()]
        foot = [sum(M[i, j] * W[j] for j in range(self.d)) for i in range(self.d)]
        idx = [(foot[i] + self.vmax) / self.dv[i] - 0.5 for i in range(self.d)]
        g = spline_evaluate(spline_coefficients(g), idx)
        return HomogeneousState(g, t + self.dt, state.step + 1), None

    def _advance(self, state: HomogeneousState, n: int) -> HomogeneousState:
        state, _ = jax.lax.scan(self._step, state, None, length=n)
        return state

    def _moments(self, state: HomogeneousState) -> dict:
        g, d, cell = state.g, self.d, self.cell
        W = [jnp.asarray(w) for w in self.mesh()]
        rho = jnp.sum(g) * cell
        u = jnp.stack([jnp.sum(w * g) * cell for w in W]) / rho
        c = [w - u[i] for i, w in enumerate(W)]
        P = jnp.stack([jnp.stack([jnp.sum(c[i] * c[j] * g) * cell for j in range(d)]) for i in range(d)])
        c2 = sum(ci * ci for ci in c)
        q = jnp.stack([0.5 * jnp.sum(c2 * ci * g) * cell for ci in c])
        theta = jnp.trace(P) / (d * rho)
        speed = jnp.stack([jnp.sum(c2 ** (k / 2) * g) * cell / rho for k in (2, 4, 6, 8)])
        return {"time": state.t, "density": rho, "temperature": theta, "pressure_tensor": P,
                "heat_flux": q, "speed_moment": speed, "mean_velocity": u,
                "internal_energy": 0.5 * d * theta, "mass": rho, "total_energy": 0.5 * d * theta * rho}

    def observe(self, state: HomogeneousState) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.moments(state).items()}
