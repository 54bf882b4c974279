r"""The N-particle mean-field system whose empirical measure solves the Vlasov equation weakly
(James–Qi–Wang Lemma 2.6 and Thm 2.7; Promislow tutorial "Correlation as Stochasticity",
§Mean Field Reduction).

N particles in the periodic box, each carrying the mass $w = n_0|Ω|/N$ of the number density,
move by
$$\dot x_i = v_i,\qquad \dot v_i = -\sum_{j\ne i} w\,∇U_{per}(x_i - x_j) + a_{ext}(t, x_i),$$
i.e. the mean-field scaling $-\frac1N\sum_j ∇\tilde U$ with $\tilde U = n_0|Ω|\,U$ (James–Qi–Wang eq. 14
without flow): as N → ∞ their empirical measure tends to the solution f/(n_0|Ω|) of the grid
solver's equation, with the same kernel and sign convention (:mod:`.kernels`).

Forces: ``"direct"`` — exact all pairs with the closed-form periodic pair force (1D: coulomb,
yukawa, gaussian; 2D: gaussian), O(N²) in row blocks; ``"mesh"`` — particle-mesh: cloud-in-cell
(CIC) charge assignment on the position grid, the field by FFT with the same $\hat U$ as the
grid solver, CIC interpolation back (momentum-conserving, no self-force). Time stepping:
kick–drift–kick leapfrog with the grid solver's dt. Initial positions and velocities are drawn
from the grid solver's initial law with an explicit JAX key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from .kernels import FieldKernel, mean_field_acceleration, spectral_operators

BLOCK = 1024  # rows per block of the all-pairs force


class ParticleState(NamedTuple):
    x: jax.Array   # [N, d] in [0, L)
    v: jax.Array   # [N, d]
    a: jax.Array   # [N, d] acceleration at (x, t)
    t: jax.Array
    step: jax.Array


class MeanFieldParticles:
    """Leapfrog for N mean-field particles with ``method`` = "direct" or "mesh" forces."""

    def __init__(self, kernel: FieldKernel, n_particles: int, density: float, dt: float, *,
                 method: str = "mesh", mesh: tuple[int, ...] | None = None,
                 external: Callable | None = None):
        self.kernel, self.N, self.dt = kernel, int(n_particles), float(dt)
        self.d = kernel.dimension
        self.lengths = tuple(float(L) for L in kernel.lengths)
        self.volume = float(np.prod(self.lengths))
        self.weight = density * self.volume / self.N
        self.density = float(density)
        if method not in ("direct", "mesh"):
            raise ValueError("method must be 'direct' or 'mesh'")
        if method == "direct" and kernel.periodic_force is None:
            raise ValueError(f"no closed-form periodic pair force for {kernel.name} in {self.d}D: use 'mesh'")
        self.method = method
        self.mesh = tuple(mesh) if mesh is not None else (64,) * self.d
        self.external = external
        uk, kd, uk_full = spectral_operators(kernel, self.mesh, self.lengths)
        self._uk, self._uk_full = jnp.asarray(uk), jnp.asarray(uk_full)
        self._kd = [jnp.asarray(k) for k in kd]
        self.advance = jax.jit(self._advance, static_argnums=1)
        self.diagnostics = jax.jit(self._diagnostics)
        self._acceleration = jax.jit(self.acceleration)

    # -- state ---------------------------------------------------------------------------------
    def init(self, key, law) -> ParticleState:
        """Positions and velocities drawn from ``law`` (an :class:`InitialLaw`) with ``key``."""
        x, v = law.sample(key, self.N, self.lengths)
        return self.from_arrays(x, v)

    def from_arrays(self, x, v, t0: float = 0.0) -> ParticleState:
        x = jnp.asarray(x, float).reshape(self.N, self.d)
        v = jnp.asarray(v, float).reshape(self.N, self.d)
        t = jnp.asarray(t0, x.dtype)
        return ParticleState(x, v, self._acceleration(x, t), t, jnp.asarray(0, jnp.int32))

    # -- forces --------------------------------------------------------------------------------
    def _cic(self, x):
        """CIC cells and weights: per particle 2^d (index tuple, weight) pairs."""
        h = jnp.asarray([L / n for L, n in zip(self.lengths, self.mesh, strict=True)])
        s = x / h
        i0 = jnp.floor(s).astype(jnp.int32)
        fr = s - i0
        corners = []
        for corner in np.ndindex(*(2,) * self.d):
            w = jnp.ones(x.shape[0], x.dtype)
            idx = []
            for a, c in enumerate(corner):
                w = w * (fr[:, a] if c else 1.0 - fr[:, a])
                idx.append(jnp.mod(i0[:, a] + c, self.mesh[a]))
            corners.append((tuple(idx), w))
        return corners

    def deposit(self, x, values=None):
        """CIC deposit of ``values`` (default 1) per particle, times the particle mass, divided by the
        cell volume: the number density (or its moment) on the mesh."""
        cell = self.volume / float(np.prod(self.mesh))
        out = jnp.zeros(self.mesh, x.dtype)
        vals = jnp.ones(x.shape[0], x.dtype) if values is None else values
        for idx, w in self._cic(x):
            out = out.at[idx].add(w * vals)
        return out * (self.weight / cell)

    def gather(self, field, x):
        return sum(w * field[idx] for idx, w in self._cic(x))

    def mesh_field(self, n):
        return mean_field_acceleration(n, self._uk, self._kd)

    def acceleration(self, x, t):
        if self.method == "mesh":
            acc = self.mesh_field(self.deposit(x))
            a = jnp.stack([self.gather(ai, x) for ai in acc], axis=-1)
        else:
            a = self._direct(x)
        if self.external is not None:
            ext = self.external(t, [x[:, i] for i in range(self.d)])
            a = a + jnp.stack(ext, axis=-1)
        return a

    def _direct(self, x):
        N, F = self.N, self.kernel.periodic_force
        pad = (-N) % BLOCK
        xp = jnp.concatenate([x, jnp.zeros((pad, self.d), x.dtype)]) if pad else x

        def rows(xb):
            return jnp.sum(F(xb[:, None, :] - x[None, :, :]), axis=1)  # F(0) = 0: no self-force

        out = jax.lax.map(rows, xp.reshape(-1, BLOCK, self.d)).reshape(-1, self.d)[:N]
        return self.weight * out

    # -- stepping ------------------------------------------------------------------------------
    def _step(self, s: ParticleState, _):
        dt = self.dt
        L = jnp.asarray(self.lengths)
        v = s.v + 0.5 * dt * s.a
        x = jnp.mod(s.x + dt * v, L)
        t = s.t + dt
        a = self.acceleration(x, t)
        return ParticleState(x, v + 0.5 * dt * a, a, t, s.step + 1), None

    def _advance(self, state: ParticleState, n: int) -> ParticleState:
        state, _ = jax.lax.scan(self._step, state, None, length=n)
        return state

    # -- diagnostics ---------------------------------------------------------------------------
    def _diagnostics(self, s: ParticleState) -> dict:
        d, w = self.d, self.weight
        mass = w * self.N
        n = self.deposit(s.x)
        nm = jnp.fft.fftn(n) / float(np.prod(self.mesh))
        field = 0.5 * self.volume * jnp.sum(self._uk_full * jnp.abs(nm) ** 2)  # mesh estimate
        kin = 0.5 * w * jnp.sum(s.v * s.v)
        # peculiar velocities relative to the local mean velocity (CIC on the mesh)
        safe = jnp.where(n > 0, n, 1.0)
        U = [self.deposit(s.x, s.v[:, i]) / safe for i in range(d)]
        c = s.v - jnp.stack([self.gather(u, s.x) for u in U], axis=-1)
        P = w * (c.T @ c) / self.volume
        c2 = jnp.sum(c * c, axis=1)
        q = 0.5 * w * jnp.sum(c2[:, None] * c, axis=0) / self.volume
        theta = jnp.trace(P) / (d * self.density)
        k1 = 2 * np.pi / self.lengths[0]
        mode = 2.0 * jnp.mean(jnp.exp(-1j * k1 * s.x[:, 0]))
        speed = jnp.stack([jnp.mean(c2 ** (k / 2)) for k in (2, 4, 6, 8)])
        return {"time": s.t, "mass": mass, "momentum": w * jnp.sum(s.v, axis=0), "kinetic_energy": kin,
                "field_energy": field, "total_energy": kin + field, "temperature": theta,
                "pressure_tensor": P, "heat_flux": q, "speed_moment": speed,
                "density_mode_re": jnp.real(mode), "density_mode_im": jnp.imag(mode)}

    def observe(self, s: ParticleState) -> dict[str, np.ndarray]:
        return {k: np.asarray(v) for k, v in self.diagnostics(s).items()}
