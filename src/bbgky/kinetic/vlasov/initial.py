r"""Initial laws of the Vlasov level, on the grid and as samplers for the particle solver.

Every law is a product $f_0(x, v) = n_0\, s(x)\, φ(v)$ with a unit-mean spatial shape s and a
unit-mass velocity profile φ (temperature θ0 = ``temperature``), so ``density`` is always the mean
number density n0. With k = ``wavenumber``, α = ``amplitude``, $M_θ$ the Maxwellian:

* ``maxwellian`` — s = 1, φ = M_θ.
* ``landau`` — $s = 1 + α\sum_i \cos(k x_i)$, φ = M_θ (docs/references.md: k = 0.5, α = 0.01).
* ``two_stream`` — $s = 1 + α\cos(k x_1)$; φ along $v_1$ (Maxwellian in $v_2$), by ``profile``:
  ``"v2"``: $(v^2/θ) M_θ$ (REFERENCE γ = 0.2592 at k = 0.5);
  ``"mixed"``: $(1 + 5v^2/θ)M_θ/6$ — docs/references.md's $(2/7)(1 + 5v^2)M$ is this profile at
  density 12/7 (γ = 0.2331 at k = 0.5 needs ``density = 12/7``);
  ``"beams"``: $\frac12[M_θ(v - u_b) + M_θ(v + u_b)]$, $u_b$ = ``beam_velocity`` (γ = 0.2258 at
  u_b = 2.4, k = 0.2).
* ``bump_on_tail`` — $s = 1 + α\cos(k x_1)$, $φ = (1-β)M_θ(v) + β M_{θ_b}(v - v_b)$; the classic
  case is β = 0.1, v_b = 4.5, θ_b = 0.25, α = 0.04, k = 0.3.

Samplers draw exactly from the same law with explicit JAX keys (rejection in x, exact mixtures
and chi variates in v).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .grid import PhaseGrid

KINDS = ("maxwellian", "landau", "two_stream", "bump_on_tail")
PROFILES = ("v2", "mixed", "beams")


def _maxwell(v, theta):
    return np.exp(-0.5 * v * v / theta) / math.sqrt(2 * math.pi * theta)


@dataclass(frozen=True)
class InitialLaw:
    kind: str = "landau"
    dimension: int = 1
    density: float = 1.0
    temperature: float = 1.0
    amplitude: float = 0.01
    wavenumber: float = 0.5
    profile: str = "v2"
    beam_velocity: float = 2.4
    bump_fraction: float = 0.1
    bump_velocity: float = 4.5
    bump_temperature: float = 0.25

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"initial kind {self.kind!r} is not a Vlasov initial law; allowed: {KINDS}")
        if self.profile not in PROFILES:
            raise ValueError(f"two-stream profile must be one of {PROFILES}")

    # -- pieces --------------------------------------------------------------------------------
    def spatial(self, xs) -> np.ndarray:
        """Unit-mean spatial shape s(x) on position meshes ``xs``."""
        k, a = self.wavenumber, self.amplitude
        if self.kind == "maxwellian":
            return np.ones_like(xs[0])
        if self.kind == "landau":
            return 1.0 + a * sum(np.cos(k * x) for x in xs)
        return 1.0 + a * np.cos(k * xs[0])

    def profile_1d(self, v) -> np.ndarray:
        """The unit-mass profile along v_1."""
        th = self.temperature
        if self.kind in ("maxwellian", "landau"):
            return _maxwell(v, th)
        if self.kind == "bump_on_tail":
            b = self.bump_fraction
            return (1 - b) * _maxwell(v, th) + b * _maxwell(v - self.bump_velocity, self.bump_temperature)
        if self.profile == "v2":
            return v * v / th * _maxwell(v, th)
        if self.profile == "mixed":
            return (1 + 5 * v * v / th) * _maxwell(v, th) / 6.0
        u = self.beam_velocity
        return 0.5 * (_maxwell(v - u, th) + _maxwell(v + u, th))

    def velocity(self, vs) -> np.ndarray:
        out = self.profile_1d(vs[0])
        for v in vs[1:]:
            out = out * _maxwell(v, self.temperature)
        return out

    def max_speed(self) -> float:
        """Largest mean speed of a component of φ (used to check the velocity domain)."""
        if self.kind == "two_stream" and self.profile == "beams":
            return self.beam_velocity
        if self.kind == "bump_on_tail":
            return self.bump_velocity
        return 0.0

    def min_velocity_max(self) -> float:
        """Smallest v_max that resolves the law: 5 thermal speeds beyond its fastest component
        (for ``v2``/``mixed`` the v² factor needs 6)."""
        th = math.sqrt(self.temperature)
        need = 5.0 * th
        if self.kind == "two_stream" and self.profile in ("v2", "mixed"):
            need = 6.0 * th
        if self.kind == "bump_on_tail":
            need = max(need, self.bump_velocity + 5.0 * math.sqrt(self.bump_temperature))
        return max(need, self.max_speed() + 5.0 * th)

    # -- on the grid / sampled ------------------------------------------------------------------
    def on_grid(self, grid: PhaseGrid) -> np.ndarray:
        xs, vs = grid.phase_mesh()
        return self.density * self.spatial(xs) * self.velocity(vs)

    def sample(self, key, n: int, lengths: tuple[float, ...]):
        """``n`` positions [n, d] and velocities [n, d] drawn independently from f0/(n0|Ω|)."""
        import jax

        kx, kv = jax.random.split(key)
        return self._sample_x(kx, n, lengths), self._sample_v(kv, n)

    def _sample_x(self, key, n, lengths):
        import jax
        import jax.numpy as jnp

        d = self.dimension
        L = jnp.asarray(lengths, dtype=float)
        smax = 1.0 + abs(self.amplitude) * (d if self.kind == "landau" else 1)
        out, have, i = [], 0, 0
        while have < n:  # rejection from the uniform law on the box (one round almost always)
            ku, ka = jax.random.split(jax.random.fold_in(key, i))
            m = int(1.3 * (n - have) * smax) + 256
            x = np.asarray(jax.random.uniform(ku, (m, d), dtype=float)) * np.asarray(L)
            s = self.spatial([x[:, j] for j in range(d)])
            keep = np.asarray(jax.random.uniform(ka, (m,), dtype=float)) * smax < s
            out.append(x[keep])
            have += int(keep.sum())
            i += 1
        return jnp.asarray(np.concatenate(out)[:n])

    def _sample_v(self, key, n):
        import jax
        import jax.numpy as jnp

        d, th = self.dimension, self.temperature
        k1, k2, k3, k4 = jax.random.split(key, 4)
        g = jax.random.normal(k1, (n, d), dtype=float) * math.sqrt(th)
        sign = jnp.where(jax.random.bernoulli(k2, 0.5, (n,)), 1.0, -1.0)
        if self.kind == "two_stream":
            if self.profile == "beams":
                v1 = g[:, 0] + sign * self.beam_velocity
            else:
                chi = jnp.sqrt(jnp.sum(jax.random.normal(k3, (n, 3), dtype=float) ** 2, axis=1) * th)
                if self.profile == "mixed":  # weight 1/6 Maxwellian, 5/6 the v² profile
                    chi = jnp.where(jax.random.uniform(k4, (n,)) < 1 / 6, jnp.abs(g[:, 0]), chi)
                v1 = sign * chi
            g = g.at[:, 0].set(v1)
        elif self.kind == "bump_on_tail":
            beam = jax.random.uniform(k3, (n,)) < self.bump_fraction
            spread = math.sqrt(self.bump_temperature)
            vb = self.bump_velocity + jax.random.normal(k4, (n,), dtype=float) * spread
            g = g.at[:, 0].set(jnp.where(beam, vb, g[:, 0]))
        return g


def scott_bandwidth(x, v, lengths) -> tuple[np.ndarray, np.ndarray]:
    """Scott's rule per phase-space axis, h_a = σ_a N^(−1/(2d+4)) (σ_a the sample standard
    deviation; positions as drawn in [0, L))."""
    x, v = np.asarray(x), np.asarray(v)
    n, d = x.shape
    factor = n ** (-1.0 / (2 * d + 4))
    return x.std(axis=0) * factor, v.std(axis=0) * factor


def kde_on_grid(x, v, grid: PhaseGrid, density: float, *, bandwidth: float | None = None) -> np.ndarray:
    r"""The grid distribution of N particles (x, v: [N, d]): $f_0 = n_0|Ω|\,(K_h * μ_N)$ on the nodes.

    The empirical measure μ_N is projected on the phase-space grid by cloud-in-cell (multilinear)
    weights — periodic in x, velocities clipped to the outermost velocity nodes (a particle beyond
    ±v_max would be lost otherwise) — and then convolved with a Gaussian of width h_a per axis by
    FFT (periodic in x; in v the grid must hold the tails, as for every initial law).
    ``bandwidth``: h in grid spacings on every axis (h_a = bandwidth·Δ_a; 0: the CIC histogram
    projection alone); None: Scott's rule (:func:`scott_bandwidth`). The kernel is the periodised
    Gaussian sampled on the nodes and normalised to unit sum, so f0 ≥ 0 and its mass is n0|Ω|
    exactly for every h; the mean velocity is the sample mean (CIC is linear, the kernel
    symmetric); the velocity variance is the sample variance + mean s(1−s)Δv² (CIC) + the discrete
    kernel variance (= h_v² to ~e^(−2π²h²/Δv²) for h_v ≳ Δv).
    """
    x, v = np.asarray(x, float), np.asarray(v, float)
    n, d = x.shape
    if d != grid.dimension or v.shape != x.shape:
        raise ValueError(f"x and v must be [N, {grid.dimension}]")
    if bandwidth is None:
        hx, hv = scott_bandwidth(x, v, grid.lengths)
    else:
        if bandwidth < 0:
            raise ValueError("bandwidth must be ≥ 0")
        hx, hv = np.asarray(grid.dx) * bandwidth, np.asarray(grid.dv) * bandwidth
    # fractional node coordinates on every phase-space axis
    coords = [x[:, i] / grid.dx[i] for i in range(d)]
    coords += [np.clip((v[:, i] + grid.velocity_max) / grid.dv[i] - 0.5, 0.0, grid.n_v[i] - 1.0)
               for i in range(d)]
    sizes = grid.shape
    base = [np.floor(c).astype(np.int64) for c in coords]
    frac = [c - b for c, b in zip(coords, base, strict=True)]
    hist = np.zeros(int(np.prod(sizes)))
    for corner in np.ndindex(*(2,) * (2 * d)):
        w = np.ones(n)
        idx = []
        for a, c in enumerate(corner):
            w = w * (frac[a] if c else 1.0 - frac[a])
            j = base[a] + c
            idx.append(j % sizes[a] if a < d else np.minimum(j, sizes[a] - 1))
        hist += np.bincount(np.ravel_multi_index(tuple(idx), sizes), weights=w, minlength=hist.size)
    hist = hist.reshape(sizes)
    h = list(hx) + list(hv)
    if any(hi > 0 for hi in h):
        # a unit-sum, positive, periodised Gaussian sampled on the nodes of each axis (separable),
        # applied by FFT: positivity and mass are kept exactly even when h < the grid spacing
        spacing = list(grid.dx) + list(grid.dv)
        mult = np.ones(())
        for a in range(2 * d):
            m = sizes[a]
            j = np.arange(m)
            r = np.minimum(j, m - j) * spacing[a]  # periodic distance to node 0
            kern = np.exp(-0.5 * (r / h[a]) ** 2) if h[a] > 0 else (j == 0).astype(float)
            shape = [1] * (2 * d)
            shape[a] = m
            mult = mult * np.real(np.fft.fft(kern / kern.sum())).reshape(shape)
        hist = np.real(np.fft.ifftn(np.fft.fftn(hist) * mult))
    return np.clip(hist, 0.0, None) * (density * grid.volume / (n * grid.cell))


def sampled_on_grid(law: InitialLaw, key, n: int, grid: PhaseGrid, *, bandwidth: float | None = None):
    """(f0 on the grid, x, v): ``n`` particles drawn from ``law`` with ``key`` and their
    :func:`kde_on_grid`, so a grid run from f0 and a particle run from (x, v) start from the same
    empirical law."""
    x, v = law.sample(key, n, grid.lengths)
    return kde_on_grid(x, v, grid, law.density, bandwidth=bandwidth), x, v
