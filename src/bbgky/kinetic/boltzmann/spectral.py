r"""Fast spectral method for the homo-energetic Boltzmann equation, on a velocity grid that
follows the temperature.

**Collision operator** (Mouhot & Pareschi, Math. Comp. 75 (2006) 1833; Gamba, Haack, Hauck & Hu,
SIAM J. Sci. Comput. 39 (2017) B658). The distribution is periodised on $[-L, L)^3$ with $N^3$
points, the relative velocity truncated to $|g| \le R$. For a kernel
$B = |g|^\gamma b(\sigma\cdot\hat g)$ with a polynomial b, write $g = \rho\hat g$ and
$H_{\rho\sigma}(u) = f(u + \rho\sigma/2)\,f(u - \rho\sigma/2)$; then, the Fourier basis being
$e^{i\pi k\cdot\xi/L}$,

$$Q^+(v) = \int_0^R \rho^{2+\gamma}\int_{S^2}\!d\sigma\int_{S^2}\!d\hat g\; b(\sigma\cdot\hat g)\,
H_{\rho\sigma}(v - \rho\hat g/2),\qquad
\int_{S^2} b(\sigma\cdot\hat g)\,e^{-iz\,\hat k\cdot\hat g}\,d\hat g
= \sum_l (-i)^l\, b_l\, j_l(z) \sum_{m} \tilde Y_{lm}(\sigma)\,\tilde Y_{lm}(\hat k)$$

(plane-wave expansion, addition theorem and Funk–Hecke: $\tilde Y_{lm} = \sqrt{4\pi}\,Y_{lm}$ real,
$b_l = \int_{S^2} b(\cos\theta) P_l(\cos\theta)\,d\sigma$, ``Kernel.funk_hecke``). $H_{\rho\sigma}$ is even
in σ ($\sigma \to -\sigma$ swaps $v'$ and $v_*'$), so only even l contribute: the odd part of b does
not change Q (identical particles), and

$$\widehat{Q^+}(k) = \sum_q w_q\rho_q^{2+\gamma} \sum_{\text{even } l \le \deg b}\ (-1)^{l/2}\, b_l\,
j_l\Big(\frac{\pi\rho_q|k|}{2L}\Big) \sum_m \tilde Y_{lm}(\hat k)\;
\mathrm{FFT}\Big[\sum_p w_p \tilde Y_{lm}(\sigma_p) H_{\rho_q\sigma_p}\Big](k).$$

For isotropic scattering only l = 0 remains, $b_0 j_0 = 4\pi b\,\mathrm{sinc}$: the ĝ-integral is a
convolution with the uniform measure of a sphere. $H_{\rho\sigma}$ is formed in physical space from
two Fourier shifts of f (one complex inverse FFT gives both real shifts), σ runs over half of a
Lebedev rule (M points, M/2 used) and ρ over Gauss–Legendre nodes; the σ-sums $S_{q,lm}$ are taken
in physical space, so one evaluation costs $N_\rho M/2 + 1$ complex and $N_\rho J + 3$ real-to-complex
FFTs of size $N^3$ (``gain_loss``), J the number of (l, m) pairs: J = 1 isotropic, 6 for
b ∝ 1 + cos²θ, 15 for a quartic b. The rule must integrate
$\tilde Y_{lm}(\sigma) H_{\rho\sigma}$, a degree l higher than H alone: a kernel of degree n needs the
Lebedev degree that suffices for isotropic b plus n (measured on the Maxwell-molecule identity
$\int\xi\otimes\xi\,Q = -\nu(P - pI)$ at N = 32, L = R = 9, non-Gaussian f: error 1.4e-5, 6e-7 at
degree 9, 11 for isotropic b; 1.1e-4, 2.1e-5, 2.2e-6 at 11, 13, 15 for b ∝ (1 + cos θ)⁴). Measured
cost: docs/performance.md (``bench/boltzmann.py``: a Q against its FFTs alone).
The loss term is $f\,(f * \Phi)$ with
$\hat\Phi(k) = \sum_q w_q \rho_q^{2+\gamma} b_0\,4\pi\,\mathrm{sinc}(\pi\rho_q|k|/L)$ (only
$b_0 = \int b\,d\sigma$ enters). Conservation: the constrained $L^2$ projection of Gamba &
Tharkabhushanam (J. Comput. Phys. 228 (2009) 2012), $Q \leftarrow Q - C^T(CC^T)^{-1}CQ$ with $C$ the
quadrature of $(1, \xi, |\xi|^2)$, so mass, momentum and energy of Q vanish to round-off.

**Two velocity dimensions** (``Grid(dimension=2)``): the same with $N^2$ points, $\rho^{d-1} = \rho$,
σ on half of the trapezoidal rule of the circle, Bessel $J_l$ in place of $j_l$, the harmonics
$\tilde Y = 1, \sqrt2\cos l\varphi, \sqrt2\sin l\varphi$ and Chebyshev $T_l$ in place of $P_l$
(Jacobi–Anger); the circle average $\int_{S^1} e^{iz\,\omega\cdot e}\,d\omega = 2\pi J_0(z)$ replaces
$4\pi\,\mathrm{sinc}\,z$ (gain at $z = \pi\rho|k|/2L$, loss at $z = \pi\rho|k|/L$).

**Deformation and self-similar variables** (James–Qi–Wang eq. 46). With $g(t,w) = \rho(t)\,c(t)^{-d}
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
from scipy.special import j0, jv, sph_harm_y, spherical_jn

from ...models import flows
from ...models.kernels import Kernel

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


def plane_wave_coefficient(l: int, z: np.ndarray, d: int) -> np.ndarray:
    """The radial factor of degree l in e^{iz ω·e} = Σ_l i^l c_l(z) Σ_j Ỹ_j(ω) Ỹ_j(e): the spherical
    Bessel function j_l(z) (d = 3), the Bessel function J_l(z) (d = 2)."""
    return spherical_jn(l, z) if d == 3 else jv(l, z)


def harmonics(l: int, x: np.ndarray, d: int) -> np.ndarray:
    """Real spherical harmonics Ỹ_j of degree l at unit vectors x [n, d], normalised to mean square 1
    on S^{d−1} (Ỹ = √(4π) Y_lm in 3D; 1, √2 cos lφ, √2 sin lφ in 2D): [2l + 1 (3D) or 2 (2D, l > 0), n].
    Addition theorem: Σ_j Ỹ_j(a) Ỹ_j(b) = (2l + 1) P_l(a·b) (3D), 2 T_l(a·b) (2D, l > 0)."""
    if d == 2:
        phi = np.arctan2(x[:, 1], x[:, 0])
        return np.ones((1, len(x))) if l == 0 else math.sqrt(2) * np.stack([np.cos(l * phi), np.sin(l * phi)])
    theta, phi = np.arccos(np.clip(x[:, 2], -1, 1)), np.arctan2(x[:, 1], x[:, 0])

    def real(m):
        y = sph_harm_y(l, abs(m), theta, phi)
        return y.real if m == 0 else math.sqrt(2) * (y.imag if m < 0 else y.real)

    return math.sqrt(4 * math.pi) * np.stack([real(m) for m in range(-l, l + 1)])


# ----------------------------------------------------------------------------------------------
# Collision operator
# ----------------------------------------------------------------------------------------------


class SpectralCollision:
    """Fast spectral Q(f, f) on a :class:`Grid` for a kernel |g|^γ b(cos θ) with a polynomial b.

    ``truncation`` R (default R = L, the most accurate choice on BKW: 1.7e-7 at N = 32, L = 7;
    the alias-free bound R = 4L/(3 + √2) gave larger truncation errors), ``radial_points`` N_ρ
    (default N), ``sphere_degree`` the exactness degree of the Lebedev rule (M points, M/2 used;
    anisotropic states need ≳ 17 for 1e-5 accuracy of the stress production; strongly sheared
    states carry fine structure the σ-rule must resolve at radius R/2: degree ≥ 29 at a* = 2,
    N ≥ 40, see validation/boltzmann_spectral_resolution.py); an anisotropic b of degree n needs n
    more (module docstring).
    """

    def __init__(self, grid: Grid, kernel: Kernel, *, truncation: float | None = None,
                 radial_points: int | None = None, sphere_degree: int = 17, conserve: bool = True,
                 projection: str = "uniform"):
        if not isinstance(kernel, Kernel) or kernel.shape is not None:
            raise ValueError(f"the spectral method needs B = C|g|^γ β(cos θ) with a polynomial β; kernel "
                             f"{kernel.name!r} has a non-polynomial angular law")
        if kernel.dimension != grid.dimension:
            raise ValueError(f"a {kernel.dimension}D kernel on a {grid.dimension}D grid")
        self.grid, self.kernel = grid, kernel
        L, d = grid.extent, grid.dimension
        self.R = truncation if truncation is not None else L
        self.nr = radial_points if radial_points is not None else grid.n
        rho, wr = radial_rule(self.nr, self.R)
        sig, ws = sphere_half_rule(sphere_degree, d)
        self.sphere_degree = sphere_degree
        self.sphere_points = len(sig) * 2
        kk = grid.wavenumbers
        kvec = np.stack(np.meshgrid(*[kk] * d, indexing="ij"))
        kabs = np.sqrt((kvec**2).sum(0))
        khat = (kvec / np.where(kabs > 0, kabs, 1.0)).reshape(d, -1).T  # k = 0: j_l(0) = 0 for l > 0
        # the even degrees l ≤ deg β; per mode j (degree l_j): w_p Ỹ_j(σ_p), Ỹ_j(k̂)
        self.orders = list(range(0, len(np.trim_zeros(np.asarray(kernel.angular), "b")), 2))
        y_sigma = [harmonics(l, sig, d) for l in self.orders]
        self._lidx = jnp.asarray(np.concatenate([np.full(len(y), i) for i, y in enumerate(y_sigma)]))
        self._modes_sigma = jnp.asarray(ws * np.concatenate(y_sigma))
        # The gain is real: Q⁺ = Re IFFT[Σ_q m_q Ŝ_q], and with S_q real that equals the real inverse
        # transform of Σ_q ½(m_q(k) + m_q(−k)) Ŝ_q(k) (−k taken modulo N). The symmetrised multiplier
        # differs from m only on the Nyquist planes (there −k aliases to a k̂ that is not −k̂); it lets the
        # S-transforms and the final inverse be real-to-complex, on the half spectrum k_d ≥ 0.
        half = (..., slice(0, grid.n // 2 + 1))
        modes_k = np.concatenate([harmonics(l, khat, d) for l in self.orders]).reshape(-1, *grid.shape)
        self._modes_k = jnp.asarray(_even_part(modes_k, d)[half])
        # radial multipliers w_q ρ_q^{d−1} ρ_q^γ b_l (−1)^{l/2} j_l(πρ_q|k|/2L) [nr, n_l, half spectrum]
        # and Φ̂(k) (functions of |k|, already even)
        r = rho.reshape(-1, *[1] * d)
        weight = (wr * rho ** (d - 1) * kernel.radial(rho)).reshape(r.shape)
        z = np.pi * r * kabs[None] / (2 * L)
        self._gain = jnp.asarray(np.stack([
            weight * kernel.funk_hecke(l) * (-1) ** (l // 2) * plane_wave_coefficient(l, z, d)
            for l in self.orders], axis=1)[half])
        # the Nyquist index −N/2 (even N) is dropped so that the shifts of f stay real; odd N has none
        nyq = np.where((np.arange(grid.n) == grid.n // 2) & (grid.n % 2 == 0), 0.0, 1.0)
        loss = weight * kernel.sphere_integral * shell_average(2 * z, d)
        self._loss = jnp.asarray((loss.sum(axis=0) * _outer([nyq] * d))[half])
        # 1D phase factors e^{iπ k a_i/L} for a = ρ_q σ_p / 2, per axis [nr, M/2, d, N], once per grid;
        # of the last axis only cos ± sin is needed (gain_loss)
        a = 0.5 * rho[:, None, None] * sig[None, :, :]  # [nr, M/2, d]
        self._shift = a
        phases = nyq * np.exp(1j * np.pi * a[..., None] * grid.wavenumbers / L)
        self._phases = jnp.asarray(phases[:, :, :-1])
        last = phases[:, :, -1]
        self._last_plus = jnp.asarray(last.real + last.imag)  # cos θ_d + sin θ_d, [nr, M/2, N]
        self._last_minus = jnp.asarray(last.real - last.imag)
        self.conserve = conserve
        self._proj = _conservation_projector(grid, projection)

    def gain_loss(self, f):
        r"""(Q⁺, Q⁻) of f on the grid. Per radial node q, the M/2 shifted products
        $H_{\rho_q\sigma_p} = f(u + a)\,f(u - a)$, $a = \rho_q\sigma_p/2$, come from one batched complex
        inverse FFT: with $\theta = \pi k\cdot a/L$ and $w = \mathrm{IFFT}[\hat f\,(\cos\theta + \sin\theta)]
        = \tfrac12(f_+ + f_-) - \tfrac i2(f_+ - f_-)$, $f_\pm = f(u \pm a)$, one has
        $\mathrm{Re}(w^2) = f_+ f_-$ (the phase $e^{i\theta}$ is an outer product of d precomputed 1D
        factors). Their σ-sums $S_{q,j}$ are taken in physical space, the J sums go through one batched
        real FFT and are accumulated with the multipliers on the half spectrum; one real inverse FFT at
        the end.

        Memory traffic (it, not arithmetic, is the non-FFT cost at N = 64): with $e^{i\theta} =
        (\alpha + i\beta)\,e^{i\theta_d}$, $\alpha + i\beta$ the product of the first d − 1 axes'
        factors, $\cos\theta + \sin\theta = \alpha(\cos\theta_d + \sin\theta_d)
        + \beta(\cos\theta_d - \sin\theta_d)$ is real, so the transform's input is formed in one
        pass as two real products; for isotropic b (J = 1) the σ-sum of Re(w²) is one elementwise pass
        over the M/2 transforms (a matrix product would first write Re(w²) out)."""
        d = self.grid.dimension
        axes = tuple(range(1, d + 1))
        real = jnp.result_type(f, jnp.float32)
        fh = jnp.fft.fftn(f)
        phases = self._phases.astype(fh.dtype)
        plus, minus = self._last_plus.astype(real), self._last_minus.astype(real)
        modes_sigma, modes_k = self._modes_sigma.astype(real), self._modes_k.astype(real)
        gain_q = self._gain.astype(real)

        def radial(acc, q):
            e = phases[q]  # [M/2, d − 1, N]
            ab = _outer([e[:, i] for i in range(d - 1)], batch=True)[..., None]  # [M/2, N, …, 1]
            last = (e.shape[0], *[1] * (d - 1), -1)
            c = ab.real * plus[q].reshape(last) + ab.imag * minus[q].reshape(last)  # cos θ + sin θ
            w = jnp.fft.ifftn(jax.lax.complex(fh.real * c, fh.imag * c), axes=axes)
            h = w.real**2 - w.imag**2  # f(u + a) f(u − a), [M/2, N^d]
            if modes_sigma.shape[0] == 1:
                S = sum(modes_sigma[0, p] * h[p] for p in range(h.shape[0]))[None]
            else:
                S = jnp.tensordot(modes_sigma, h, axes=1)  # [J, N^d]
            Sh = jnp.fft.rfftn(S, axes=axes)
            return acc + jnp.sum(gain_q[q][self._lidx] * modes_k * Sh, axis=0), None

        acc = jnp.zeros(self._loss.shape, fh.dtype)
        acc, _ = jax.lax.scan(radial, acc, jnp.arange(self.nr))
        gain = jnp.fft.irfftn(acc, self.grid.shape)
        loss = f * jnp.fft.irfftn(jnp.fft.rfftn(f) * self._loss.astype(real), self.grid.shape)
        return gain, loss

    def __call__(self, f):
        gain, loss = self.gain_loss(f)
        q = gain - loss
        return self._proj(q) if self.conserve else q


def _outer(factors, batch=False):
    """Outer product of 1D arrays, [len(f0), len(f1), …]; ``batch``: of [B, n] arrays row by row,
    [B, len(f0), len(f1), …]."""
    out = factors[0]
    for f in factors[1:]:
        out = out[..., None] * (f.reshape(f.shape[0], *[1] * (out.ndim - 1), -1) if batch else f)
    return out


def _even_part(a, d):
    """½(a(k) + a(−k)) over the last d axes, −k taken modulo N (index j ↦ −j mod N)."""
    flipped = np.roll(np.flip(a, axis=tuple(range(-d, 0))), 1, axis=tuple(range(-d, 0)))
    return 0.5 * (a + flipped)


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

    def proj(q):  # in the precision of q (float32 on accelerators)
        flat = q.reshape(-1)
        return (flat - Pj.astype(q.dtype) @ (Cj.astype(q.dtype) @ flat)).reshape(shape)

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


#: stability radius of each scheme on the negative real and the imaginary axis (the smaller one,
#: rounded down: heun 2 (real axis; imaginary axis only with damping), ssprk3 √3 ≈ 2.5 real /
#: 1.73 imaginary → 2.5 with the collision damping, rk4 2.785 real / 2.83 imaginary → 2.7)
STABILITY = {"heun": 2.0, "ssprk3": 2.5, "rk4": 2.7}

#: (rate + |L|) Δt of the automatic step per scheme: the largest a keeping the shear-table quantities
#: (growth rate, P_xy/p, P_xx/p, P_yy/p at νt = 1; Maxwell molecules from the asymptotic anisotropic
#: Maxwellian, N = 16, L = 9, Lebedev 11, a* = 0.5 and 1) within the table's 0.1 % of an RK4 run at
#: Δt = 1/128 (``validation/boltzmann_spectral_step.py --accuracy``; a* = 1 decides: heun 7.1e-4 at
#: a = 0.02, 1.6e-3 at 0.03; ssprk3 5.9e-4 at 0.1, 1.0e-3 at 0.12; rk4 7.1e-4 at 0.17, 1.1e-3 at 0.19)
ACCURACY = {"heun": 0.02, "ssprk3": 0.1, "rk4": 0.17}

#: the automatic step is at most this fraction of the stability bound: the fastest transport modes
#: resolved too (RK4, shear a* = 1, N = 16, bound 0.103: time-step error 3.8e-6, 7.0e-5, 1.1e-3 at
#: Δt = 1/32, 1/16, 1/8; docs/boltzmann.md)
RESOLVED = 0.5


def stable_step(scheme: str, grid: Grid, flow_rate: float, collision_rate: float) -> float:
    r"""Largest explicit step: $\Delta t\,(2|L|\,\pi N/2 + \nu_{max}) \le R_{scheme}$ (``STABILITY``).
    The transport term $\nabla_\xi\cdot((\dot c/c + L)\xi G)$ has Fourier-collocation eigenvalues up to
    $|\dot c/c\,I + L|\,\xi_{max} k_{max}$ with $|\dot c/c\,I + L| \le 2|L|$ and
    $\xi_{max} k_{max} = L_{box}\cdot\pi N/(2L_{box}) = \pi N/2$; the collision operator damps at
    most at its loss rate ``collision_rate`` $= \rho c^\gamma\,\Sigma(g)$ at the largest relevant g."""
    return STABILITY[scheme] / (flow_rate * math.pi * grid.n + collision_rate)


def automatic_step(scheme: str, grid: Grid, flow_rate: float, collision_rate: float) -> float:
    r"""The step used when none is configured:
    $\Delta t = \min(\tfrac12\,\Delta t_{stable},\ a_{scheme}/(\nu + |L|))$ — half the stability bound
    (:func:`stable_step`; ``RESOLVED``) and the relaxation and the flow each resolved in $1/a$ steps
    (``ACCURACY``). Measured on the shear-table cases for each scheme:
    validation/boltzmann_spectral_step.py."""
    return min(RESOLVED * stable_step(scheme, grid, flow_rate, collision_rate),
               ACCURACY[scheme] / (collision_rate + flow_rate))


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
        return flows.flow_gradient(self.A, t, jnp), flows.density(self.rho0, self.A, t, jnp)

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
