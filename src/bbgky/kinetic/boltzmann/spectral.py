r"""Fast spectral method for the homo-energetic Boltzmann equation, on a velocity grid that
follows the temperature.

**Collision operator** (Mouhot & Pareschi, Math. Comp. 75 (2006) 1833; Gamba, Haack, Hauck & Hu,
SIAM J. Sci. Comput. 39 (2017) B658). The distribution is periodised on $[-L, L)^3$ with $N^3$
points, the relative velocity truncated to $|g| \le R$. For a kernel with isotropic scattering,
$B = C|g|^\gamma$ per unit solid angle, write $g = \rho\hat g$ and
$H_{\rho\sigma}(u) = f(u + \rho\sigma/2)\,f(u - \rho\sigma/2)$; then

$$Q^+(v) = \int_0^R \rho^2 B(\rho)\int_{S^2}\!d\sigma\int_{S^2}\!d\hat g\; H_{\rho\sigma}(v - \rho\hat g/2),
\qquad \widehat{Q^+}(k) = \sum_q w_q\rho_q^2 B(\rho_q)\,4\pi\,\mathrm{sinc}\!\Big(\frac{\pi\rho_q|k|}{2L}\Big)
\sum_p w_p\,\widehat{H}_{\rho_q\sigma_p}(k),$$

the ĝ-integral being a convolution with the uniform measure of a sphere (a sinc multiplier).
$H_{\rho\sigma}$ is formed in physical space from two Fourier shifts of f (one complex inverse FFT
gives both real shifts), σ runs over half of a Lebedev rule (H is even in σ) and ρ over
Gauss–Legendre nodes; so one evaluation costs $N_\rho (M/2 + 1)$ FFTs of size $N^3$,
$O(N_\rho M N^3\log N)$. The loss term is $f\,(f * \Phi)$ with $\hat\Phi(k) = \sum_q w_q \rho_q^2
4\pi B(\rho_q)\,4\pi\,\mathrm{sinc}(\pi\rho_q|k|/L)$. Conservation: the constrained $L^2$
projection of Gamba & Tharkabhushanam (J. Comput. Phys. 228 (2009) 2012),
$Q \leftarrow Q - C^T(CC^T)^{-1}CQ$ with $C$ the quadrature of $(1, \xi, |\xi|^2)$, so mass,
momentum and energy of Q vanish to round-off.

**Two velocity dimensions** (``Grid(dimension=2)``): the same with $N^2$ points, $\rho^{d-1} = \rho$,
σ on half of the trapezoidal rule of the circle, and the circle averages
$\int_{S^1} e^{iz\,\omega\cdot e}\,d\omega = 2\pi J_0(z)$ in place of $4\pi\,\mathrm{sinc}\,z$ (gain
at $z = \pi\rho|k|/2L$, loss at $z = \pi\rho|k|/L$).

**Deformation and self-similar variables** (paper eq. 46). With $g(t,w) = \rho(t)\,c(t)^{-d}
G(t, w/c(t))$, $\rho = \rho_0/\det(I+tA)$, $\int G = 1$ and a kernel homogeneous of degree γ,

$$\partial_t G = \nabla_\xi\cdot\big((\dot c/c\; I + L)\,\xi\, G\big) + \rho\,c^\gamma\,Q(G,G),
\qquad \dot c/c = -\frac{P_G : L}{\mathrm{tr}\,P_G},$$

the choice of $\dot c/c$ keeping the second moment of G fixed (c² ∝ θ): the grid follows the
temperature. The divergence is taken spectrally (its k = 0 mode vanishes: mass is exact). Time
stepping: explicit Runge–Kutta (``SCHEMES``; order declared), ln c integrated with G.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.integrate import lebedev_rule
from scipy.special import j0

from ...models.kernels import Kernel, sphere_area

# ----------------------------------------------------------------------------------------------
# Grid, quadratures
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """Velocity grid ξ_j = −L + j h, h = 2L/N, on each of d = ``dimension`` axes (periodic)."""

    n: int
    extent: float  # L
    dimension: int = 3

    @property
    def h(self) -> float:
        return 2 * self.extent / self.n

    @property
    def axis(self) -> np.ndarray:
        return -self.extent + self.h * np.arange(self.n)

    def mesh(self) -> np.ndarray:
        """[d, N, …, N] coordinates."""
        return np.stack(np.meshgrid(*[self.axis] * self.dimension, indexing="ij"))

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.n,) * self.dimension

    @property
    def wavenumbers(self) -> np.ndarray:
        """Integer Fourier indices k (basis e^{iπ k·ξ/L}); the Nyquist index −N/2 included."""
        return np.fft.fftfreq(self.n, 1.0 / self.n)

    @property
    def cell(self) -> float:
        return self.h**self.dimension


def sphere_half_rule(degree: int, d: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Half of a rule on S^{d−1} exact to ``degree`` (Lebedev on S², trapezoidal on S¹): one point
    of each antipodal pair, doubled weight (for integrands even in σ). Returns (points [M/2, d],
    weights summing to |S^{d−1}|)."""
    if d == 2:
        m = (degree + 2) // 2  # 2m equispaced points: exact for trigonometric degree ≤ 2m − 1
        phi = math.pi * np.arange(m) / m
        return np.stack([np.cos(phi), np.sin(phi)], axis=1), np.full(m, 2 * math.pi / m)
    available = [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 35, 41, 47, 53, 59]
    deg = next((d for d in available if d >= degree), None)
    if deg is None:
        raise ValueError(f"sphere degree {degree} too large; at most {available[-1]}")
    x, w = lebedev_rule(deg)
    x = x.T
    # canonical half: first non-zero coordinate positive
    first = np.array([p[np.nonzero(np.abs(p) > 1e-12)[0][0]] for p in x])
    keep = first > 0
    assert keep.sum() * 2 == len(x)
    return x[keep], 2 * w[keep]


def radial_rule(n: int, R: float) -> tuple[np.ndarray, np.ndarray]:
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * R * (x + 1), 0.5 * R * w


def shell_average(z: np.ndarray, d: int) -> np.ndarray:
    """∫_{S^{d−1}} e^{i z ω·e} dω: 4π sin z / z (d = 3), 2π J0(z) (d = 2)."""
    return 4 * math.pi * np.sinc(z / math.pi) if d == 3 else 2 * math.pi * j0(z)


# ----------------------------------------------------------------------------------------------
# Collision operator
# ----------------------------------------------------------------------------------------------


class SpectralCollision:
    """Fast spectral Q(f, f) on a :class:`Grid` for a kernel with isotropic scattering.

    ``truncation`` R (default R = L, the most accurate choice on BKW: 1.7e-7 at N = 32, L = 7;
    the alias-free bound R = 4L/(3 + √2) gave larger truncation errors), ``radial_points`` N_ρ
    (default N), ``sphere_degree`` the exactness degree of the Lebedev rule (M points, M/2 used;
    anisotropic states need ≳ 17 for 1e-5 accuracy of the stress production; strongly sheared
    states carry fine structure the σ-rule must resolve at radius R/2: degree ≥ 29 at a* = 2,
    N ≥ 40, see validation/boltzmann_spectral_resolution.py).
    """

    def __init__(self, grid: Grid, kernel: Kernel, *, truncation: float | None = None,
                 radial_points: int | None = None, sphere_degree: int = 17, conserve: bool = True,
                 projection: str = "uniform"):
        if not kernel.isotropic:
            raise ValueError(f"the spectral method needs isotropic scattering; kernel {kernel.name!r} has "
                             f"angular coefficients {kernel.angular}")
        if kernel.dimension != grid.dimension:
            raise ValueError(f"a {kernel.dimension}D kernel on a {grid.dimension}D grid")
        self.grid, self.kernel = grid, kernel
        L, d = grid.extent, grid.dimension
        self.R = truncation if truncation is not None else L
        self.nr = radial_points if radial_points is not None else grid.n
        rho, wr = radial_rule(self.nr, self.R)
        sig, ws = sphere_half_rule(sphere_degree, d)
        self.sphere_points = len(sig) * 2
        kk = grid.wavenumbers
        kabs = np.sqrt(sum(k**2 for k in np.meshgrid(*[kk] * d, indexing="ij")))
        B = kernel.strength * rho**kernel.gamma if kernel.gamma != 0 else np.full_like(rho, kernel.strength)
        # gain multipliers S_q(k) (real) and the loss multiplier Φ̂(k)
        r = rho.reshape(-1, *[1] * d)
        weight = (wr * rho ** (d - 1) * B).reshape(r.shape)
        self._gain = jnp.asarray(weight * shell_average(np.pi * r * kabs[None] / (2 * L), d))
        loss = weight * sphere_area(d) * shell_average(np.pi * r * kabs[None] / L, d)
        self._loss = jnp.asarray(loss.sum(axis=0))
        # 1D phase factors e^{±iπ k a/L} for a = ρ_q σ_p / 2, per axis
        a = 0.5 * rho[:, None, None] * sig[None, :, :]  # [nr, M/2, d]
        self._k1 = jnp.asarray(kk)
        self._shift = jnp.asarray(a)
        self._ws = jnp.asarray(ws)
        nyq = np.ones(grid.n)
        nyq[grid.n // 2] = 0.0  # the Nyquist mode is dropped so that the shifts stay real
        self._nyq = jnp.asarray(_outer([nyq] * d))
        self.conserve = conserve
        self._proj = _conservation_projector(grid, projection)

    def _phase(self, a):
        """e^{iπ k·a/L} as an outer product of d 1D factors, a: [d]."""
        L = self.grid.extent
        return _outer([jnp.exp(1j * jnp.pi * self._k1 * a[i] / L) for i in range(self.grid.dimension)])

    def gain_loss(self, f):
        fh = jnp.fft.fftn(f) * self._nyq

        def radial(acc, q):
            def one(a, w):
                ph = self._phase(a)
                z = jnp.fft.ifftn(fh * (ph + 1j * jnp.conj(ph)))
                return w * z.real * z.imag

            H = jax.vmap(one)(self._shift[q], self._ws).sum(0)
            return acc + jnp.fft.fftn(H) * self._gain[q], None

        acc, _ = jax.lax.scan(radial, jnp.zeros_like(fh), jnp.arange(self.nr))
        gain = jnp.fft.ifftn(acc).real
        loss = f * jnp.fft.ifftn(fh * self._loss).real
        return gain, loss

    def __call__(self, f):
        gain, loss = self.gain_loss(f)
        q = gain - loss
        return self._proj(q) if self.conserve else q


def _outer(factors):
    """Outer product of 1D arrays, [len(f0), len(f1), …]."""
    out = factors[0]
    for f in factors[1:]:
        out = out[..., None] * f
    return out


def _conservation_projector(grid: Grid, weight: str = "uniform"):
    """Q ↦ Q − D Cᵀ(C D Cᵀ)⁻¹ C Q with C = h^d (1, ξ_1, …, ξ_d, |ξ|²): the nearest Q, in the norm
    weighted by D⁻¹, with zero mass, momentum and energy production (Gamba–Tharkabhushanam's
    constrained least squares): ``weight = "uniform"`` (D = I) is their plain L2 choice, the
    default (the more accurate on BKW); ``"gaussian"`` (D = e^{−|ξ|²/2}; the grid follows θ, so G
    has unit temperature) keeps the correction away from the box edges."""
    x = grid.mesh().reshape(grid.dimension, -1)
    r2 = (x**2).sum(0)
    C = np.vstack([np.ones(x.shape[1]), x, r2]) * grid.cell
    D = np.exp(-0.5 * r2) if weight == "gaussian" else np.ones_like(r2)
    G = np.linalg.inv((C * D) @ C.T)
    Cj = jnp.asarray(C)
    Pj = jnp.asarray((D[:, None] * C.T) @ G)
    shape = grid.shape

    def proj(q):
        flat = q.reshape(-1)
        return (flat - Pj @ (Cj @ flat)).reshape(shape)

    return proj


# ----------------------------------------------------------------------------------------------
# Moments on the grid
# ----------------------------------------------------------------------------------------------


def grid_moments(G, grid: Grid):
    """Mass, mean, second moment tensor, ⟨ξ|ξ|²⟩ and speed moments ⟨|ξ|^k⟩ (k = 2, 4, 6, 8) of G."""
    x = jnp.asarray(grid.mesh()).reshape(grid.dimension, -1)
    G = jnp.asarray(G).reshape(-1)
    h = grid.cell
    mass = G.sum() * h
    mean = x @ G * h
    P = (x * G) @ x.T * h
    r2 = (x**2).sum(0)
    q = x @ (r2 * G) * h
    speed = jnp.stack([(r2 ** (k // 2) * G).sum() * h for k in (2, 4, 6, 8)])
    return mass, mean, P, q, speed


# ----------------------------------------------------------------------------------------------
# Time stepping
# ----------------------------------------------------------------------------------------------

#: explicit Runge–Kutta schemes: name -> (order, a, b, c)
SCHEMES = {
    "heun": (2, [[], [1.0]], [0.5, 0.5], [0.0, 1.0]),
    "ssprk3": (3, [[], [1.0], [0.25, 0.25]], [1 / 6, 1 / 6, 2 / 3], [0.0, 1.0, 0.5]),
    "rk4": (4, [[], [0.5], [0.0, 0.5], [0.0, 0.0, 1.0]], [1 / 6, 1 / 3, 1 / 3, 1 / 6], [0.0, 0.5, 0.5, 1.0]),
}


class SpectralState(NamedTuple):
    t: jax.Array        # time
    step: jax.Array     # steps taken
    G: jax.Array        # [N]*d scaled distribution, ∫G = 1
    log_c: jax.Array    # ln c(t): w = c ξ
    status: jax.Array   # 0 sound; bit 1: non-finite values


class HomoEnergeticSolver:
    r"""$\partial_t G = \nabla_\xi\cdot((\dot c/c\,I + L)\xi G) + \rho c^\gamma\,\mathcal C(G)$ on a grid.

    ``collision(G)`` is any operator with collision invariants 1, ξ, |ξ|² (the fast spectral Q,
    or the BGK relaxation of :mod:`.bgk`, which needs ``(G, c)`` and sets ``needs_scale``).
    """

    def __init__(self, grid: Grid, collision, A: np.ndarray, rho0: float, gamma: float,
                 scheme: str = "rk4", follow_temperature: bool = True):
        if scheme not in SCHEMES:
            raise ValueError(f"unknown time scheme {scheme!r}; known: {', '.join(SCHEMES)}")
        self.grid, self.collision = grid, collision
        self.A = jnp.asarray(A, dtype=float)
        self.rho0, self.gamma = float(rho0), float(gamma)
        self.scheme = scheme
        self.order = SCHEMES[scheme][0]
        self.follow = follow_temperature
        self._x = jnp.asarray(grid.mesh())
        kk = grid.wavenumbers.copy()
        kk[grid.n // 2] = 0.0
        self._ik = 1j * jnp.pi / grid.extent * jnp.asarray(kk)

    def flow(self, t):
        F = jnp.eye(self.grid.dimension) + t * self.A
        L = self.A @ jnp.linalg.inv(F)
        return L, self.rho0 / jnp.linalg.det(F)

    def _divergence(self, flux):
        """Σ_i ∂_i flux_i by FFT, flux: [d, N, …, N]."""
        d = self.grid.dimension
        fh = jnp.fft.fftn(flux, axes=tuple(range(1, d + 1)))
        div = sum(fh[i] * self._ik.reshape([-1 if j == i else 1 for j in range(d)]) for i in range(d))
        return jnp.fft.ifftn(div).real

    def rhs(self, t, G, log_c):
        L, rho = self.flow(t)
        x = self._x
        d = self.grid.dimension
        P = jnp.tensordot(x * G, x, axes=(list(range(1, d + 1)), list(range(1, d + 1))))
        dlogc = -jnp.sum(P * L) / jnp.trace(P) if self.follow else 0.0
        M = dlogc * jnp.eye(d) + L
        flux = jnp.tensordot(M, x, axes=1) * G[None]
        c = jnp.exp(log_c)
        coll = self.collision(G, c, rho) if getattr(self.collision, "needs_scale", False) \
            else rho * c**self.gamma * self.collision(G)
        return self._divergence(flux) + coll, dlogc

    def step(self, state: SpectralState, dt) -> SpectralState:
        _, a, b, cc = SCHEMES[self.scheme]
        ks = []
        for i in range(len(b)):
            G = state.G
            lc = state.log_c
            for j, aij in enumerate(a[i]):
                if aij != 0.0:
                    G = G + dt * aij * ks[j][0]
                    lc = lc + dt * aij * ks[j][1]
            ks.append(self.rhs(state.t + cc[i] * dt, G, lc))
        G = state.G + dt * sum(bi * k[0] for bi, k in zip(b, ks, strict=True))
        lc = state.log_c + dt * sum(bi * k[1] for bi, k in zip(b, ks, strict=True))
        bad = ~jnp.all(jnp.isfinite(G))
        return SpectralState(state.t + dt, state.step + 1, G, lc,
                             state.status | jnp.where(bad, 1, 0).astype(state.status.dtype))

    def advance(self, state: SpectralState, n: int, dt: float) -> SpectralState:
        return _advance(self, state, n, dt)

    def init(self, G0, t0: float = 0.0, log_c: float = 0.0) -> SpectralState:
        return SpectralState(jnp.asarray(t0, float), jnp.asarray(0), jnp.asarray(G0, float),
                             jnp.asarray(log_c, float), jnp.asarray(0, jnp.int32))


def _advance(solver: HomoEnergeticSolver, state, n, dt):
    fn = getattr(solver, "_advance_jit", None)
    if fn is None:
        @jax.jit
        def fn(state, dt, n):
            return jax.lax.fori_loop(0, n, lambda i, s: solver.step(s, dt), state)
        solver._advance_jit = fn
    return fn(state, jnp.asarray(dt, float), jnp.asarray(n))
