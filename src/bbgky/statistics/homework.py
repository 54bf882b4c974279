r"""The tutorial's homework map: tensor products are nonlinear (Promislow tutorial, "An Exercise:
Homework").

For $g$ on $\mathbb R_+$ the quarter-plane radial average of $g\otimes g$ and the map

$$ [R(f)](r) = \frac2\pi\int_0^{\pi/2} f(r\cos\theta, r\sin\theta)\,d\theta, \qquad
\mathcal T(g) = \frac{R(g\otimes g)}{\int_0^\infty R(g\otimes g)\,dr} . $$

$g\otimes g(x, y) = g(x)g(y)$, so for $g = \alpha e^{-\beta r^2}$, $R(g\otimes g) = \alpha^2
e^{-\beta r^2}$ and every mass-one Gaussian $G_\beta = 2\sqrt{\beta/\pi}\,e^{-\beta r^2}$ is a fixed
point. **The fixed point is unique only up to scale:** $\mathcal T$ commutes with the dilations
$g_\lambda(r) = \lambda g(\lambda r)$ ($\mathcal T(g_\lambda) = \mathcal T(g)_\lambda$), so the
tutorial's $\alpha e^{-r^2}$ is one member of a one-parameter family and plain iteration drifts along
it (measured: from $e^{-r^2}(1 + 0.3r^2)$ it settles on β ≈ 0.70). :func:`iterate` therefore fixes
the scale after every step, $S(g) = g_\lambda$ with $\int r^2 S(g)\,dr = \tfrac12$ (the second moment
of $G_1$). **Linearisation at $G_1$:** $\delta \mapsto 2R(G_1\otimes\delta)$ maps
$r^m e^{-r^2}$ to $2c_m r^m e^{-r^2}$, $c_m = \frac2\pi\int_0^{\pi/2}\sin^m\theta\,d\theta$:
eigenvalue 2 (m = 0, removed by the mass normalisation), 1 (m = 2, the dilation, removed by S),
**0.75** (m = 4), 0.625 (m = 6), … — but also $4/\pi \approx 1.27$ for m = 1. So the map is a local
contraction (factor 3/4) on functions of $r^2$ (smooth even profiles), not on all of
$L^\infty\cap L^1$: a perturbation $\propto r e^{-r^2}$ grows. The grid below represents g as a
function of $s = r^2$, which keeps the iteration in that invariant class; measured contraction
0.7500 ± 0.0001 from three starts, converging to $\lVert g - G_1\rVert_\infty < 10^{-10}$ in 60–77
steps (tests). Far from the Gaussian ($e^{-r^2}(1 + r^2)$) the factor is 0.94 after 200 steps.

Discretisation: g(r) = h(r²), h a Chebyshev interpolant of degree M − 1 in s on $[0, r_{\max}^2]$
(g ≈ 0 beyond), θ by Gauss–Legendre; $\mathcal T(G_1) - G_1 = 1.3\cdot10^{-14}$ at M = 128,
r_max = 7.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.polynomial import chebyshev as cheb


@dataclass(frozen=True)
class Grid:
    """g(r) = h(r²) with h a Chebyshev interpolant in s = r² on [0, r_max²] (first-kind points;
    g ≈ 0 beyond); θ by Gauss–Legendre, and ∫dr by Gauss–Legendre in r."""

    r_max: float = 7.0
    points: int = 128
    angles: int = 64
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def s(self) -> np.ndarray:
        k = np.arange(self.points)
        return 0.5 * self.r_max**2 * (1.0 - np.cos(np.pi * (k + 0.5) / self.points))

    @property
    def r(self) -> np.ndarray:
        return np.sqrt(self.s)

    def matrix(self, s) -> np.ndarray:
        """Values at s (≤ r_max²) of the interpolant, as a matrix acting on nodal values."""
        x = 2.0 * np.asarray(s, dtype=float) / self.r_max**2 - 1.0
        key = ("inv",)
        if key not in self._cache:
            self._cache[key] = np.linalg.inv(cheb.chebvander(2.0 * self.s / self.r_max**2 - 1.0,
                                                            self.points - 1))
        V = cheb.chebvander(np.clip(x, -1.0, 1.0), self.points - 1)
        return V @ self._cache[key] * (x <= 1.0)[:, None]

    def _quadrature(self):
        if "quad" not in self._cache:
            t, w = np.polynomial.legendre.leggauss(4 * self.points)
            r = 0.5 * self.r_max * (t + 1.0)
            self._cache["quad"] = (r, 0.5 * self.r_max * w, self.matrix(r * r))
        return self._cache["quad"]

    def integral(self, g, weight=lambda r: 1.0) -> float:
        """$\\int_0^{r_{max}} w(r) g(r)\\,dr$."""
        r, w, E = self._quadrature()
        return float(np.sum(w * weight(r) * (E @ np.asarray(g, dtype=float))))

    def square_average(self):
        """The matrices of g ↦ g(r cos θ_q), g(r sin θ_q) at the nodes, and the θ weights."""
        if "avg" not in self._cache:
            t, w = np.polynomial.legendre.leggauss(self.angles)
            theta = (t + 1.0) * np.pi / 4
            c2 = (self.s[:, None] * np.cos(theta) ** 2).ravel()
            s2 = (self.s[:, None] * np.sin(theta) ** 2).ravel()
            self._cache["avg"] = (self.matrix(c2), self.matrix(s2), w * np.pi / 4)
        return self._cache["avg"]


def gaussian(grid: Grid, beta: float = 1.0) -> np.ndarray:
    """The mass-one Gaussian $G_\\beta = 2\\sqrt{\\beta/\\pi}e^{-\\beta r^2}$ at the nodes."""
    return 2.0 * np.sqrt(beta / np.pi) * np.exp(-beta * grid.s)


def radial_average_of_square(grid: Grid, g) -> np.ndarray:
    """$R(g\\otimes g)$ at the nodes."""
    Ec, Es, w = grid.square_average()
    g = np.asarray(g, dtype=float)
    prod = (Ec @ g * (Es @ g)).reshape(grid.points, grid.angles)
    return (2.0 / np.pi) * prod @ w


def homework_map(grid: Grid, g) -> np.ndarray:
    """$\\mathcal T(g) = R(g\\otimes g)/\\int R(g\\otimes g)$."""
    rg = radial_average_of_square(grid, g)
    return rg / grid.integral(rg)


def dilate(grid: Grid, g, lam: float) -> np.ndarray:
    """$g_\\lambda(r) = \\lambda g(\\lambda r)$ (mass preserved)."""
    return lam * (grid.matrix(lam * lam * grid.s) @ np.asarray(g, dtype=float))


def fix_scale(grid: Grid, g) -> np.ndarray:
    """$S(g)$: the dilation with $\\int r^2 g = 1/2$, mass one."""
    m2 = grid.integral(g, lambda r: r * r) / grid.integral(g)
    h = dilate(grid, g, np.sqrt(2.0 * m2))
    return h / grid.integral(h)


@dataclass
class Iteration:
    g: np.ndarray  # the last iterate (nodal values)
    errors: np.ndarray  # ‖g_k − G_1‖_∞ at the nodes, k = 0, 1, …
    contraction: float  # geometric mean of the error ratios over the last half of the iterations


def iterate(g0, grid: Grid | None = None, *, tol: float = 1e-11, max_iter: int = 200) -> Iteration:
    """Iterate $S\\circ\\mathcal T$ from ``g0`` (values at ``grid.r``) until $\\lVert g_k - G_1
    \\rVert_\\infty <$ ``tol``; return the errors and the measured contraction factor."""
    grid = grid or Grid()
    target = gaussian(grid)
    g = fix_scale(grid, np.asarray(g0, dtype=float))
    errors = [np.max(np.abs(g - target))]
    while errors[-1] >= tol and len(errors) <= max_iter:
        g = fix_scale(grid, homework_map(grid, g))
        errors.append(np.max(np.abs(g - target)))
    e = np.asarray(errors)
    tail = e[len(e) // 2:]
    rate = float(np.exp(np.mean(np.diff(np.log(tail))))) if len(tail) > 1 else float("nan")
    return Iteration(g, e, rate)


__all__ = ["Grid", "Iteration", "dilate", "fix_scale", "gaussian", "homework_map", "iterate"]
