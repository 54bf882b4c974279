r"""Chapman–Enskog shear viscosity and thermal conductivity to any Sonine order, from the
cross-sections of a pair potential (:mod:`bbgky.models.scattering`) or of a collision kernel
(duck-typed: ``gamma``, ``b(cos θ)``, ``angular``, ``parameters``). The public entry points by name
are in :mod:`bbgky.models.transport`; this module imports no kernel, so that the ``from_potential``
kernel of :mod:`bbgky.models.kernels` can take its viscosity from here.

**Units.** m = k_B = 1. For a *potential* the temperature is the reduced $T^* = k_BT/\varepsilon$
and viscosity and conductivity are in reduced units m = k_B = σ = ε = 1 (μ in $\sqrt{m\varepsilon}/
\sigma^2$, λ in $k_B\sqrt{\varepsilon/m}/\sigma^2$). For a *kernel* (``hard_sphere``, ``maxwell``,
``vhs`` of :mod:`bbgky.models.kernels`) the temperature is θ = k_BT/m and the results are in the
units of the kernel's own parameters (σ = 1 by default).

**Dilute-gas formulas** (Chapman–Cowling 1970, ch. 9–10; Hirschfelder–Curtiss–Bird 1954, §7.3,
§8.2). First Sonine approximation:

$$\mu_1 = \frac{5}{8}\,\frac{\theta}{\Omega^{(2,2)}} = \frac{5}{16}\,
\frac{\sqrt{\pi m k_BT}}{\pi\sigma^2\,\Omega^{(2,2)*}(T^*)},\qquad
\lambda_1 = \frac{15}{4}\,\frac{k_B}{m}\,\mu_1 ,$$

($\mu_1 = \tfrac{5}{16}\sqrt{\theta/\pi}/\sigma^2$ for hard spheres). The N-th approximation
multiplies these by $f_\mu^{(N)} = A_{00}\,(A^{-1})_{00}$ and $f_\lambda^{(N)} = C_{11}\,(C^{-1})_{11}$,
where A and C are the bracket integrals (Chapman–Cowling §4.4, §7.5)

$$A_{pq} = [S^{(p)}_{5/2}(c^2)\,\mathring{cc},\ S^{(q)}_{5/2}(c^2)\,\mathring{cc}],\ 0 \le p,q < N;
\qquad C_{pq} = [S^{(p)}_{3/2}(c^2)\,c,\ S^{(q)}_{3/2}(c^2)\,c],\ 1 \le p, q \le N,$$

— the Galerkin (Sonine) discretisation of the linearised collision operator on the
viscosity and heat-flux subspaces (James–Qi–Wang's eq. 70 solves the same problem,
$\mathcal L(a\,A(W)) = A(W)$, whose first Sonine truncation is μ₁). The brackets are computed
exactly for any cross-section: with the centre-of-mass velocity G and the relative velocity
$\sqrt2\gamma\,n$ (γ² = E/k_BT), the integrand $\Delta\Psi_p : \Delta\Psi_q$ is averaged over G by a
Gauss–Hermite rule (exact: it is a polynomial), then expanded in Legendre polynomials of the
deflection cosine (exact: Gauss–Legendre projection), $W_{pq}(\gamma, \cos\chi) =
\sum_l a^{pq}_l(\gamma^2) P_l(\cos\chi)$, so that

$$A_{pq} \propto \int_0^\infty e^{-x}\,x\,\Big[-\sum_{l\ge1} a^{pq}_l(x)\,S_l(x\,k_BT)\Big]\,dx,\qquad
S_l(E) = 2\pi\int_0^\infty \big(1 - P_l(\cos\chi)\big)\,b\,db,$$

(the $a_l$ are polynomials in x, stored in a Laguerre basis). $S_l$ comes from classical
scattering for a potential (:mod:`bbgky.models.scattering`) and from
$S_l(g) = (2\pi/g)\int_{-1}^1 (1 - P_l(x))\,B(g, x)\,dx$ for a kernel. Brackets of the lowest
orders reduce to the textbook Ω^(l,s) combinations (e.g. $A_{00} \propto \Omega^{(2,2)}$; tested).
Checks: hard spheres converge to the factors 1.016034 (μ) and 1.025218 (λ); Maxwell molecules give
$f = 1$ at every order and $\mu = p/\nu = 4\theta/(3\Lambda)$.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.polynomial import laguerre as _lag
from numpy.polynomial import legendre as _leg
from scipy.special import eval_genlaguerre, roots_genlaguerre

from ..errors import ConfigError
from .collision_integrals import (
    QUADRATURE,
    cross_sections_at_nodes,
    energy_rule,
    energy_split,
)
from .scattering import ScatteringPotential, float64, scattering_potential


# ---------------------------------------------------------------------------------------------
# Bracket integrands: exact Legendre coefficients a_l(x) of the centre-of-mass averaged product
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=16)
def bracket_coefficients(kind: str, order: int) -> tuple[np.ndarray, int]:
    """Laguerre-series coefficients of $-a_l^{pq}(x)$, shape (K, N, N, L + 1), and L.

    ``kind`` is ``"viscosity"`` (basis $S^{(p)}_{5/2}(c^2)\\mathring{cc}$, p = 0..N−1) or
    ``"conductivity"`` ($S^{(p)}_{3/2}(c^2)c$, p = 1..N). Only the χ-dependent (mixed pre/post
    collision) part of $\\Delta\\Psi_p:\\Delta\\Psi_q$ matters for l ≥ 1, so only it is computed;
    the l = 0 column is left zero.
    """
    N = order
    ps = np.arange(N) if kind == "viscosity" else np.arange(1, N + 1)
    m = 2.5 if kind == "viscosity" else 1.5
    pmax = int(ps.max())
    deg_g = 2 * pmax + (2 if kind == "viscosity" else 1)  # degree of Ψ_p in velocity
    n_herm = deg_g + 2  # exact for G-degree ≤ 2 deg_g
    L = pmax + 3  # Legendre degree in cos χ of the mixed terms ≤ max p + 2
    n_leg = L + 3
    D = deg_g  # degree in x = γ² of the product
    n_lag = D + 2

    t, wt = np.polynomial.hermite.hermgauss(n_herm)
    Gx, Gy, Gz = np.meshgrid(t / math.sqrt(2), t / math.sqrt(2), t / math.sqrt(2), indexing="ij")
    wG = (wt[:, None, None] * wt[None, :, None] * wt[None, None, :]).ravel() / math.pi**1.5
    G = np.stack([Gx.ravel(), Gy.ravel(), Gz.ravel()], axis=-1)  # (nG, 3)
    cos_chi, w_leg = _leg.leggauss(n_leg)
    sin_chi = np.sqrt(1 - cos_chi**2)
    x_lag, w_lag = _lag.laggauss(n_lag)

    def basis(a2):  # (…,) -> (…, N): Sonine polynomials S_m^(p)(a²)
        return np.stack([eval_genlaguerre(int(p), m, a2) for p in ps], axis=-1)

    # a_l(x_i) at the Laguerre nodes
    a = np.zeros((n_lag, N, N, L + 1))
    Pl = np.stack([_leg.legval(cos_chi, np.eye(L + 1)[l]) for l in range(L + 1)], axis=0)  # (L+1, nc)
    for i, xi in enumerate(x_lag):
        k = math.sqrt(xi / 2.0)  # |c − G| = γ/√2
        n = np.array([0.0, 0.0, 1.0])
        npr = np.stack([sin_chi, np.zeros_like(cos_chi), cos_chi], axis=-1)  # (nc, 3)
        c_ = G - k * n  # (nG, 3)
        c1 = G + k * n
        cp = G[None, :, :] - k * npr[:, None, :]  # (nc, nG, 3)
        W = np.zeros((cos_chi.size, N, N))
        Sp = basis(np.sum(cp * cp, -1))  # (nc, nG, N)
        for b in (c_, c1):
            Sb = basis(np.sum(b * b, -1))  # (nG, N)
            dot = np.einsum("cgi,gi->cg", cp, b)
            if kind == "viscosity":
                K = dot**2 - np.sum(cp * cp, -1) * np.sum(b * b, -1)[None, :] / 3.0
            else:
                K = dot
            M = np.matmul(np.swapaxes(Sp * (K * wG)[..., None], 1, 2), Sb)  # (nc, N, N)
            W += M + np.transpose(M, (0, 2, 1))
        W *= -2.0  # mixed terms enter ΔΨ:ΔΨ with the sign −, twice by the G → −G symmetry
        # Legendre projection in cos χ
        a[i] = np.einsum("lc,c,cpq->pql", Pl, w_leg, W) * ((2 * np.arange(L + 1) + 1) / 2.0)
    a[..., 0] = 0.0
    # Laguerre coefficients of −a_l(x) (exact: polynomial of degree ≤ D < n_lag)
    Lk = np.stack([_lag.lagval(x_lag, np.eye(n_lag)[k]) for k in range(D + 1)], axis=0)  # (K, n_lag)
    coeffs = -np.einsum("ki,i,ipql->kpql", Lk, w_lag, a)
    return coeffs, L


def _eval_coefficients(coeffs: np.ndarray, x: np.ndarray) -> np.ndarray:
    """−a_l^{pq}(x) at x (any shape): shape x.shape + (N, N, L + 1)."""
    return np.einsum("k...,kpql->...pql", _laguerre_table(x, coeffs.shape[0]), coeffs)


def _laguerre_table(x: np.ndarray, K: int) -> np.ndarray:
    """L_k(x) for k < K by the three-term recurrence: shape (K,) + x.shape."""
    x = np.asarray(x, float)
    out = np.empty((K, *x.shape))
    out[0] = 1.0
    if K > 1:
        out[1] = 1.0 - x
    for k in range(1, K - 1):
        out[k + 1] = ((2 * k + 1 - x) * out[k] - k * out[k - 1]) / (k + 1)
    return out


def brackets(kind: str, order: int, x: np.ndarray, w: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Bracket matrices (…, N, N) from the energy rule (x, w) (shape (…, n_x)) and the Legendre
    cross-sections S_l at its nodes (shape (…, n_x, L)), l = 1..L (any common normalisation)."""
    coeffs, L = bracket_coefficients(kind, order)
    a = _eval_coefficients(coeffs, x)[..., 1:]  # (…, n_x, N, N, L)
    return np.einsum("...j,...jpql,...jl->...pq", w * x, a, S[..., :L])


def sonine_factors(A: np.ndarray) -> np.ndarray:
    """f^(N) = A_ff (A^{-1})_ff for each leading sub-block size N = 1..order: shape (…, order)."""
    order = A.shape[-1]
    out = []
    for n in range(1, order + 1):
        sub = A[..., :n, :n]
        e = np.zeros(n)
        e[0] = 1.0
        sol = np.linalg.solve(sub, np.broadcast_to(e, sub.shape[:-1])[..., None])[..., 0]
        out.append(sub[..., 0, 0] * sol[..., 0])
    return np.stack(out, axis=-1)


#: Default Sonine order N: converged to ≤ 6e-7 relative (against N = 12) for the slowest registered
#: law, hard spheres (f_μ: 1.5e-7, f_λ: 5.9e-7; softer laws converge faster: vhs ω = 0.75 ≤ 2e-8,
#: Maxwell exact at N = 1), at ~2.5 s for the brackets; order 3 (the old default) was 1.5e-4 low in μ.
DEFAULT_SONINE_ORDER = 8


def _last_and_change(factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f^(N) and the truncation estimate δ = |f^(N) − f^(N−1)| / f^(N) (0 for N = 1) from the
    factors of every order 1..N (:func:`sonine_factors` gives them all at once)."""
    last = factors[..., -1]
    prev = factors[..., -2] if factors.shape[-1] > 1 else last
    return last, np.abs(last - prev) / np.abs(last)


# ---------------------------------------------------------------------------------------------
# Transport coefficients
# ---------------------------------------------------------------------------------------------
def _rule_kernel(kernel, n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    r"""Energy rule for a power-law kernel $B = |g|^\gamma b$: generalized Gauss–Laguerre with
    α = (γ + 1)/2, returned as (x, w) with Σ w h(x) ≈ ∫ e^{-x} h(x) dx. Every integrand of a
    power-law kernel is then e^{-x} x^α × polynomial: the rule is exact."""
    alpha = 0.5 * (kernel.gamma + 1.0)
    x, w = roots_genlaguerre(n, alpha)
    return x, w / x**alpha


def kernel_cross_sections(kernel, g: np.ndarray, lmax: int) -> np.ndarray:
    """S_l(g) = (2π/g) ∫ (1 − P_l(x)) B(g, x) dx for l = 1..lmax: shape g.shape + (lmax,)."""
    xs, ws = _leg.leggauss(max(64, lmax + len(kernel.angular) + 2))
    b = kernel.b(xs)
    s = np.array([2 * math.pi * np.sum(ws * b * (1 - _leg.legval(xs, np.eye(l + 1)[l])))
                  for l in range(1, lmax + 1)])
    g = np.asarray(g, float)
    return (np.abs(g) ** (kernel.gamma - 1.0))[..., None] * s


def transport_kernel(kernel, theta: np.ndarray, order: int):
    """(μ, λ, Ω^(2,2)*, f_μ, f_λ, δ_μ, δ_λ) of a kernel at temperatures θ (reduced by σ = kernel σ or 1)."""
    x, w = _rule_kernel(kernel)
    x, w = np.broadcast_to(x, (theta.size, x.size)), np.broadcast_to(w, (theta.size, w.size))
    L = max(bracket_coefficients("viscosity", order)[1], bracket_coefficients("conductivity", order)[1])
    g = 2.0 * np.sqrt(x * theta[:, None])  # E = g²/4 = x θ
    S = kernel_cross_sections(kernel, g, L)
    # Ω^(2,2) = sqrt(θ/π) ∫ e^{-γ²} γ^7 Q^(2) dγ = (1/2) sqrt(θ/π) Σ w x³ Q^(2)(x), Q^(2) = (2/3) S_2
    omega22 = 0.5 * np.sqrt(theta / math.pi) * np.sum(w * x**3 * (2.0 / 3.0) * S[..., 1], axis=-1)
    sigma = kernel.parameters.get("sigma", 1.0)
    omega22_star = omega22 / (2 * math.pi * sigma**2 * np.sqrt(theta / math.pi))
    fm, dfm = _last_and_change(sonine_factors(brackets("viscosity", order, x, w, S)))
    fl, dfl = _last_and_change(sonine_factors(brackets("conductivity", order, x, w, S)))
    mu1 = 5.0 * theta / (8.0 * omega22)
    return mu1 * fm, 3.75 * mu1 * fl, omega22_star, fm, fl, dfm, dfl


@float64
def transport_potential(pot: ScatteringPotential, T: np.ndarray, order: int, **quad):
    """(μ, λ, Ω^(2,2)*, f_μ, f_λ, δ_μ, δ_λ) of a potential at reduced temperatures T* (reduced units)."""
    L = max(bracket_coefficients("viscosity", order)[1], bracket_coefficients("conductivity", order)[1])
    # at least the Legendre orders of the default Sonine order (brackets use the first L): every
    # order up to it then runs one compiled quadrature program
    L = max(L, DEFAULT_SONINE_ORDER + 3)
    quad = {**QUADRATURE, **quad}
    n_low, n_high = quad.pop("n_low"), quad.pop("n_high")
    S = cross_sections_at_nodes(pot, T, ls=(2,), legendre=tuple(range(1, L + 1)), n_low=n_low,
                                n_high=n_high, **quad)
    x, w = energy_rule(energy_split(pot, T), n_low, n_high)
    Q2 = S[..., 0] / (math.pi * pot.sigma**2 * (2.0 / 3.0))
    omega22_star = np.sum(w * x**3 * Q2, axis=-1) / 6.0
    Sl = S[..., 1:]
    fm, dfm = _last_and_change(sonine_factors(brackets("viscosity", order, x, w, Sl)))
    fl, dfl = _last_and_change(sonine_factors(brackets("conductivity", order, x, w, Sl)))
    mu1 = 5.0 / 16.0 * np.sqrt(math.pi * T) / (math.pi * omega22_star)  # reduced units
    return mu1 * fm, 3.75 * mu1 * fl, omega22_star, fm, fl, dfm, dfl


class TabulatedViscosity:
    """μ(θ) of a potential: CE viscosity on a log grid of T* anchored at T* = 10^(k/32), cubic
    spline in (log T*, log μ*). The grid grows on demand by half a decade at a time; node values
    are computed once and kept, so a grown table agrees with the old one away from its ends."""

    per_decade = 32
    margin = 16

    def __init__(self, potential: str, order: int, sigma: float = 1.0, epsilon: float = 1.0,
                 params: dict | None = None):
        self.pot = scattering_potential(potential, **(params or {}))
        self.order, self.sigma, self.epsilon = order, float(sigma), float(epsilon)
        self.values: dict[int, float] = {}
        self.k_lo = self.k_hi = None
        self.spline = None

    def _build(self, k_lo: int, k_hi: int) -> None:
        from scipy.interpolate import CubicSpline

        ks = np.arange(k_lo, k_hi + 1)
        missing = [int(k) for k in ks if int(k) not in self.values]
        if missing:
            T = 10.0 ** (np.asarray(missing) / self.per_decade)
            self.values.update(zip(missing, transport_potential(self.pot, T, self.order)[0].tolist(),
                                   strict=True))
        self.k_lo, self.k_hi = k_lo, k_hi
        self.spline = CubicSpline(ks / self.per_decade * math.log(10.0),
                                  np.log([self.values[int(k)] for k in ks]))

    def reduced(self, T_star):
        """μ* at reduced temperatures T* (reduced units)."""
        T = np.asarray(T_star, float)
        tmin, tmax = float(np.min(T)), float(np.max(T))
        if not (tmin > 0 and np.isfinite(tmax)):
            raise ConfigError([("temperature", f"must be finite and > 0 (got {tmin}, {tmax})")])
        lo = math.floor(self.per_decade * math.log10(tmin))
        hi = math.ceil(self.per_decade * math.log10(tmax))
        if self.spline is None or lo - 2 < self.k_lo or hi + 2 > self.k_hi:
            self._build(min(lo, self.k_lo if self.k_lo is not None else lo) - self.margin,
                        max(hi, self.k_hi if self.k_hi is not None else hi) + self.margin)
        return np.exp(self.spline(np.log(T)))

    def __call__(self, theta):
        # μ = sqrt(m ε)/σ² μ*(θ/ε)
        return math.sqrt(self.epsilon) / self.sigma**2 * self.reduced(np.asarray(theta, float) / self.epsilon)

__all__ = ["DEFAULT_SONINE_ORDER", "TabulatedViscosity", "bracket_coefficients", "brackets",
           "kernel_cross_sections", "sonine_factors", "transport_kernel", "transport_potential"]
