r"""Mean-field interaction kernels: the Fourier transform $\hat U(k)$ of the pair potential.

The Vlasov force is $F(x) = -\nabla (U * n)(x)$ with $n = \int f\,dv$ the number density. On the
periodic box it is computed spectrally: with $n_m$ the Fourier coefficients of $n$,
$(U * n)(x) = \sum_m \hat U(k_m)\, n_m e^{i k_m\cdot x}$, where $\hat U(k) = \int U(x) e^{-ik\cdot x}dx$
is the continuous transform of the potential (so the periodic images are included exactly).

Registered kernels, in d = 1 or 2 dimensions, with ε = ``interaction.epsilon``:

* ``coulomb`` — $\hat U = ε/|k|^2$, $\hat U(0) = 0$: the periodic Green's function of $-Δ$ with a
  uniform neutralising background, $-ΔU = ε(δ - 1/|Ω|)$. Sign convention: like charges repel (the
  force on a particle points away from density excesses), so with ε = 1, density n0 = 1 and
  temperature 1 the equation is the standard normalised electron Vlasov–Poisson system
  ($∂_x E = 1 - n$, acceleration $-E$): plasma frequency $ω_p = \sqrt{ε n_0} = 1$, Debye length
  $\sqrt{θ/(ε n_0)} = 1$.
* ``yukawa`` — $\hat U = ε/(|k|^2 + λ^{-2})$, λ = ``screening_length``: the Green's function of the
  screened Poisson operator $-Δ + λ^{-2}$ (in 1D $U = (ελ/2)e^{-|x|/λ}$, in 2D $(ε/2π)K_0(r/λ)$),
  which tends to ``coulomb`` as λ → ∞ (without the background). Note: the particle-level
  registry writes Yukawa as $εσe^{-r/λ}/r$, the 3D form; the two agree in 3D up to the factor 4πσ.
* ``gaussian`` — $U = ε e^{-r^2/σ^2}$, $\hat U = ε(\sqrt{π}σ)^d e^{-|k|^2σ^2/4}$.
* any bounded potential given as a function of r (:func:`from_function`, e.g. the soft
  DPD-like repulsion $ε(1 - r/σ)^2$ for r < σ): $\hat U$ from the periodised potential sampled
  on a fine grid.

Potentials that are not locally integrable (Lennard-Jones, WCA, inverse powers, hard spheres)
have no mean-field limit of this form and are refused with a message.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: potentials the Vlasov level accepts from the configuration.
SUPPORTED = ("coulomb", "yukawa", "gaussian")


@dataclass(frozen=True)
class FieldKernel:
    r"""A mean-field interaction on a periodic box.

    ``fourier(k2)`` -> $\hat U$ at squared wavenumbers ``k2`` (NumPy, any shape, k2 = 0 allowed);
    ``periodic_force(dx)`` -> $-\nabla U_{\rm per}$ at displacements ``dx`` [..., d] already
    wrapped into the box $[0, L)^d$ (None where no closed form is implemented; then the particle
    solver uses the mesh force only).
    """

    name: str
    description: str
    dimension: int
    lengths: tuple[float, ...]
    fourier: Callable[[np.ndarray], np.ndarray]
    periodic_force: Callable | None = None

    def on_modes(self, k2: np.ndarray) -> np.ndarray:
        return np.asarray(self.fourier(np.asarray(k2, dtype=float)), dtype=float)

    def max_frequency(self, density: float, kmax2: float, k2: np.ndarray | None = None) -> float:
        r"""$\max_k \sqrt{n_0 |k|^2 |\hat U(k)|}$ over the resolved modes: the fastest collective
        oscillation (or growth) rate of the cold mean-field dynamics. Strang splitting is the
        Störmer–Verlet scheme for it, stable only for ω dt < 2."""
        if k2 is None:
            k2 = np.linspace(0.0, kmax2, 4097)[1:]
        k2 = np.asarray(k2, float)
        k2 = k2[k2 > 0]
        return float(np.sqrt(np.max(density * k2 * np.abs(self.on_modes(k2)))))


def spectral_operators(kernel: FieldKernel | None, n_x: tuple[int, ...], lengths: tuple[float, ...]):
    """FFT constants of the force ``a = −∇(U * n)`` on a periodic mesh: (Û on the ``rfftn`` layout,
    the derivative wavenumbers k_i on that layout with the Nyquist modes zeroed — a real field has
    no odd mode there —, Û on the full ``fftn`` layout for energies). Û is None without a kernel."""
    d = len(n_x)
    axes = [2 * np.pi * (np.fft.rfftfreq(n, d=L / n) if i == d - 1 else np.fft.fftfreq(n, d=L / n))
            for i, (n, L) in enumerate(zip(n_x, lengths, strict=True))]
    K = np.meshgrid(*axes, indexing="ij")
    kd = []
    for k, n, L in zip(K, n_x, lengths, strict=True):
        nyquist = np.isclose(np.abs(k), np.pi * n / L) if n % 2 == 0 else np.zeros(k.shape, bool)
        kd.append(np.where(nyquist, 0.0, k))
    full = np.meshgrid(*[2 * np.pi * np.fft.fftfreq(n, d=L / n) for n, L in zip(n_x, lengths, strict=True)],
                       indexing="ij")
    if kernel is None:
        return None, kd, None
    return kernel.on_modes(sum(k * k for k in K)), kd, kernel.on_modes(sum(k * k for k in full))


def mean_field_acceleration(n, uk, kd) -> list:
    """``a = −∇(U * n)`` on the mesh of ``n`` from the constants of :func:`spectral_operators`."""
    import jax.numpy as jnp

    phi = uk * jnp.fft.rfftn(n)
    return [jnp.fft.irfftn(-1j * k * phi, s=n.shape) for k in kd]


def _lattice(ranges) -> np.ndarray:
    """All integer image vectors [m, d] with components from ``ranges``."""
    return np.stack(np.meshgrid(*ranges, indexing="ij"), -1).reshape(-1, len(ranges))


def _wrap(dx, lengths):
    import jax.numpy as jnp

    L = jnp.asarray(lengths)
    return dx - L * jnp.floor(dx / L)


def coulomb(dimension: int, lengths: tuple[float, ...], epsilon: float = 1.0) -> FieldKernel:
    def fourier(k2):
        with np.errstate(divide="ignore"):
            return np.where(k2 > 0, epsilon / np.where(k2 > 0, k2, 1.0), 0.0)

    force = None
    if dimension == 1:
        L = float(lengths[0])

        def force(dx):  # −G'(x) = ε(1/2 − x/L) on (0, L), zero at x = 0 (no self-force)
            import jax.numpy as jnp

            x = _wrap(dx, lengths)
            return jnp.where(x > 0, epsilon * (0.5 - x / L), 0.0)

    return FieldKernel("coulomb", "periodic Coulomb (Poisson) with neutralising background",
                       dimension, tuple(lengths), fourier, force)


def yukawa(dimension: int, lengths: tuple[float, ...], epsilon: float = 1.0,
           screening_length: float = 1.0) -> FieldKernel:
    lam = float(screening_length)

    def fourier(k2):
        return epsilon / (k2 + lam ** -2)

    force = None
    if dimension == 1:
        L = float(lengths[0])

        def force(dx):  # −d/dx of (ελ/2) Σ_n e^{−|x+nL|/λ} = (ε/2) sinh((L/2 − x)/λ)/sinh(L/2λ)
            import jax.numpy as jnp

            x = _wrap(dx, lengths)
            return jnp.where(x > 0, 0.5 * epsilon * jnp.sinh((0.5 * L - x) / lam) / math.sinh(0.5 * L / lam),
                             0.0)

    return FieldKernel("yukawa", f"screened Coulomb, λ = {lam:g}", dimension, tuple(lengths), fourier, force)


def gaussian(dimension: int, lengths: tuple[float, ...], epsilon: float = 1.0,
             sigma: float = 1.0) -> FieldKernel:
    s = float(sigma)

    def fourier(k2):
        return epsilon * (math.sqrt(math.pi) * s) ** dimension * np.exp(-k2 * s * s / 4.0)

    L = np.asarray(lengths, float)
    images = [math.ceil(6.0 * s / Li) for Li in L]
    shifts = _lattice([np.arange(-m, m + 1) for m in images]) * L

    def force(dx):  # Σ_images 2ε y/σ² e^{−|y|²/σ²}, y = x + nL (images to 6σ)
        import jax.numpy as jnp

        x = _wrap(dx, lengths)[..., None, :] + jnp.asarray(shifts)
        g = jnp.exp(-jnp.sum(x * x, -1) / (s * s))[..., None]
        return jnp.sum(2.0 * epsilon / (s * s) * x * g, axis=-2)

    return FieldKernel("gaussian", f"Gaussian core ε exp(−r²/σ²), σ = {s:g}", dimension, tuple(lengths),
                       fourier, force)


def from_function(U: Callable[[np.ndarray], np.ndarray], dimension: int, lengths: tuple[float, ...],
                  *, name: str = "custom", points: int = 4096) -> FieldKernel:
    r"""Kernel of a bounded, radial potential ``U(r)`` (NumPy-vectorised), e.g. a soft repulsion.

    $\hat U(k_m)$ is the FFT of the periodised potential sampled on ``points`` nodes per axis
    (images within ±2 boxes), so ``fourier`` is defined on the box's own modes k = 2πm/L only
    (other k2 are interpolated in |k|).
    """
    L = np.asarray(lengths, float)
    n = points if dimension == 1 else min(points, 512)
    axes = [np.arange(n) * Li / n for Li in L]
    X = np.meshgrid(*axes, indexing="ij")
    acc = np.zeros(X[0].shape)
    for shift in _lattice([np.arange(-2, 3)] * dimension):
        r = np.sqrt(sum((X[i] + shift[i] * L[i]) ** 2 for i in range(dimension)))
        acc += U(r)
    cell = float(np.prod(L / n))
    Uk = np.real(np.fft.fftn(acc)) * cell
    ks = [2 * np.pi * np.fft.fftfreq(n, d=Li / n) for Li in L]
    K2 = sum(k ** 2 for k in np.meshgrid(*ks, indexing="ij"))
    order = np.argsort(K2.ravel())
    k_sorted, u_sorted = K2.ravel()[order], Uk.ravel()[order]

    def fourier(k2):
        return np.interp(k2, k_sorted, u_sorted)

    return FieldKernel(name, "tabulated bounded potential", dimension, tuple(lengths), fourier, None)


def make_kernel(potential: str, dimension: int, lengths: tuple[float, ...], *, epsilon: float = 1.0,
                sigma: float = 1.0, screening_length: float = 1.0) -> FieldKernel:
    """The registered kernel ``potential`` (one of :data:`SUPPORTED`)."""
    if potential == "coulomb":
        return coulomb(dimension, lengths, epsilon)
    if potential == "yukawa":
        return yukawa(dimension, lengths, epsilon, screening_length)
    if potential == "gaussian":
        return gaussian(dimension, lengths, epsilon, sigma)
    raise ValueError(f"potential {potential!r} has no mean-field (Vlasov) kernel; supported: {SUPPORTED} "
                     "(its force is not integrable at r = 0)")
