r"""Scaled velocity profiles: marginals of G on the spectral grid.

The grid solvers (:mod:`.spectral`) evolve $g(t, w) = \rho(t)\,c(t)^{-3}\,G(t, w/c(t))$ with
$\int G = 1$ and c² ∝ θ. With $w = c\,\xi$ the physical marginals are

$$g_i(w_i) = \int g\,dw_j\,dw_k = \frac{\rho}{c}\,G_i(\xi_i), \qquad
g_r(|w|) = |w|^2\!\int_{S^2} g(|w|\omega)\,d\omega = \frac{\rho}{c}\,G_r(|\xi|),$$

so $\int g_i\,dw_i = \rho$ and $\int w_i^2 g_i\,dw_i = P_{ii}$. On the grid, $G_i$ is the sum of G
over the other two axes (exact quadrature of the trapezoidal rule); $G_r$ is that of the
trigonometric interpolant $G = \sum_k c_k e^{i\pi k\cdot\xi/L}$ (the representation the spectral
method evolves), $G_r(r) = 4\pi r^2\sum_k c_k\,\mathrm{sinc}(\pi|k|r/L)$, exact and smooth in r
(no lattice-shell noise) for $r \le L$.
"""

from __future__ import annotations

import math

import numpy as np

from .spectral import Grid, shell_average


def axis_marginals(G: np.ndarray, grid: Grid) -> np.ndarray:
    """[d, N]: G_i(ξ_i), the integral of G over the other axes."""
    G, d = np.asarray(G), grid.dimension
    return np.stack([G.sum(axis=tuple(j for j in range(d) if j != i)) for i in range(d)]) * grid.h ** (d - 1)


class RadialMarginal:
    r"""G_r(r) = r^{d−1} ∫ G(rω) dω of the trigonometric interpolant of G, at ``radius`` (default
    0, h/2, …, L): $r^{d-1}\sum_k c_k\int_{S^{d-1}}e^{i\pi k\cdot\omega r/L}d\omega$ (4π sinc, or 2π J0
    in 2D: :func:`.spectral.shell_average`)."""

    def __init__(self, grid: Grid, radius: np.ndarray | None = None):
        self.radius = grid.h / 2 * np.arange(grid.n + 1) if radius is None else np.asarray(radius, float)
        d = grid.dimension
        K = np.stack(np.meshgrid(*[grid.wavenumbers] * d, indexing="ij")).reshape(d, -1)
        kk = (K**2).sum(0)
        sign = (-1.0) ** K.sum(0)  # e^{iπk·L/L}: the grid starts at −L
        nyq = (np.abs(K) == grid.n // 2).any(0)
        shells, self._shell = np.unique(kk, return_inverse=True)
        self._weight = np.where(nyq, 0.0, sign) / grid.n**d
        kabs = np.sqrt(shells)
        self._basis = self.radius[:, None] ** (d - 1) * shell_average(
            math.pi * self.radius[:, None] * kabs[None] / grid.extent, d)
        self._nshell = len(shells)

    def __call__(self, G: np.ndarray) -> np.ndarray:
        Gh = np.fft.fftn(np.asarray(G)).ravel().real * self._weight  # G real: the imaginary parts cancel
        return self._basis @ np.bincount(self._shell, weights=Gh, minlength=self._nshell)
