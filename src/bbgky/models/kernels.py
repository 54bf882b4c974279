r"""Collision kernels of the Boltzmann operator (docs/references.md convention), in a registry.

The operator is, in d = 3 (and likewise in d = 2 with the circle S¹),

$$Q(f,f)(v) = \int_{\mathbb R^d}\int_{S^{d-1}} B(|g|, \cos\theta)\,[f(v')f(v_*') - f(v)f(v_*)]\,
d\sigma\,dv_*,\qquad g = v - v_*,\ \cos\theta = \hat g\cdot\sigma,$$

with $v' = (v+v_*)/2 + |g|\sigma/2$, $v_*' = (v+v_*)/2 - |g|\sigma/2$, no factor 1/2 and no
Knudsen number. The :class:`Kernel` s have the power-law form $B = |g|^{\gamma}\,b(\cos\theta)$
(Maxwell molecules γ = 0, hard spheres/disks γ = 1, VHS γ = 2 − 2ω), which the spectral solver uses
to rescale the velocity variable with the temperature; ``from_potential`` (below) does not. A
sphere integral is
$\int_{S^{d-1}} F(\cos\theta)\,d\sigma = |S^{d-2}|\int_0^\pi F(\cos\theta)\sin^{d-2}\theta\,d\theta$
(|S¹| = 2π, |S⁰| = 2).

Each kernel knows

* ``total_rate(g)`` $= \Sigma(g) = \int_{S^{d-1}} B(g,\cos\theta)\,d\sigma$ — a pair's collision rate
  per unit number density (a particle's collision frequency is $n\langle\Sigma(|v-v_*|)\rangle$);
* ``angular_moment`` Λ $= \int_{S^{d-1}} b(\cos\theta)\sin^2\theta\,d\sigma$ (2/3 for b = 1/(4π)
  in 3D, 1/2 for b = 1/(2π) in 2D);
* ``viscosity(θ)`` — the Chapman–Enskog shear viscosity (exact for Maxwell molecules,
  $\mu = p/\nu$; hard spheres with the converged factor 1.016034; VHS and hard disks in the first
  Sonine approximation);
* for Maxwell molecules the relaxation rate of the traceless second moment,
  $\nu = \frac{d}{2(d-1)}\,n\Lambda$ (``stress_relaxation_rate(n)``; n/2 for the isotropic
  defaults of both dimensions).

**Hard disks** (d = 2, diameter σ): a collision at impact parameter $|b| < \sigma$ deflects the
relative velocity by θ with $|b| = \sigma\cos(\theta/2)$, so $B = |g|\,(\sigma/2)\,|\sin(\theta/2)|$
— not isotropic, unlike hard spheres — and the total cross-section (a length) is
$\Sigma(g)/|g| = 2\sigma$; $\Lambda = 16\sigma/15$ and $\mu_1 = (2\sigma)^{-1}\sqrt{\theta/\pi}$
(first Sonine; e.g. Gass, J. Chem. Phys. 54 (1971) 1898).

``from_potential`` (:class:`PotentialKernel`) is the kernel of a registry pair potential by
classical scattering, $B(g,\cos\theta)\,d\sigma = g\,(d\sigma/d\Omega)(g,\theta)\,d\Omega$ with
cos θ = cos χ(b, g²/4) (:mod:`bbgky.models.scattering`), cut at an impact parameter b_max, so that
$\Sigma(g) = \pi b_{\max}^2\,g$ (the γ = 1 form: the DSMC majorant works unchanged). It is not a
power law in g: its cos θ table has one row per tabulated relative speed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from numpy.polynomial import legendre as _leg

from ..errors import ConfigError
from .potentials import scale_parameters

#: Chapman–Enskog correction of the first Sonine viscosity of hard spheres (docs/references.md).
HARD_SPHERE_VISCOSITY_FACTOR = 1.016034


def sphere_area(d: int) -> float:
    """|S^{d−1}|: 2 (d = 1), 2π (d = 2), 4π (d = 3)."""
    return 2 * math.pi ** (d / 2) / math.gamma(d / 2)


@dataclass(frozen=True)
class Kernel:
    r"""A collision kernel $B(|g|,\cos\theta) = C\,|g|^{\gamma}\,\beta(\cos\theta)$ in dimension d.

    ``angular`` holds the polynomial coefficients of $\beta(x) = \sum_k a_k x^k$ (ascending
    powers), or ``shape`` gives β as a function when it is not a polynomial (hard disks);
    ``strength`` is the constant C. ``isotropic`` is True when β is constant (isotropic
    scattering in the centre-of-mass frame); the spectral method needs a polynomial β.
    """

    name: str
    gamma: float
    strength: float
    angular: tuple[float, ...] = (1.0,)
    parameters: dict[str, float] = field(default_factory=dict)
    viscosity_note: str = ""
    dimension: int = 3
    shape: Callable[[np.ndarray], np.ndarray] | None = None

    # ---- the kernel itself -------------------------------------------------------------------
    @property
    def isotropic(self) -> bool:
        return self.shape is None and all(c == 0.0 for c in self.angular[1:])

    def beta(self, x: np.ndarray | float) -> np.ndarray:
        """The angular shape β(cos θ) (b = C β)."""
        x = np.asarray(x, float)
        return self.shape(x) if self.shape is not None else np.polynomial.polynomial.polyval(x, self.angular)

    def b(self, x: np.ndarray | float) -> np.ndarray:
        """Angular part C β(cos θ), so that B = |g|^γ b(cos θ)."""
        return self.strength * self.beta(x)

    def __call__(self, g: np.ndarray | float, cos_theta: np.ndarray | float) -> np.ndarray:
        """B(|g|, cos θ)."""
        return np.abs(np.asarray(g, float)) ** self.gamma * self.b(cos_theta)

    def radial(self, g):
        """|g|^γ (works on NumPy and JAX arrays)."""
        return abs(g) ** self.gamma if self.gamma != 0 else g * 0 + 1.0

    # ---- integrals ---------------------------------------------------------------------------
    def _angular_integral(self, weight: Callable[[np.ndarray], np.ndarray]) -> float:
        """∫_{S^{d−1}} b(cos θ) weight(cos θ) dσ by Gauss–Legendre in θ ∈ [0, π] (smooth integrands:
        exact to round-off)."""
        d = self.dimension
        x, w = _leg.leggauss(64)
        theta = 0.5 * math.pi * (x + 1)
        ct = np.cos(theta)
        jac = 0.5 * math.pi * np.sin(theta) ** (d - 2)
        return float(sphere_area(d - 1) * np.sum(w * jac * self.b(ct) * weight(ct)))

    @property
    def sphere_integral(self) -> float:
        """∫_{S^{d−1}} b(cos θ) dσ: the total rate is Σ(g) = |g|^γ × this."""
        return self._angular_integral(lambda x: np.ones_like(x))

    @property
    def angular_moment(self) -> float:
        """Λ = ∫_{S^{d−1}} b(cos θ) sin²θ dσ."""
        return self._angular_integral(lambda x: 1 - x**2)

    def funk_hecke(self, l: int) -> float:
        """b_l = ∫_{S^{d−1}} b(cos θ) P_l(cos θ) dσ (Legendre P_l in 3D, Chebyshev T_l in 2D): the
        eigenvalue of Y ↦ ∫ b(σ·ω) Y(ω) dω on the spherical harmonics of degree l (b_0 = ∫ b dσ)."""
        basis = [0.0] * l + [1.0]
        poly = _leg.legval if self.dimension == 3 else np.polynomial.chebyshev.chebval
        return self._angular_integral(lambda x: poly(x, basis))

    def total_rate(self, g):
        """Σ(g) = ∫_{S^{d−1}} B(g, cos θ) dσ: collision rate of a pair per unit number density."""
        return self.radial(g) * self.sphere_integral

    def stress_relaxation_rate(self, density: float) -> float:
        """Maxwell molecules: ν = d n Λ / (2(d − 1)), the decay rate of the traceless second moment
        (:mod:`bbgky.kinetic.boltzmann.moments`)."""
        if self.gamma != 0:
            raise ValueError(f"{self.name}: the stress relaxation rate is a constant only for "
                             "Maxwell molecules (γ = 0)")
        d = self.dimension
        return d * density * self.angular_moment / (2 * (d - 1))

    def viscosity_cross_section(self, g: float) -> float:
        """σ_μ(g) = ∫ B/|g| sin²θ dσ, i.e. Chapman–Cowling Q^(2)(g) (one-sided convention)."""
        return float(self.radial(g) * self.angular_moment / g)

    def viscosity(self, theta):
        r"""Chapman–Enskog shear viscosity μ(θ) (m = k_B = 1).

        First Sonine approximation $\mu_1 = p/\nu_1$ for a kernel $|g|^\gamma b$: with
        $f = M(1 + c\,w_xw_y)$, the production of $P_{xy}$ is $-\nu_1 P_{xy}$,
        $\nu_1 = \frac{d\,\Lambda\,n}{8(d-1)\theta^2}\langle|g|^\gamma g_x^2g_y^2\rangle_{M_{2\theta}}$, i.e.

        $$\mu_1 = \frac{8(d-1)(d+2)\,\Gamma(d/2)\,\theta^3}{\Lambda\,(4\theta)^{(\gamma+4)/2}\,
        \Gamma((d+\gamma+4)/2)} = \mu_1(1)\,\theta^{1-\gamma/2}.$$

        In 3D this is $5\theta/(8\,\Omega^{(2,2)})$, $\Omega^{(2,2)} = \sqrt{\theta/\pi}\int_0^\infty
        e^{-y^2}y^7Q^{(2)}(2\sqrt\theta y)\,dy$. Exact for Maxwell molecules ($\mu = p/\nu$); hard
        spheres are multiplied by 1.016034. Works on NumPy and JAX arrays.
        """
        theta = theta if hasattr(theta, "shape") else np.asarray(theta, float)
        d, gam = self.dimension, self.gamma
        mu_at_1 = 8 * (d - 1) * (d + 2) * math.gamma(d / 2) / (
            self.angular_moment * 4 ** ((gam + 4) / 2) * math.gamma((d + gam + 4) / 2))
        mu1 = mu_at_1 * theta ** (1 - gam / 2)
        if self.name == "hard_sphere" and d == 3:
            return HARD_SPHERE_VISCOSITY_FACTOR * mu1
        return mu1

    def bgk_frequency(self, density: float, theta: float) -> float:
        """BGK collision frequency matched to this kernel's viscosity: ν = p/μ(θ) = nθ/μ(θ)."""
        return float(density * theta / self.viscosity(theta))

    # ---- sampling of the scattering angle ----------------------------------------------------
    def cos_theta_table(self, n: int = 2049) -> np.ndarray:
        """Inverse CDF of cos θ, θ = ∠(ĝ, σ) with σ drawn from b on S^{d−1}: ``table[k]`` = x with
        CDF(x) = k/(n−1). Computed in θ ∈ [0, π], where the density ∝ β(cos θ) sin^{d−2}θ is bounded
        (in x it is singular at ±1 in 2D)."""
        theta = np.linspace(0.0, math.pi, 20001)
        pdf = self.beta(np.cos(theta)) * np.sin(theta) ** (self.dimension - 2)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(theta))])
        return np.cos(np.interp(np.linspace(1, 0, n), cdf / cdf[-1], theta))

    def citation(self) -> str:
        return KERNEL_CITATIONS.get(self.name, "")


KERNEL_CITATIONS = {
    "maxwell": "J. C. Maxwell, Phil. Trans. R. Soc. 157 (1867) 49; C. Truesdell, R. G. Muncaster, "
               "Fundamentals of Maxwell's kinetic theory of a simple monatomic gas (1980).",
    "hard_sphere": "S. Chapman, T. G. Cowling, The mathematical theory of non-uniform gases (1970).",
    "vhs": "G. A. Bird, Molecular gas dynamics and the direct simulation of gas flows (1994), §2.6.",
    "from_potential": "J. O. Hirschfelder, C. F. Curtiss, R. B. Bird, Molecular theory of gases and "
                      "liquids (1954), §1.5; James–Qi–Wang eq. 17 (Boltzmann–Grad scaling).",
}


def _check_dimension(name: str, d: int) -> None:
    if d not in (2, 3):
        raise ValueError(f"{name}: velocity dimension must be 2 or 3 (got {d})")


def maxwell(angular: Sequence[float] = (1.0,), strength: float | None = None, dimension: int = 3) -> Kernel:
    """Maxwell molecules B = b(cos θ) with b(x) = strength · Σ_k angular[k] x^k.

    Default: isotropic b = 1/|S^{d−1}| (1/(4π) in 3D, 1/(2π) in 2D): a particle's collision
    frequency is then the number density n. ``angular`` must give β ≥ 0 on [−1, 1].
    """
    _check_dimension("maxwell", dimension)
    coeffs = tuple(float(c) for c in angular)
    x = np.linspace(-1, 1, 2001)
    if np.any(np.polynomial.polynomial.polyval(x, coeffs) < -1e-14) or not any(coeffs):
        raise ValueError("maxwell: the angular polynomial b(cos θ) must be ≥ 0 on [−1, 1] and not 0")
    c = 1.0 / sphere_area(dimension) if strength is None else float(strength)
    if c <= 0:
        raise ValueError("maxwell: strength must be > 0")
    return Kernel("maxwell", 0.0, c, coeffs, {"strength": c}, "exact: μ = p/ν", dimension)


def _half_angle_sine(x: np.ndarray) -> np.ndarray:
    """|sin(θ/2)| = √((1 − cos θ)/2): the hard-disk deflection law."""
    return np.sqrt(np.clip(0.5 * (1 - x), 0.0, None))


def hard_sphere(sigma: float = 1.0, dimension: int = 3) -> Kernel:
    """Hard spheres (d = 3) or hard disks (d = 2) of diameter σ: B = (σ²/4)|g| (isotropic, total
    cross-section πσ²), resp. B = (σ/2)|g| |sin(θ/2)| (total cross-section 2σ; module docstring)."""
    _check_dimension("hard_sphere", dimension)
    if not sigma > 0:
        raise ValueError(f"hard_sphere: diameter sigma must be > 0 (got {sigma})")
    if dimension == 2:
        return Kernel("hard_sphere", 1.0, sigma / 2, (1.0,), {"sigma": float(sigma)},
                      "hard disks, first Sonine approximation", 2, _half_angle_sine)
    return Kernel("hard_sphere", 1.0, sigma**2 / 4, (1.0,), {"sigma": float(sigma)},
                  "Chapman–Enskog, converged: 1.016034 × first Sonine")


def vhs(sigma: float = 1.0, omega: float = 0.75, reference_speed: float = 1.0, dimension: int = 3) -> Kernel:
    r"""Variable hard spheres (Bird): isotropic scattering with B ∝ |g|^{2−2ω}, so that μ ∝ θ^ω in
    any dimension, and the hard-sphere (disk) total cross-section of diameter σ at the reference
    speed: $\Sigma(g)/g = \pi d(g)^2$ with $d(g) = \sigma (g_{ref}/g)^{\omega - 1/2}$ in 3D
    ($B = (\sigma^2/4)\,g_{ref}^{2\omega-1}|g|^{2-2\omega}$), $\Sigma(g)/g = 2\sigma(g_{ref}/g)^{2\omega-1}$
    in 2D ($B = (\sigma/\pi)\,g_{ref}^{2\omega-1}|g|^{2-2\omega}$). ω = 1/2 has the hard-sphere
    rate, ω = 1 is Maxwell molecules."""
    _check_dimension("vhs", dimension)
    if not sigma > 0:
        raise ValueError(f"vhs: sigma must be > 0 (got {sigma})")
    if not 0.5 <= omega <= 1.0:
        raise ValueError(f"vhs: omega must be in [0.5, 1] (got {omega})")
    if not reference_speed > 0:
        raise ValueError(f"vhs: reference_speed must be > 0 (got {reference_speed})")
    cross_section = math.pi * sigma**2 if dimension == 3 else 2 * sigma
    c = cross_section / sphere_area(dimension) * reference_speed ** (2 * omega - 1)
    return Kernel("vhs", 2 - 2 * omega, c, (1.0,),
                  {"sigma": float(sigma), "omega": float(omega), "reference_speed": float(reference_speed)},
                  "first Sonine approximation", dimension)


class PotentialKernel:
    r"""The collision kernel of a pair potential by classical scattering (``from_potential``).

    A pair with relative speed g and impact parameter b, uniform in the disc b ≤ b_max, leaves
    with cos θ = cos χ(b, E), E = g²/4 the centre-of-mass energy (m = 1), χ the deflection angle
    of :func:`bbgky.models.scattering.deflection_angle`. Hence

    $$\Sigma(g) = \pi b_{\max}^2\,g,\qquad B(g,\cos\theta) = g\,\frac{d\sigma}{d\Omega}(g,\theta),$$

    stored as ``radial(g) = g`` times ``sphere_integral = π b_max²``, and the law of cos θ at speed
    ``table_speeds[k]`` as row k of ``cos_theta_table()`` (its inverse CDF at equally spaced
    probabilities: the quantiles of cos χ over b² uniform on [0, b_max²]; exact rearrangement, so
    rainbow and orbiting branches of an attractive well are included). A finite-range potential
    (WCA) has b_max = its range and no approximation; otherwise b_max is where |χ(b, E)| falls
    below ``angular_cutoff`` for every E ≥ ``cutoff_energy`` (smaller deflections are dropped).

    ``viscosity(θ)`` is the Chapman–Enskog viscosity of the untruncated potential
    (:class:`bbgky.models.chapman_enskog.TabulatedViscosity`, Sonine order 3), tabulated in log θ and
    evaluated on NumPy or JAX arrays (log-log linear interpolation, power-law extrapolation).
    """

    name = "from_potential"
    gamma = 1.0
    dimension = 3
    isotropic = False
    angular: tuple[float, ...] = ()

    def __init__(self, pot, b_max: float, speeds: np.ndarray, table: np.ndarray, parameters: dict,
                 temperature: float):
        self.potential, self.b_max = pot, float(b_max)
        self.table_speeds, self._table = np.asarray(speeds, float), np.asarray(table, float)
        self.parameters, self.temperature = parameters, float(temperature)
        self.viscosity_note = ("Chapman–Enskog of the untruncated potential, Sonine order 3 "
                               "(bbgky.models.chapman_enskog)")

    def radial(self, g):
        """|g| (works on NumPy and JAX arrays)."""
        return abs(g)

    @property
    def sphere_integral(self) -> float:
        """π b_max²: the total rate is Σ(g) = |g| × this."""
        return math.pi * self.b_max**2

    def total_rate(self, g):
        return self.radial(g) * self.sphere_integral

    def cos_theta_table(self) -> np.ndarray:
        """[n_g, n]: row k is the inverse CDF of cos θ at relative speed ``table_speeds[k]``."""
        return self._table

    def cos_theta_quantiles(self, g: float) -> np.ndarray:
        """The inverse CDF of cos θ at speed g, linear in log g between rows (clamped outside)."""
        s = np.interp(math.log(g), np.log(self.table_speeds), np.arange(self.table_speeds.size))
        k = min(int(s), self.table_speeds.size - 2)
        return (1 - (s - k)) * self._table[k] + (s - k) * self._table[k + 1]

    def angular_average(self, g: float, f: Callable[[np.ndarray], np.ndarray]) -> float:
        """∫ f(cos θ) B(g, cos θ) dσ / Σ(g): the mean of f over the scattering law at speed g."""
        values = f(self.cos_theta_quantiles(g))
        return float(np.mean(0.5 * (values[1:] + values[:-1])))

    def viscosity_cross_section(self, g: float) -> float:
        """Q^(2)(g) = π b_max² ⟨1 − cos²θ⟩ (Chapman–Cowling, one-sided convention)."""
        return self.sphere_integral * self.angular_average(g, lambda x: 1 - x**2)

    @cached_property
    def _viscosity_table(self) -> tuple[np.ndarray, np.ndarray]:
        from .chapman_enskog import TabulatedViscosity

        p = self.potential
        mu = TabulatedViscosity(p.name, 3, p.sigma, p.epsilon, dict(p.params))
        theta = self.temperature * np.geomspace(0.1, 100.0, 73)
        return np.log(theta), np.log(mu(theta))

    def viscosity(self, theta):
        """μ(θ) on NumPy or JAX arrays (see the class docstring)."""
        xp = np if isinstance(theta, float | int | np.ndarray | list) else _jnp()
        lt, lm = self._viscosity_table
        x = xp.log(xp.asarray(theta, dtype=float))
        slope_lo, slope_hi = (lm[1] - lm[0]) / (lt[1] - lt[0]), (lm[-1] - lm[-2]) / (lt[-1] - lt[-2])
        log_mu = (xp.interp(x, lt, lm) + slope_lo * xp.minimum(x - lt[0], 0.0)
                  + slope_hi * xp.maximum(x - lt[-1], 0.0))
        return xp.exp(log_mu)

    def bgk_frequency(self, density: float, theta: float) -> float:
        return float(density * theta / self.viscosity(float(theta)))

    def citation(self) -> str:
        return KERNEL_CITATIONS["from_potential"]


def _jnp():
    import jax.numpy as jnp

    return jnp


@lru_cache(maxsize=8)
def from_potential(potential: str = "wca", *, sigma: float = 1.0, epsilon: float = 1.0,
                   range_: float | None = None, temperature: float | None = None,
                   angular_cutoff: float = 0.01, speed_decades: tuple[float, float] = (-2.0, 2.0),
                   rows_per_decade: int = 24, impact_points: int = 2048, table_points: int = 1025,
                   **params: float) -> PotentialKernel:
    r"""The kernel of the registry potential ``potential`` (:class:`PotentialKernel`).

    With ``range_`` = ε the potential is the Boltzmann–Grad $V(r) = U(r/\varepsilon)/\varepsilon$
    (parameters by :func:`bbgky.models.potentials.scale_parameters`: lengths × ε, energy / ε), so that
    $\chi_V(b, E) = \chi_U(b/\varepsilon, \varepsilon E)$ and cross-sections scale as ε² at εE.
    ``temperature`` (default: the potential's energy scale) centres the table: speeds
    $\sqrt\theta \times 10^{k}$ for k in ``speed_decades`` (``rows_per_decade`` rows a decade); the
    angular cut-off of an infinite-range potential holds for E ≥ ``cutoff_energy`` = θ/10.
    Raises :class:`~bbgky.errors.ConfigError` (key ``potential``) for a potential without a
    repulsive core or unknown parameters.
    """
    from .scattering import deflection_angle, scattering_potential

    if range_ is not None:
        scaled = scale_parameters(potential, sigma=sigma, epsilon=epsilon, scaling="boltzmann_grad",
                                  range_=range_, **params)
        sigma, epsilon, params = scaled.sigma, scaled.epsilon, scaled.extra
    pot = scattering_potential(potential, sigma=sigma, epsilon=epsilon, **params)
    theta = float(temperature) if temperature is not None else pot.epsilon
    cutoff_energy = 0.1 * theta
    if math.isfinite(pot.cutoff):
        b_max, angular_cutoff = pot.cutoff, 0.0
    else:
        scale = pot.sigma * max(1.0, params.get("screening_length", 1.0) / sigma)
        b = scale * np.geomspace(0.3, 300.0, 1200)
        chi = np.abs(np.asarray(deflection_angle(pot, b, cutoff_energy)))
        above = np.nonzero(~(chi < angular_cutoff))[0]
        if above.size == 0 or above[-1] + 1 >= b.size:
            raise ConfigError([("potential", f"{potential!r}: no impact parameter below {b[-1]:.3g} with "
                                f"|χ| < {angular_cutoff} at E = {cutoff_energy:.3g}")])
        b_max = float(b[above[-1] + 1])
    lo, hi = speed_decades
    speeds = math.sqrt(theta) * np.logspace(lo, hi, round((hi - lo) * rows_per_decade) + 1)
    # midpoints of equal cells in b; cell j carries the exact measure 2 b_j Δb of b² (weighted
    # quantiles: the core b ≲ σ keeps many nodes even when b_max ≫ σ)
    impact = b_max * (np.arange(impact_points) + 0.5) / impact_points
    p = np.linspace(0.0, 1.0, table_points)
    rows = []
    for k in range(0, speeds.size, 8):  # chunks of 8 speeds, the last padded: one compiled shape
        chunk = speeds[k:k + 8]
        padded = np.pad(chunk, (0, 8 - chunk.size), mode="edge")
        chi = np.asarray(deflection_angle(pot, impact[None, :], (padded**2 / 4)[:, None]))[:chunk.size]
        for c in chi:
            order = np.argsort(np.cos(c))
            cdf = (np.cumsum(impact[order]) - 0.5 * impact[order]) / impact.sum()
            rows.append(np.interp(p, cdf, np.cos(c)[order]))
    parameters = {"potential": potential, "sigma": pot.sigma, "epsilon": pot.epsilon, **dict(pot.params),
                  "b_max": b_max, "angular_cutoff": angular_cutoff, "cutoff_energy": cutoff_energy,
                  "speed_min": float(speeds[0]), "speed_max": float(speeds[-1])}
    return PotentialKernel(pot, b_max, speeds, np.stack(rows), parameters, theta)


#: name -> factory.
REGISTRY: dict[str, Callable[..., Kernel | PotentialKernel]] = {
    "maxwell": maxwell,
    "hard_sphere": hard_sphere,
    "vhs": vhs,
    "from_potential": from_potential,
}


def make_kernel(name: str, **params) -> Kernel | PotentialKernel:
    """Build a registered kernel; unknown names raise with the list of known ones."""
    if name not in REGISTRY:
        raise ValueError(f"unknown collision kernel {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](**params)
