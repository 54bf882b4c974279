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

from .spectral import Grid


def axis_marginals(G: np.ndarray, grid: Grid) -> np.ndarray:
    """[3, N]: G_i(ξ_i), the integral of G over the two other axes."""
    G = np.asarray(G)
    h2 = grid.h**2
    return np.stack([G.sum(axis=(1, 2)), G.sum(axis=(0, 2)), G.sum(axis=(0, 1))]) * h2


class RadialMarginal:
    """G_r(r) = r² ∫ G(rω) dω of the trigonometric interpolant of G, at ``radius`` (default
    0, h/2, …, L)."""

    def __init__(self, grid: Grid, radius: np.ndarray | None = None):
        self.radius = grid.h / 2 * np.arange(grid.n + 1) if radius is None else np.asarray(radius, float)
        k = grid.wavenumbers
        kk = (k[:, None, None] ** 2 + k[None, :, None] ** 2 + k[None, None, :] ** 2).ravel()
        sign = (-1.0) ** np.add.outer(np.add.outer(k, k), k).ravel()  # e^{iπk·L/L}: the grid starts at −L
        nyq = (np.abs(np.stack(np.meshgrid(k, k, k, indexing="ij"))) == grid.n // 2).any(0).ravel()
        shells, self._shell = np.unique(kk, return_inverse=True)
        self._weight = np.where(nyq, 0.0, sign) / grid.n**3
        kabs = np.sqrt(shells)
        self._basis = 4 * math.pi * self.radius[:, None] ** 2 * np.sinc(self.radius[:, None] * kabs[None]
                                                                        / grid.extent)
        self._nshell = len(shells)

    def __call__(self, G: np.ndarray) -> np.ndarray:
        Gh = np.fft.fftn(np.asarray(G)).ravel().real * self._weight  # G real: the imaginary parts cancel
        return self._basis @ np.bincount(self._shell, weights=Gh, minlength=self._nshell)
