r"""Chapman–Enskog collision integrals $\Omega^{(l,s)}$ and their reduced forms $\Omega^{(l,s)*}$.

Definitions (Hirschfelder–Curtiss–Bird 1954, eqs. 7.4-34 and 8.2-3/-4; one species, m = k_B = 1,
reduced mass 1/2):

$$\Omega^{(l,s)}(T) = \sqrt{\frac{\theta}{\pi}}\int_0^\infty e^{-\gamma^2}\gamma^{2s+3}\,
Q^{(l)}(g)\,d\gamma,\qquad \gamma^2 = \frac{g^2}{4\theta} = \frac{E}{\theta},$$

and, divided by the rigid-sphere value of diameter σ,

$$\Omega^{(l,s)*}(T^*) = \frac{1}{(s+1)!}\int_0^\infty e^{-x}x^{s+1}\,Q^{(l)*}(xT^*)\,dx,
\qquad T^* = k_BT/\varepsilon,\quad E^* = xT^*,$$

with $Q^{(l)*}$ the reduced transport cross-section of :mod:`bbgky.models.scattering`. Rigid
spheres give $\Omega^{(l,s)*} = 1$ for every (l, s).

**Quadrature.** Everything is a vectorised JAX computation: the x integral uses a fixed rule
(:func:`energy_rule`: tanh-sinh on [0, 1], which absorbs the $x^{-2/n}$ and $x^{-1/3}$ behaviour of
the cross-sections at E → 0, and Gauss–Laguerre on [1, ∞)); the impact-parameter integral runs
over the turning point (tanh-sinh on two segments, the orbiting branches of an attractive well);
the deflection integral over ψ (tanh-sinh, split at the orbiting barrier). One call evaluates
the triple integral at all temperatures at once, in chunks that bound memory.

:func:`omega_star_reference` is the straightforward SciPy path (nested ``quad`` in r, b and E,
with ``brentq`` for the turning points): the benchmark and the tests compare the two.
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import ConfigError
from .scattering import (
    ScatteringPotential,
    cross_section_nodes,
    float64,
    one_minus_cos_power,
    rigid_sphere_factor,
    scattering_potential,
    tanh_sinh,
)

#: Neufeld, Janzen & Aziz, J. Chem. Phys. 57, 1100 (1972): fit of Ω^(2,2)* for LJ 12-6,
#: 0.3 ≤ T* ≤ 100 (docs/references.md).
NEUFELD_22 = (1.16145, 0.14874, 0.52487, 0.77320, 2.16178, 2.43787)

#: default node counts: turning points per segment, ψ nodes per piece, energy nodes on [0, E_c/T*]
#: and beyond. Relative accuracy ≈ 1e-5 on Ω^(2,2)* of LJ for 0.3 ≤ T* ≤ 100 (measured against
#: doubled counts: ≤ 2e-6 over 0.5 ≤ T* ≤ 50; and against :func:`omega_star_reference`).
QUADRATURE = {"n_r": 48, "n_psi": 32, "n_low": 28, "n_high": 56}


def neufeld_omega22(T_star):
    """The Neufeld–Janzen–Aziz (1972) fit of Ω^(2,2)*(T*) for Lennard-Jones 12-6."""
    A, B, C, D, E, F = NEUFELD_22
    T = np.asarray(T_star, float)
    return A * T**-B + C * np.exp(-D * T) + E * np.exp(-F * T)


def energy_rule(split, n_low: int = QUADRATURE["n_low"], n_high: int = QUADRATURE["n_high"],
                width: float = 8.0):
    """Nodes x and weights w (shape split.shape + (n_low + n_high,)) with
    Σ w h(x) ≈ ∫_0^∞ e^{-x} h(x) dx.

    tanh-sinh on [0, split] and on [split, split + width] (endpoint singularities: x^{1/2},
    x^{-1/3} at 0, and the non-analytic point of Q(E) at the orbiting threshold E_c, which is put
    at ``split = E_c/T*``), Gauss–Laguerre on [split + width, ∞) where h is smooth. ``n_high``
    nodes are shared by the last two pieces (one third to the Laguerre tail). Works on NumPy and
    JAX arrays.
    """
    xp = jnp if isinstance(split, jax.Array) else np
    split = xp.asarray(split, dtype=float)[..., None]
    n_tail = max(n_high // 3, 4)
    left1, _, w1 = tanh_sinh(n_low, 3.0)
    left2, _, w2 = tanh_sinh(n_high - n_tail, 3.0)
    y, wy = np.polynomial.laguerre.laggauss(n_tail)
    x1 = split * left1
    x2 = split + width * left2
    x3 = split + width + y
    x = xp.concatenate([x1, x2, x3], axis=-1)
    wt = xp.concatenate([split * w1 * xp.exp(-x1), width * w2 * xp.exp(-x2),
                         xp.exp(-split - width) * wy + 0 * split], axis=-1)
    return x, wt


def energy_split(pot: ScatteringPotential, T_star):
    """Split point of :func:`energy_rule`: E_c/T* (orbiting threshold) ; 1
    when the potential has no orbiting."""
    if not pot.orbits:
        return 1.0 + 0.0 * T_star
    return (pot.orbiting_energy / pot.epsilon) / T_star


def _check_temperatures(T) -> np.ndarray:
    T = np.atleast_1d(np.asarray(T, float))
    bad = [float(t) for t in T if not (np.isfinite(t) and t > 0)]
    if bad or T.size == 0:
        raise ConfigError([("temperature", f"temperatures must be finite and > 0 (got {bad or 'none'})")])
    return T


@lru_cache(maxsize=32)
def _angular_kernel(pot: ScatteringPotential, ls: tuple[int, ...], legendre: tuple[int, ...],
                    n_r: int, n_psi: int, n_low: int, n_high: int):
    """jit: T* chunk (n,) -> cross-sections at the energy nodes, shape (n, n_x, len(ls)+len(legendre)).

    ``ls``: Q^(l) = ∫(1 − cos^l χ) 2πb db (absolute, σ and ε of the potential);
    ``legendre``: S_l = ∫(1 − P_l(cos χ)) 2πb db.
    """
    @jax.jit
    def f(T):
        x, _ = energy_rule(energy_split(pot, T), n_low, n_high)
        E = T[:, None] * x * pot.epsilon
        chi, w = cross_section_nodes(pot, E, n_r=n_r, n_psi=n_psi)
        out = [jnp.sum(w * one_minus_cos_power(chi, l), axis=-1) for l in ls]
        if legendre:
            c = jnp.cos(chi)
            omc = 2.0 * jnp.sin(0.5 * chi) ** 2  # 1 − cos χ, exact at small χ
            # 1 − P_l(c) by the recurrence on q_l = 1 − P_l: q_{l+1} = ((2l+1)(c q_l + omc) − l q_{l−1})/(l+1)
            q_prev, q = jnp.zeros_like(c), omc
            qs = {1: q}
            for l in range(1, max(legendre)):
                q_prev, q = q, ((2 * l + 1) * (c * q + omc) - l * q_prev) / (l + 1)
                qs[l + 1] = q
            out += [jnp.sum(w * qs[l], axis=-1) for l in legendre]
        return jnp.stack(out, axis=-1)

    return f


@float64
def cross_sections_at_nodes(pot: ScatteringPotential, T_star, *, ls=(), legendre=(),
                            n_r: int = QUADRATURE["n_r"], n_psi: int = QUADRATURE["n_psi"],
                            n_low: int = QUADRATURE["n_low"], n_high: int = QUADRATURE["n_high"],
                            chunk: int = 8):
    """Cross-sections at the energy-rule nodes E* = x T* for each T*: array (nT, n_x, n_funcs)."""
    T = np.atleast_1d(np.asarray(T_star, float))
    f = _angular_kernel(pot, tuple(ls), tuple(legendre), n_r, n_psi, n_low, n_high)
    parts = []
    for k in range(0, T.size, chunk):
        block = T[k:k + chunk]
        pad = chunk - block.size  # one compiled shape for every chunk
        res = f(jnp.asarray(np.pad(block, (0, pad), constant_values=block[-1])))
        parts.append(np.asarray(res)[: block.size])
    return np.concatenate(parts, axis=0)


@float64
def omega_star(potential: str | ScatteringPotential, T_star, pairs=((2, 2),), *,
               n_r: int = QUADRATURE["n_r"], n_psi: int = QUADRATURE["n_psi"],
               n_low: int = QUADRATURE["n_low"], n_high: int = QUADRATURE["n_high"], chunk: int = 8,
               **params) -> np.ndarray:
    """Reduced collision integrals Ω^(l,s)*(T*) for each (l, s) in ``pairs``: array (nT, n_pairs).

    ``potential`` is a registry name (with its parameters, e.g. ``exponent`` for ipl) or a prepared
    :class:`~bbgky.models.scattering.ScatteringPotential`. Temperatures are reduced, T* = k_BT/ε.
    """
    pot = potential if isinstance(potential, ScatteringPotential) else scattering_potential(potential,
                                                                                              **params)
    T = _check_temperatures(T_star)
    ls = tuple(sorted({l for l, _ in pairs}))
    Q = cross_sections_at_nodes(pot, T, ls=ls, n_r=n_r, n_psi=n_psi, n_low=n_low, n_high=n_high,
                                chunk=chunk)
    x, w = energy_rule(energy_split(pot, T), n_low, n_high)
    out = np.empty((T.size, len(pairs)))
    for k, (l, s) in enumerate(pairs):
        Qs = Q[..., ls.index(l)] / (math.pi * pot.sigma**2 * rigid_sphere_factor(l))
        out[:, k] = (Qs * w * x ** (s + 1)).sum(axis=1) / math.factorial(s + 1)
    return out


# ---------------------------------------------------------------------------------------------
# The straightforward SciPy path (reference and benchmark)
# ---------------------------------------------------------------------------------------------
def omega_star_reference(potential: str, T_star: float, l: int = 2, s: int = 2, *, epsrel: float = 1e-7,
                         **params) -> float:
    """Ω^(l,s)*(T*) by nested ``scipy.integrate.quad`` (deflection in r, cross-section in b,
    average in E), turning points by ``brentq``. Slow; for tests and the benchmark.

    Same integrals as :func:`omega_star`: χ through y = r_m/r with the algebraic weight
    (1 − y)^{−1/2} at the turning point; the b integral split at the orbiting impact parameter; the
    E integral split at the orbiting energy E_c.
    """
    import sympy as sp
    from scipy.integrate import quad
    from scipy.optimize import brentq

    from .potentials import r as rsym

    pot = scattering_potential(potential, **params)
    from .scattering import _expression

    expr, cutoff = _expression(potential, pot.sigma, pot.epsilon, dict(pot.params))
    u_raw = sp.lambdify(rsym, expr, "math")
    du_raw = sp.lambdify(rsym, sp.diff(expr, rsym), "math")

    def U(x):
        return u_raw(x) if x < cutoff else 0.0

    def dU(x):
        return du_raw(x) if x < cutoff else 0.0

    T = float(T_star) * pot.epsilon
    Ec = pot.orbiting_energy

    def structure(E):
        lo = pot.r_lo
        hi = pot.sigma
        while U(hi) > E:
            hi *= 2
        r0 = brentq(lambda x: U(x) - E, lo, hi, xtol=1e-15, rtol=1e-15)
        if E >= Ec:
            return r0, None

        def Phi(x):
            return U(x) + 0.5 * x * dU(x)

        rb = brentq(lambda x: Phi(x) - E, pot.r_phi, pot.r_hi, xtol=1e-15, rtol=1e-15)
        return r0, rb

    def chi(b, E, r0, rb):
        def B(x):
            return x * x * (1 - U(x) / E)

        if b == 0:
            return math.pi
        if cutoff < math.inf and b >= cutoff:
            return 0.0
        split = None
        if rb is None or b * b > B(rb):
            lo = r0 if rb is None else rb
            hi = max(2 * b, 2 * lo)
            while B(hi) < b * b:
                hi *= 2
            rm = brentq(lambda x: B(x) - b * b, lo, hi, xtol=1e-15, rtol=1e-15)
        else:
            ra = brentq(lambda x: U(x) + 0.5 * x * dU(x) - E, pot.r_well, pot.r_phi, xtol=1e-15)
            rm = brentq(lambda x: B(x) - b * b, r0, ra, xtol=1e-15, rtol=1e-15)
            split = rm / rb
        if cutoff < math.inf and rm < cutoff:
            split = rm / cutoff
        beta = b / rm

        def g(y):  # sqrt((1 − y)/G(y)); the (1 − y)^{-1/2} is the quad weight
            if y <= 0:
                return 1.0
            G = 1 - beta * beta * y * y - U(rm / y) / E
            return math.sqrt((1 - y) / G) if G > 0 else 0.0

        opts = dict(epsabs=1e-3 * epsrel, epsrel=1e-3 * epsrel, limit=200)
        if split is None:
            I = quad(g, 0, 1, weight="alg", wvar=(0, -0.5), **opts)[0]
        else:
            I = quad(lambda y: g(y) / math.sqrt(1 - y), 0, split, **opts)[0] \
                + quad(g, split, 1, weight="alg", wvar=(0, -0.5), **opts)[0]
        return math.pi - 2 * beta * I

    def Q(E):
        r0, rb = structure(E)

        def f(b):
            c = math.cos(chi(b, E, r0, rb))
            return (1 - c**l) * b

        opts = dict(epsabs=0.0, epsrel=epsrel * 0.1, limit=400)
        if rb is None:
            edges = [0.0, cutoff] if cutoff < math.inf else [0.0, math.inf]
        else:
            edges = [0.0, math.sqrt(rb * rb * (1 - U(rb) / E)), math.inf]
        return sum(quad(f, a, b, **opts)[0] for a, b in itertools.pairwise(edges)) \
            * 2 * math.pi

    norm = math.pi * pot.sigma**2 * rigid_sphere_factor(l) * math.factorial(s + 1)

    def h(x):
        return math.exp(-x) * x ** (s + 1) * Q(x * T)

    xc = Ec / T if Ec > 0 else 1.0
    val = quad(h, 0, xc, epsrel=epsrel, limit=200)[0] + quad(h, xc, math.inf, epsrel=epsrel, limit=200)[0]
    return val / norm


__all__ = ["QUADRATURE", "cross_sections_at_nodes", "energy_rule", "energy_split", "neufeld_omega22",
           "omega_star", "omega_star_reference"]
