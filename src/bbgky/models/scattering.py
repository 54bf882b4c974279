r"""Classical two-body scattering of a registry pair potential: deflection angle and cross-sections.

Two particles of mass m = 1 (reduced mass 1/2) with relative speed g collide at impact parameter
b; the centre-of-mass energy is $E = \tfrac12\,\tfrac m2\,g^2 = g^2/4$. The deflection angle is
(Hirschfelder–Curtiss–Bird 1954, eq. 1.5-5; Chapman–Cowling §3.5)

$$\chi(b, E) = \pi - 2b\int_{r_m}^\infty \frac{dr}{r^2\sqrt{F(r)}},\qquad
F(r) = 1 - \frac{b^2}{r^2} - \frac{U(r)}{E},$$

with the distance of closest approach $r_m$ the **largest** root of $F$. Writing
$B(r) = r^2(1 - U(r)/E)$, $F = (B(r) - b^2)/r^2$: $r_m$ is the largest root of $B(r) = b^2$.

**Parametrisation by the turning point.** Instead of root-finding $r_m$ for every b, the
quadrature runs over $r_m$ itself, with $b^2 = B(r_m)$ and $2\pi b\,db = \pi B'(r_m)\,dr_m$. A value
$r_m$ is a physical turning point iff $B(r) > B(r_m)$ for all $r > r_m$.

* No orbiting (purely repulsive potentials, or $E \ge E_c$): B increases from $r_0$ ($U(r_0) = E$,
  the head-on turning point) to ∞, and every $r_m \in [r_0, \infty)$ is allowed.
* **Orbiting** ($E < E_c$, attractive well): $B'(r) = (2r/E)(E - \Phi(r))$ with
  $\Phi = U + rU'/2$, so B has a local maximum at $r_a$ and a local minimum at $r_b$ where
  $\Phi = E$; $E_c = \max\Phi$ (0.8 ε for Lennard-Jones 12-6, at $r = 5^{1/6}\sigma$). The allowed
  turning points are the inner branch $[r_0, r_c)$ with $B(r_c) = B(r_b)$ and the outer branch
  $[r_b, \infty)$. At the orbiting impact parameter $b_o^2 = B(r_b)$ the deflection diverges
  logarithmically from both sides ($F$ has a double zero at $r_b$); the $r_m$ parametrisation
  keeps the integrand bounded: on the outer branch $B'(r_m)\to 0$ at $r_b$, and on the inner
  branch the oscillating region has measure O(δ) within δ of $r_c$. Both ends of both branches
  are integrated with the double-exponential (tanh-sinh) rule, which clusters nodes
  doubly-exponentially at the singular ends.

**Deflection integral.** With $y = r_m/r = \cos\psi$:

$$\chi = \pi - 2\beta\int_0^{\pi/2}\frac{d\psi}{\sqrt{H(\cos\psi)}},\qquad
\beta = \frac{b}{r_m} = \sqrt{1 - U(r_m)/E},\qquad
H(y) = 1 - \frac{U(r_m/y) - y^2U(r_m)}{E\,(1-y^2)},$$

which removes the inverse-square-root singularity at the turning point ($H(1) = (E -
\Phi(r_m))/E$, which vanishes only at orbiting). The difference $U(r_m/y) - U(r_m)$ is evaluated by
its Taylor series (derivatives of the symbolic expression) when $r/r_m - 1 < 10^{-3}$, so that no
precision is lost next to the turning point. The ψ interval is split at $\psi_s = \arccos(r_m/r_s)$
when $r_m < r_s$: $r_s = r_b$ (the orbiting barrier, a near-double zero of F on the inner branch),
$r_s = \arg\max\Phi$ for $E \ge E_c$ (the near-orbiting shoulder) and $r_s = r_c$ for a
potential with a finite range (WCA, whose second derivative jumps there). χ is accumulated as
$\pi(1-\beta) - 2\beta\int (H^{-1/2} - 1)\,d\psi$ so that small deflections keep full relative
precision.

**Cross-sections.** The transport cross-sections (HCB eq. 8.2-3; Chapman–Cowling §9.3)

$$Q^{(l)}(E) = 2\pi\int_0^\infty (1 - \cos^l\chi)\,b\,db,$$

and any $\int f(\chi)\,2\pi b\,db$ with $f(0) = 0$, come from :func:`cross_section_nodes`, which
returns χ and weights on the $r_m$ nodes. The reduced form divides by the rigid-sphere value
$\pi\sigma^2[1 - (1 + (-1)^l)/(2(1 + l))]$.

The potential is the *untruncated* registry expression (no cut-off, no shift) — a cut-off would
change the cross-section at low energy — except for WCA, whose finite range is part of its
definition. Everything is JAX, vectorised over energies, in float64.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache

import jax
import jax.numpy as jnp
import numpy as np
import sympy as sp

from ..errors import ConfigError
from .potentials import REGISTRY, r

#: |r/r_m − 1| below which U(r) − U(r_m) is taken from its Taylor series.
_TAYLOR_DELTA = 1e-3


def float64(fn):
    """Run ``fn`` with JAX in float64 whatever the global setting (the turning-point series and
    the orbiting branches need it; float32 gives NaN near the turning point)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with jax.enable_x64(True):
            return fn(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------
# Quadrature rules
# ---------------------------------------------------------------------------------------------
@cache
def tanh_sinh(n: int, t_max: float = 3.2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Double-exponential rule on [0, 1] with n nodes: (distance from 0, distance from 1, weight).

    Nodes ``x = 1/(1 + exp(-π sinh t))`` at equally spaced t in [−t_max, t_max]; both distances are
    returned exactly (no ``1 − x`` cancellation), so integrands can use them near the ends.
    """
    t = np.linspace(-t_max, t_max, n)
    h = t[1] - t[0]
    u = math.pi * np.sinh(t)
    left = 1.0 / (1.0 + np.exp(-u))
    right = 1.0 / (1.0 + np.exp(u))
    w = h * 0.5 * math.pi * np.cosh(t) / (2.0 * np.cosh(0.5 * u) ** 2)
    return left, right, w


# ---------------------------------------------------------------------------------------------
# The potential, as scattering needs it
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ScatteringPotential:
    """A pair potential prepared for scattering (σ = ε = 1 units of its own parameters).

    ``derivs(x)`` returns ``(U, U', U'', U''', U'''')``; ``energy(x)`` returns U. ``cutoff`` is
    finite only for potentials whose definition has a finite range (WCA). ``orbiting_energy`` is
    E_c = max Φ over the attractive region (0 when the force is never attractive) and ``r_phi`` the
    radius where Φ peaks; ``r_well`` the minimum of U (bracket for the orbiting radii).
    """

    name: str
    sigma: float
    epsilon: float
    params: tuple[tuple[str, float], ...]
    energy: object
    derivs: object
    cutoff: float
    orbiting_energy: float
    r_phi: float
    r_well: float
    r_lo: float
    r_hi: float

    @property
    def orbits(self) -> bool:
        return self.orbiting_energy > 0.0


def _expression(name: str, sigma: float, epsilon: float, extra: dict) -> tuple[sp.Expr, float]:
    spec = REGISTRY[name]
    params = {k: float(extra.get(k, v)) for k, v in spec.extra.items()}
    U = spec.expression(sp.Float(sigma), sp.Float(epsilon), **params)
    cutoff = spec.default_cutoff(sigma, epsilon, **params) if spec.cutoff_mode == "none" else math.inf
    return U, cutoff


def check_potential(name: str, **params) -> list[tuple[str, str]]:
    """Problems with using ``name`` for scattering (empty list when it is fine)."""
    if name not in REGISTRY:
        return [("potential", f"unknown potential {name!r}; scattering potentials: "
                 f"{', '.join(sorted(k for k, s in REGISTRY.items() if s.repulsive_core))}")]
    spec = REGISTRY[name]
    if not spec.repulsive_core:
        return [("potential", f"{name!r} has no repulsive core (U stays bounded as r → 0), so "
                 "head-on collisions pass through and the Chapman–Enskog integrals of a dilute gas "
                 "do not describe it; use a potential with a repulsive core (lj, wca, ipl, yukawa)")]
    problems = []
    unknown = set(params) - set(spec.extra) - {"sigma", "epsilon"}
    if unknown:
        problems.append(("potential", f"{name!r} takes no parameter(s) {sorted(unknown)}; "
                         f"allowed: {[*sorted(spec.extra), 'epsilon', 'sigma']}"))
    for key in ("sigma", "epsilon", "screening_length"):
        if key in params and not float(params[key]) > 0:
            problems.append((key, f"must be > 0 (got {params[key]!r})"))
    if name == "ipl" and "exponent" in params and not float(params["exponent"]) > 2:
        problems.append(("exponent", f"the inverse power law needs exponent > 2 for finite transport "
                         f"cross-sections (got {params['exponent']!r})"))
    return problems


@lru_cache(maxsize=64)
def _build(name: str, sigma: float, epsilon: float, params: tuple[tuple[str, float], ...]
           ) -> ScatteringPotential:
    U, cutoff = _expression(name, sigma, epsilon, dict(params))
    exprs = [U]
    for _ in range(4):
        exprs.append(sp.diff(exprs[-1], r))
    fns = [sp.lambdify(r, e, "jax") for e in exprs]
    np_fns = [sp.lambdify(r, e, "numpy") for e in exprs]

    if math.isfinite(cutoff):
        rc = cutoff

        def energy(x):
            return jnp.where(x < rc, fns[0](jnp.minimum(x, rc)), 0.0)

        def derivs(x):
            inside = x < rc
            xs = jnp.minimum(x, rc)
            return tuple(jnp.where(inside, f(xs) + 0.0 * x, 0.0) for f in fns)
    else:
        def energy(x):
            return fns[0](x)

        def derivs(x):
            return tuple(f(x) + 0.0 * x for f in fns)

    # the attractive hump of Φ = U + rU'/2 (orbiting), found once on a fine grid and refined
    grid = sigma * np.geomspace(0.05, 50.0, 20001)
    if math.isfinite(cutoff):
        grid = grid[grid < cutoff]
    with np.errstate(all="ignore"):
        u0, u1 = np_fns[0](grid) + 0 * grid, np_fns[1](grid) + 0 * grid
    phi = u0 + 0.5 * grid * u1
    attractive = u1 > 0
    r_well = float(grid[np.argmin(np.where(np.isfinite(u0), u0, np.inf))])
    E_c, r_phi = 0.0, float(sigma)
    if np.any(attractive & (phi > 0)):
        k = int(np.argmax(np.where(attractive, phi, -np.inf)))
        from scipy.optimize import minimize_scalar

        res = minimize_scalar(lambda x: -(np_fns[0](x) + 0.5 * x * np_fns[1](x)),
                              bounds=(grid[max(k - 2, 0)], grid[min(k + 2, grid.size - 1)]),
                              method="bounded", options={"xatol": 1e-14 * sigma})
        E_c, r_phi = float(-res.fun), float(res.x)
        inner = attractive & (grid > r_phi)
        bumps = np.sum(np.diff(np.sign(np.diff(np.where(attractive, phi, np.nan)))) < 0)
        if bumps > 1 or (np.any(inner) and np.any(np.diff(phi[inner]) > 1e-12 * E_c)):
            raise ConfigError([("potential", f"{name!r}: scattering supports one attractive well "
                                "(Φ = U + rU'/2 with a single maximum)")])
    r_lo = 1e-4 * sigma
    r_hi = 1e3 * sigma * max(1.0, dict(params).get("screening_length", 1.0))
    return ScatteringPotential(name, sigma, epsilon, params, energy, derivs, cutoff, E_c, r_phi,
                               r_well, r_lo, r_hi)


def scattering_potential(name: str, *, sigma: float = 1.0, epsilon: float = 1.0,
                         **params: float) -> ScatteringPotential:
    """The untruncated registry potential ``name`` ready for scattering; ConfigError if unusable."""
    problems = check_potential(name, sigma=sigma, epsilon=epsilon, **params)
    if problems:
        raise ConfigError(problems)
    spec = REGISTRY[name]
    full = tuple(sorted((k, float(params.get(k, v))) for k, v in spec.extra.items()))
    return _build(name, float(sigma), float(epsilon), full)


# ---------------------------------------------------------------------------------------------
# Turning points
# ---------------------------------------------------------------------------------------------
def _bisect_log(f, lo, hi, iters: int = 64):
    """Vectorised bisection in log r for a sign change of f on [lo, hi] (f(lo) > 0 > f(hi))."""
    a, b = jnp.log(lo), jnp.log(hi)

    def body(_, ab):
        a, b = ab
        m = 0.5 * (a + b)
        pos = f(jnp.exp(m)) > 0
        return jnp.where(pos, m, a), jnp.where(pos, b, m)

    a, b = jax.lax.fori_loop(0, iters, body, (a, b))
    return jnp.exp(0.5 * (a + b))


@float64
def turning_structure(pot: ScatteringPotential, E):
    """Per energy: ``(r0, X, Y, r_s, orbiting)``: the turning points split into two segments.

    r0: head-on turning point (U(r0) = E). The allowed turning points are ``[r0, X]`` and
    ``[Y, ∞)`` (``[Y, r_cut]`` for a finite range). Orbiting: X = r_c and Y = r_b (B(r_c) = B(r_b),
    r_b the local minimum of B); otherwise the range is continuous and X = Y is only a node-
    clustering point: argmax Φ for a potential with a well (where χ(r_m) peaks near orbiting),
    the cut-off for a finite range, 2 r0 otherwise. r_s: the split radius of the deflection
    integral (r_b when orbiting, argmax Φ above E_c, the cut-off of a finite range).
    """
    return _turning_fn(pot)(jnp.asarray(E, float))


@lru_cache(maxsize=64)
def _turning_fn(pot: ScatteringPotential):
    return jax.jit(lambda E: _turning_structure(pot, E))


def _turning_structure(pot: ScatteringPotential, E):
    E = jnp.asarray(E, float)
    U = pot.energy
    r0 = _bisect_log(lambda x: U(x) - E, pot.r_lo + 0 * E, pot.r_hi + 0 * E)
    if pot.orbits:
        orbiting = E < pot.orbiting_energy

        def Phi(x):
            d = pot.derivs(x)
            return d[0] + 0.5 * x * d[1]

        Eo = jnp.where(orbiting, E, 0.5 * pot.orbiting_energy)  # keep the brackets valid
        r_a = _bisect_log(lambda x: Eo - Phi(x), pot.r_well + 0 * E, pot.r_phi + 0 * E)
        r_b = _bisect_log(lambda x: Phi(x) - Eo, pot.r_phi + 0 * E, pot.r_hi + 0 * E)

        def B(x):
            return x * x * (1.0 - U(x) / Eo)

        Bb = B(r_b)
        r_c = _bisect_log(lambda x: Bb - B(x), jnp.minimum(r0, r_a), r_a)
        split = jnp.maximum(pot.r_phi, r0)
        X = jnp.where(orbiting, r_c, split)
        Y = jnp.where(orbiting, r_b, split)
        r_s = jnp.where(orbiting, r_b, pot.r_phi)
    else:
        orbiting = jnp.zeros_like(E, dtype=bool)
        if math.isfinite(pot.cutoff):
            X = Y = jnp.maximum(pot.cutoff + 0 * E, r0)
            r_s = pot.cutoff + 0 * E
        else:
            X = Y = 2.0 * r0
            r_s = 0.0 * E
    return r0, X, Y, r_s, orbiting


# ---------------------------------------------------------------------------------------------
# Deflection angle
# ---------------------------------------------------------------------------------------------
def _deflection_from_rm(pot: ScatteringPotential, rm, E, r_s, n_psi: int):
    """χ at turning point ``rm`` (any shape, broadcast with E and r_s)."""
    rm, E, r_s = jnp.broadcast_arrays(jnp.asarray(rm, float), jnp.asarray(E, float),
                                      jnp.asarray(r_s, float))
    d = pot.derivs(rm)
    Um = d[0]
    beta = jnp.sqrt(jnp.maximum(1.0 - Um / E, 0.0))
    # split point ψ_s = arccos(rm/r_s) (π/2 when rm ≥ r_s: one piece only)
    ys = jnp.where(r_s > rm, rm / jnp.where(r_s > 0, r_s, 1.0), 1.0)
    psi_s = jnp.where(r_s > rm, 2.0 * jnp.arcsin(jnp.sqrt(jnp.clip(0.5 * (1.0 - ys), 0.0, 0.5))),
                      0.5 * jnp.pi)
    left, _, w = (jnp.asarray(a) for a in tanh_sinh(n_psi))
    ex = (Ellipsis, None)
    # piece A: ψ ∈ [0, ψ_s] (near the turning point); piece B: ψ ∈ [ψ_s, π/2]
    psi_A = psi_s[ex] * left
    psi_B = psi_s[ex] + (0.5 * jnp.pi - psi_s)[ex] * left
    psi = jnp.concatenate([psi_A, psi_B], axis=-1)
    wt = jnp.concatenate([psi_s[ex] * w, (0.5 * jnp.pi - psi_s)[ex] * w], axis=-1)

    sin_half = jnp.sin(0.5 * psi)
    one_minus_y = 2.0 * sin_half**2
    y = 1.0 - one_minus_y
    one_minus_y2 = jnp.sin(psi) ** 2
    delta = one_minus_y / y  # r/rm − 1
    rr = rm[ex] / y
    h = rm[ex] * delta
    taylor = h * (d[1][ex] + h * (d[2][ex] / 2 + h * (d[3][ex] / 6 + h * d[4][ex] / 24)))
    # Taylor only inside the range: beyond a finite cut-off U = 0 exactly (no cancellation)
    use_taylor = (delta < _TAYLOR_DELTA) & (rr < pot.cutoff)
    dU = jnp.where(use_taylor, taylor, pot.energy(rr) - Um[ex])
    one_minus_H = (dU / one_minus_y2 + Um[ex]) / E[ex]
    H = jnp.maximum(1.0 - one_minus_H, 1e-300)
    sqH = jnp.sqrt(H)
    integrand = one_minus_H / (sqH * (1.0 + sqH))  # H^{-1/2} − 1
    one_minus_beta = (Um / E) / (1.0 + beta)
    return jnp.pi * one_minus_beta - 2.0 * beta * jnp.sum(wt * integrand, axis=-1)


@float64
def cross_section_nodes(pot: ScatteringPotential, E, *, n_r: int = 96, n_psi: int = 64):
    """Quadrature of $\\int f(\\chi)\\,2\\pi b\\,db$ at energies E (any shape S).

    Returns ``(chi, weight)`` of shape S + (2 n_r,) such that
    ``sum(weight * f(chi), -1)`` ≈ $2\\pi\\int_0^\\infty f(\\chi(b,E))\\,b\\,db$ for f with f(0) = 0
    (the last segment extends to b = ∞, so f must vanish at χ = 0).
    """
    E = jnp.asarray(E, float)
    r0, X, Y, r_s, _ = _turning_structure(pot, E)
    left, right, w = (jnp.asarray(a) for a in tanh_sinh(n_r))
    ex = (Ellipsis, None)
    # segment [r0, X] (the inner branch when orbiting)
    span_in = X - r0
    rm_in = r0[ex] + span_in[ex] * left
    jac_in = span_in[ex] * w
    # segment [Y, ∞) as rm = Y/u, u ∈ (0, 1] (or [Y, r_cut] for a finite range)
    if math.isfinite(pot.cutoff):
        span = jnp.maximum(pot.cutoff - Y, 0.0)
        rm_out = Y[ex] + span[ex] * left
        jac_out = span[ex] * w
    else:
        # u = left; rm − Y = Y (1 − u)/u with 1 − u = right exactly
        rm_out = Y[ex] * (1.0 + right / left)
        jac_out = Y[ex] * w / left**2
    rm = jnp.concatenate([rm_in, rm_out], axis=-1)
    jac = jnp.concatenate([jac_in, jac_out], axis=-1)
    Eb = E[ex]
    chi = _deflection_from_rm(pot, rm, Eb, r_s[ex], n_psi)
    d = pot.derivs(rm)
    dB = 2.0 * rm * (1.0 - d[0] / Eb) - rm**2 * d[1] / Eb  # B'(rm)
    weight = jnp.pi * dB * jac
    return chi, weight


def one_minus_cos_power(chi, l: int):
    """1 − cos^l χ without cancellation at small χ: (1 − cos χ)(1 + cos χ + … + cos^{l−1} χ)."""
    c = jnp.cos(chi)
    one_minus_c = 2.0 * jnp.sin(0.5 * chi) ** 2
    s = jnp.ones_like(c)
    acc = jnp.ones_like(c)
    for _ in range(l - 1):
        acc = acc * c
        s = s + acc
    return one_minus_c * s


def rigid_sphere_factor(l: int) -> float:
    """Q^(l) of rigid spheres of unit diameter divided by π: 1 − (1 + (−1)^l)/(2(1 + l))."""
    return 1.0 - (1.0 + (-1.0) ** l) / (2.0 * (1.0 + l))


@lru_cache(maxsize=64)
def _cross_section_fn(pot: ScatteringPotential, l: int, n_r: int, n_psi: int):
    @jax.jit
    def f(E):
        chi, w = cross_section_nodes(pot, E, n_r=n_r, n_psi=n_psi)
        return jnp.sum(w * one_minus_cos_power(chi, l), axis=-1)

    return f


@float64
def transport_cross_section(pot: ScatteringPotential, E, l: int, *, reduced: bool = True,
                            n_r: int = 96, n_psi: int = 64):
    """Q^(l)(E) (reduced by the rigid-sphere value πσ²[1 − (1+(−1)^l)/(2(1+l))] if ``reduced``).

    ``E`` is the centre-of-mass energy in units of ε when ``reduced`` (E* = E/ε), else absolute.
    """
    E = jnp.asarray(E, float) * (pot.epsilon if reduced else 1.0)
    Q = _cross_section_fn(pot, int(l), n_r, n_psi)(E)
    if reduced:
        Q = Q / (math.pi * pot.sigma**2 * rigid_sphere_factor(l))
    return Q


@float64
def deflection_angle(pot: ScatteringPotential, b, E, *, n_psi: int = 64):
    """χ(b, E) for impact parameters b and centre-of-mass energies E (absolute units).

    Finds the largest root r_m of B(r) = b² on the right branch (bisection in log r), then
    evaluates the deflection integral. Exactly at the orbiting impact parameter χ = −∞.
    """
    b, E = jnp.broadcast_arrays(jnp.asarray(b, float), jnp.asarray(E, float))
    return _deflection_fn(pot, n_psi)(b, E)


def _turning_point(pot: ScatteringPotential, b, E):
    """The distance of closest approach r_m (largest root of B(r) = b², on the branch that the
    orbiting structure allows), with r0, r_s and B(r) = r²(1 − U(r)/E)."""
    r0, X, Y, r_s, orbiting = _turning_structure(pot, E)
    Bf = lambda x: x * x * (1.0 - pot.energy(x) / E)  # noqa: E731
    b2 = b * b
    inner = orbiting & (b2 < Bf(Y))
    lo = jnp.where(inner, r0, jnp.where(orbiting, Y, r0))
    hi = jnp.where(inner, X, jnp.maximum(pot.r_hi, 2.0 * b))
    return _bisect_log(lambda x: b2 - Bf(x), lo, hi), r0, r_s, Bf


@lru_cache(maxsize=64)
def _deflection_fn(pot: ScatteringPotential, n_psi: int):
    @jax.jit
    def f(b, E):
        rm, r0, r_s, _ = _turning_point(pot, b, E)
        rm = jnp.where(b * b <= 0, r0, rm)
        beyond = b >= pot.cutoff
        rm = jnp.where(beyond, b, rm)
        chi = _deflection_from_rm(pot, rm, E, r_s, n_psi)
        return jnp.where(beyond, 0.0, chi)

    return f



@float64
def differential_cross_section(pot: ScatteringPotential, b, E, *, n_psi: int = 64):
    r"""Classical differential cross-section contributed by impact parameter b at energy E.

    Returns ``(theta, dsigma)``: the scattering angle Θ = arccos(cos χ) ∈ [0, π] and
    $d\sigma/d\Omega = b\,/\,(\sin\Theta\,|d\chi/db|)$ of this trajectory branch (the full
    cross-section at Θ sums the branches b with the same Θ). dχ/db is exact: forward-mode
    derivative of χ(r_m) and b(r_m) = √B(r_m) along the turning point.
    """
    b, E = jnp.broadcast_arrays(jnp.asarray(b, float), jnp.asarray(E, float))
    return _differential_fn(pot, n_psi)(b, E)


@lru_cache(maxsize=64)
def _differential_fn(pot: ScatteringPotential, n_psi: int):
    @jax.jit
    def f(b, E):
        rm, _, r_s, Bf = _turning_point(pot, b, E)
        chi, dchi = jax.jvp(lambda x: _deflection_from_rm(pot, x, E, r_s, n_psi), (rm,), (jnp.ones_like(rm),))
        bb, db = jax.jvp(lambda x: jnp.sqrt(Bf(x)), (rm,), (jnp.ones_like(rm),))
        theta = jnp.arccos(jnp.cos(chi))
        return theta, bb / (jnp.sin(theta) * jnp.abs(dchi / db))

    return f


__all__ = [
    "ScatteringPotential", "check_potential", "cross_section_nodes", "deflection_angle",
    "differential_cross_section", "float64",
    "one_minus_cos_power", "rigid_sphere_factor", "scattering_potential", "tanh_sinh",
    "transport_cross_section", "turning_structure",
]
