"""Pair potentials and the three interaction scalings (SPEC Level 0; James–Qi–Wang eqs. 13, 14, 17).

Each registered potential is written once, as a symbolic expression ``U(r)``. From it bbgky builds

* a JAX function of ``r`` — forces on particles come from ``jax.grad`` of the total energy, so
  energy and force cannot disagree;
* a Numba pair kernel ``(r²) -> (U, −U'(r)/r)`` for the CPU fast path, whose derivative is the
  symbolic derivative of the same expression (never typed by hand; tests check it against
  ``jax.grad`` to round-off).

Cut-off handling, stated per potential (``cutoff_mode``):

* ``"shifted"``: ``U(r) − U(r_c)`` for ``r < r_c`` — energy continuous, force jumps at ``r_c``;
* ``"shifted_force"``: ``U(r) − U(r_c) − (r − r_c) U'(r_c)`` — energy and force continuous;
* ``"none"``: the potential vanishes identically beyond ``r_c`` (WCA: shifted by ε at its minimum,
  so energy and force are both continuous there).

Scalings (``scaling``): ``physical`` — ``U`` as given (eq. 13); ``mean_field`` — ``U/N`` so the
force on a particle is ``(1/N) Σ_j`` (eq. 14), with all pairs in the periodic cell (cut-off at
half the smallest cell width by default); ``boltzmann_grad`` — ``U(r/ε)/ε``, range ε (eq. 17).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

import sympy as sp

r = sp.Symbol("r", positive=True)


@dataclass(frozen=True)
class PotentialSpec:
    """A registry entry: the expression, its parameters and its default cut-off."""

    name: str
    description: str
    expression: Callable[..., sp.Expr]  # (sigma, epsilon, **extra) -> U(r)
    default_cutoff: Callable[..., float]  # (sigma, epsilon, **extra) -> r_c
    cutoff_mode: str
    extra: dict[str, float] = field(default_factory=dict)  # extra parameters and defaults
    repulsive_core: bool = True
    lengths: tuple[str, ...] = ()  # the extra parameters that are lengths (scale like σ)


def _lj(sigma, epsilon):
    return 4 * epsilon * ((sigma / r) ** 12 - (sigma / r) ** 6)


REGISTRY: dict[str, PotentialSpec] = {
    "lj": PotentialSpec(
        "lj", "Lennard-Jones 12-6, 4ε[(σ/r)^12 − (σ/r)^6]", _lj,
        lambda sigma, epsilon: 2.5 * sigma, "shifted"),
    "wca": PotentialSpec(
        "wca", "Weeks–Chandler–Andersen: LJ cut at its minimum 2^(1/6)σ and shifted up by ε",
        lambda sigma, epsilon: _lj(sigma, epsilon) + epsilon,
        lambda sigma, epsilon: 2 ** (1 / 6) * sigma, "none"),
    "ipl": PotentialSpec(
        "ipl", "inverse power law ε(σ/r)^n (n = exponent; n = 4 in 3D is the Maxwell molecule)",
        lambda sigma, epsilon, exponent: epsilon * (sigma / r) ** sp.nsimplify(exponent),
        lambda sigma, epsilon, exponent: 2.5 * sigma, "shifted", {"exponent": 12.0}),
    "gaussian": PotentialSpec(
        "gaussian", "Gaussian core ε exp(−(r/σ)²) (bounded, no hard core)",
        lambda sigma, epsilon: epsilon * sp.exp(-((r / sigma) ** 2)),
        lambda sigma, epsilon: 4.0 * sigma, "shifted", repulsive_core=False),
    "yukawa": PotentialSpec(
        "yukawa", "Yukawa (screened Coulomb) εσ exp(−r/λ)/r, λ = screening_length",
        lambda sigma, epsilon, screening_length: epsilon * sigma * sp.exp(-r / screening_length) / r,
        lambda sigma, epsilon, screening_length: max(2.5 * sigma, 6.0 * screening_length),
        "shifted", {"screening_length": 1.0}, lengths=("screening_length",)),
}

#: names accepted by the configuration but without a particle-level pair form.
KINETIC_ONLY = {"hard_sphere", "maxwell"}
LONG_RANGE = {"coulomb"}
SCALINGS = ("physical", "mean_field", "boltzmann_grad")
CUTOFF_MODES = ("shifted", "shifted_force", "none")


@dataclass(frozen=True)
class PairPotential:
    """A pair potential ready to use: cut-off, scaling and shift applied.

    ``energy(r)`` is JAX-traceable and vectorised, zero for ``r ≥ cutoff`` and finite for r > 0;
    ``numba_pair(r2)`` (None for user functions) returns ``(U, −U'(r)/r)`` for ``r2 < cutoff²``.
    """

    name: str
    cutoff: float
    cutoff_mode: str
    scaling: str
    energy: Callable
    numba_pair: Callable | None = None
    expression: sp.Expr | None = None

    @property
    def cutoff_squared(self) -> float:
        return self.cutoff * self.cutoff


def _shift(U: sp.Expr, rc: float, mode: str) -> sp.Expr:
    if mode == "none":
        return U
    Uc = U.subs(r, rc)
    if mode == "shifted":
        return U - Uc
    dUc = sp.diff(U, r).subs(r, rc)
    return U - Uc - (r - rc) * dUc


@dataclass(frozen=True)
class ScaledParameters:
    """A potential's parameters after its interaction scaling (:func:`scale_parameters`)."""

    sigma: float
    epsilon: float
    cutoff: float | None  # None: no cut-off (a kinetic-only model)
    extra: dict[str, float]


def scale_parameters(name: str, *, sigma: float = 1.0, epsilon: float = 1.0, cutoff: float | None = None,
                     scaling: str = "physical", range_: float | None = None, particles: int | None = None,
                     **extra: float) -> ScaledParameters:
    r"""The one interaction scaling of a potential's parameters (James–Qi–Wang, "On the kinetic
    description of the objective molecular dynamics", eqs. 13, 14 and 17).

    Every registered potential has the form $U(r) = \epsilon\,u(r/\sigma;\ \lambda/\sigma)$: linear in
    its energy ε, a function of r over its lengths (σ, the spec's ``lengths`` such as the Yukawa
    screening length λ, and the cut-off r_c). Hence

    * ``physical`` (eq. 13): U as given;
    * ``mean_field`` (eq. 14, force $-\frac1N\sum_j\nabla U$): $U/N$, i.e. ε → ε/N;
    * ``boltzmann_grad`` (eq. 17, $\dot w_i = -\frac1\varepsilon\sum_j\nabla U(|x_i - x_j|/\varepsilon)$):
      $V(r) = U(r/\varepsilon)/\varepsilon$ with range ε (``range_``), i.e. every length × ε
      (σ → εσ, λ → ελ, r_c → ε r_c; the default cut-off is the potential's own, then scaled) and
      the energy scale ``epsilon`` → ``epsilon``/ε. The Boltzmann–Grad limit takes N → ∞, ε → 0
      with $(N-1)\varepsilon^{d-1}$ fixed (James–Qi–Wang, text after eq. 17): the cross-section
      scales as ε^{d−1}, so the collision rate per particle stays O(1) while three-body encounters
      vanish (N ε^d → 0).

    Used by the particle potential (:func:`build_expression`), the cut-off checks of the particle
    level, the collision kernel ``from_potential`` and the Chapman–Enskog viscosity, so all of them
    see the same V. ``name`` outside :data:`REGISTRY` (``hard_sphere``, ``maxwell``): σ and ε are
    scaled, and the cut-off stays as given. Extra parameters: the spec's defaults, updated by
    ``extra`` (unknown names are passed on, for the consumer to refuse).
    """
    spec = REGISTRY.get(name)
    params = {**(spec.extra if spec is not None else {}), **extra}
    rc = cutoff
    if rc is None and spec is not None:
        rc = spec.default_cutoff(sigma, epsilon, **params)
    rc = None if rc is None else float(rc)
    if scaling == "boltzmann_grad":
        eps = float(range_)
        lengths = spec.lengths if spec is not None else ()
        params = {k: v * eps if k in lengths else v for k, v in params.items()}
        return ScaledParameters(sigma * eps, epsilon / eps, None if rc is None else rc * eps, params)
    if scaling == "mean_field":
        return ScaledParameters(sigma, epsilon / int(particles), rc, params)
    if scaling != "physical":
        raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
    return ScaledParameters(sigma, epsilon, rc, params)


@cache
def build_expression(name: str, *, sigma: float = 1.0, epsilon: float = 1.0,
                     cutoff: float | None = None, cutoff_mode: str | None = None,
                     scaling: str = "physical", range_: float | None = None,
                     particles: int | None = None, **extra: float) -> tuple[sp.Expr, float, str]:
    """The scaled, shifted expression U(r), its cut-off and cut-off mode.

    Cached (sympy expressions are immutable): the configuration check (collision time of a
    Boltzmann–Grad potential) and the particle level build the same potential, and ``sp.simplify``
    is the slow part, so a particle run simplifies it once."""
    spec = REGISTRY[name]
    p = scale_parameters(name, sigma=sigma, epsilon=epsilon, cutoff=cutoff, scaling=scaling, range_=range_,
                         particles=particles, **extra)
    U = spec.expression(sp.Float(p.sigma), sp.Float(p.epsilon), **p.extra)
    mode = cutoff_mode or spec.cutoff_mode
    return sp.simplify(_shift(U, p.cutoff, mode)) if mode != "none" else U, p.cutoff, mode


def numba_pair_source(expression: sp.Expr) -> str:
    """Python source (``import math`` only) of ``pair(r2) -> (U(r), −U'(r)/r)`` for the symbolic
    U(r), written in s = r² so that the kernel needs no square root branch. The one text both the
    in-process kernel (:attr:`PairPotential.numba_pair`) and the cached force kernels of the particle
    level's Numba backend (:func:`bbgky.particles.numba_backend.kernels`) compile."""
    f_over_r = sp.simplify(-sp.diff(expression, r) / r)
    s = sp.Symbol("s", positive=True)
    u_code, f_code = (sp.pycode(e.subs(r, sp.sqrt(s))) for e in (expression, f_over_r))
    return f"def pair(s):\n    return ({u_code}, {f_code})\n"


@cache
def _numba_pair(expr_str: str):
    import numba

    namespace = {"math": math}
    exec(numba_pair_source(sp.sympify(expr_str, locals={"r": r})), namespace)
    return numba.njit(inline="always")(namespace["pair"])


@lru_cache(maxsize=32)
def make_potential(name: str, *, sigma: float = 1.0, epsilon: float = 1.0,
                   cutoff: float | None = None, cutoff_mode: str | None = None,
                   scaling: str = "physical", range_: float | None = None,
                   particles: int | None = None, numba: bool = True, **extra: float) -> PairPotential:
    """Build a registered potential with its cut-off, shift and scaling.

    One object per arguments: a PairPotential compares its functions by identity and, through the
    System, keys the compiled programs, so the runs of one process with one potential (a resume, a
    test suite) compile them once."""
    import jax.numpy as jnp

    expr, rc, mode = build_expression(
        name, sigma=sigma, epsilon=epsilon, cutoff=cutoff, cutoff_mode=cutoff_mode,
        scaling=scaling, range_=range_, particles=particles, **extra)
    raw = sp.lambdify(r, expr, "jax")

    def energy(x):
        inside = x < rc
        safe = jnp.where(inside, x, rc)  # keeps gradients finite where the pair is masked
        return jnp.where(inside, raw(safe), 0.0)

    pair = _numba_pair(sp.srepr(expr)) if numba else None
    return PairPotential(name, rc, mode, scaling, energy, pair, expr)


def collision_time(expression: sp.Expr, energy: float, r_max: float) -> float:
    r"""Time scale of the stiffest part of a head-on collision at centre-of-mass energy E (m = 1):
    $\tau_c = \pi/\omega$, $\omega^2 = U''(r_0)/\mu$, μ = 1/2, at the turning point U(r_0) = E —
    the half-period of the harmonic fit to the wall where the force is largest. A time step that
    resolves a collision is a small fraction of it (Boltzmann–Grad: τ_c ∝ ε^{3/2} for WCA).
    ``r_max``: a radius where U < E (the search bracket)."""
    from scipy.optimize import brentq

    U = sp.lambdify(r, expression, "math")
    curvature = sp.lambdify(r, sp.diff(expression, r, 2), "math")
    r0 = brentq(lambda x: U(x) - energy, 1e-6 * r_max, r_max, xtol=1e-14 * r_max)
    return math.pi / math.sqrt(2.0 * curvature(r0))


def from_function(fn: Callable, cutoff: float, *, cutoff_mode: str = "shifted",
                  name: str = "custom") -> PairPotential:
    """Any JAX-traceable ``U(r)`` from Python (JAX path only; forces by autodiff)."""
    import jax
    import jax.numpy as jnp

    if cutoff_mode not in CUTOFF_MODES:
        raise ValueError(f"cutoff_mode must be one of {CUTOFF_MODES}, got {cutoff_mode!r}")
    rc = float(cutoff)
    Uc = float(fn(jnp.asarray(rc))) if cutoff_mode != "none" else 0.0
    dUc = float(jax.grad(fn)(jnp.asarray(rc))) if cutoff_mode == "shifted_force" else 0.0

    def energy(x):
        inside = x < rc
        safe = jnp.where(inside, x, rc)
        return jnp.where(inside, fn(safe) - Uc - (safe - rc) * dUc, 0.0)

    return PairPotential(name, rc, cutoff_mode, "physical", energy, None, None)


__all__ = [
    "KINETIC_ONLY", "REGISTRY", "SCALINGS", "PairPotential", "PotentialSpec", "ScaledParameters",
    "build_expression", "collision_time",
    "from_function", "make_potential", "numba_pair_source", "scale_parameters",
]
