r"""Collision kernels of the Boltzmann operator (REFERENCE.md convention), in a registry.

The operator is, in 3D,

$$Q(f,f)(v) = \int_{\mathbb R^3}\int_{S^2} B(|g|, \cos\theta)\,[f(v')f(v_*') - f(v)f(v_*)]\,
d\sigma\,dv_*,\qquad g = v - v_*,\ \cos\theta = \hat g\cdot\sigma,$$

with $v' = (v+v_*)/2 + |g|\sigma/2$, $v_*' = (v+v_*)/2 - |g|\sigma/2$, no factor 1/2 and no
Knudsen number. Every kernel here has the power-law form $B = |g|^{\gamma}\,b(\cos\theta)$
(Maxwell molecules γ = 0, hard spheres γ = 1, VHS γ = 2 − 2ω), which the solvers use to rescale
the velocity variable with the temperature.

Each kernel knows

* ``total_rate(g)`` $= \Sigma(g) = \int_{S^2} B(g,\cos\theta)\,d\sigma$ — a pair's collision rate per
  unit number density (a particle's collision frequency is $n\langle\Sigma(|v-v_*|)\rangle$);
* ``angular_moment`` Λ $= \int_{S^2} b(\cos\theta)\sin^2\theta\,d\sigma$ (2/3 for b = 1/(4π));
* ``viscosity(θ)`` — the Chapman–Enskog shear viscosity (exact for Maxwell molecules,
  $\mu = p/\nu = 4\theta/(3\Lambda)$; hard spheres with the converged factor 1.016034; VHS in the
  first Sonine approximation, $\mu_1 = 5\theta / (8\,\Omega^{(2,2)})$);
* for Maxwell molecules the relaxation rate of the traceless second moment,
  ν = (3/4) n Λ (``stress_relaxation_rate(n)``).

``from_potential`` (kernel from the classical deflection angle of a pair potential) is not yet
registered: it needs the scattering integrals of :mod:`bbgky.hydro.scattering`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.polynomial import legendre as _leg

#: Chapman–Enskog correction of the first Sonine viscosity of hard spheres (REFERENCE.md).
HARD_SPHERE_VISCOSITY_FACTOR = 1.016034


@dataclass(frozen=True)
class Kernel:
    r"""A collision kernel $B(|g|,\cos\theta) = C\,|g|^{\gamma}\,\beta(\cos\theta)$.

    ``angular`` holds the polynomial coefficients of $\beta(x) = \sum_k a_k x^k$ (ascending
    powers); ``strength`` is the constant C. ``isotropic`` is True when β is constant (isotropic
    scattering in the centre-of-mass frame), which the spectral method needs.
    """

    name: str
    gamma: float
    strength: float
    angular: tuple[float, ...] = (1.0,)
    parameters: dict[str, float] = field(default_factory=dict)
    viscosity_note: str = ""

    # ---- the kernel itself -------------------------------------------------------------------
    @property
    def isotropic(self) -> bool:
        return all(c == 0.0 for c in self.angular[1:])

    def b(self, x: np.ndarray | float) -> np.ndarray:
        """Angular part C β(cos θ), so that B = |g|^γ b(cos θ)."""
        return self.strength * np.polynomial.polynomial.polyval(np.asarray(x, float), self.angular)

    def __call__(self, g: np.ndarray | float, cos_theta: np.ndarray | float) -> np.ndarray:
        """B(|g|, cos θ)."""
        return np.abs(np.asarray(g, float)) ** self.gamma * self.b(cos_theta)

    def radial(self, g):
        """|g|^γ (works on NumPy and JAX arrays)."""
        return abs(g) ** self.gamma if self.gamma != 0 else g * 0 + 1.0

    # ---- integrals ---------------------------------------------------------------------------
    def _angular_integral(self, weight: Callable[[np.ndarray], np.ndarray]) -> float:
        x, w = _leg.leggauss(64)  # exact for the polynomial β times polynomial weights used here
        return float(2 * math.pi * np.sum(w * self.b(x) * weight(x)))

    @property
    def sphere_integral(self) -> float:
        """∫_{S²} b(cos θ) dσ: the total rate is Σ(g) = |g|^γ × this."""
        return self._angular_integral(lambda x: np.ones_like(x))

    @property
    def angular_moment(self) -> float:
        """Λ = ∫_{S²} b(cos θ) sin²θ dσ."""
        return self._angular_integral(lambda x: 1 - x**2)

    def total_rate(self, g):
        """Σ(g) = ∫_{S²} B(g, cos θ) dσ: collision rate of a pair per unit number density."""
        return self.radial(g) * self.sphere_integral

    def stress_relaxation_rate(self, density: float) -> float:
        """Maxwell molecules: ν = (3/4) n Λ, the decay rate of the traceless second moment."""
        if self.gamma != 0:
            raise ValueError(f"{self.name}: the stress relaxation rate is a constant only for "
                             "Maxwell molecules (γ = 0)")
        return 0.75 * density * self.angular_moment

    def viscosity_cross_section(self, g: float) -> float:
        """σ_μ(g) = ∫ B/|g| sin²θ dσ, i.e. Chapman–Cowling Q^(2)(g) (one-sided convention)."""
        return float(self.radial(g) * self.angular_moment / g)

    def viscosity(self, theta: float | np.ndarray) -> np.ndarray:
        r"""Chapman–Enskog shear viscosity μ(θ) (m = k_B = 1).

        First Sonine approximation for a power-law kernel:
        $\mu_1 = 5\theta/(8\,\Omega^{(2,2)})$ with
        $\Omega^{(2,2)} = \sqrt{\theta/\pi}\int_0^\infty e^{-y^2} y^7\,Q^{(2)}(2\sqrt\theta\,y)\,dy$
        and $Q^{(2)}(g) = \Lambda\,|g|^{\gamma-1}$, i.e.
        $\Omega^{(2,2)} = \sqrt{\theta/\pi}\,\Lambda\,(2\sqrt\theta)^{\gamma-1}\,\Gamma((7+\gamma)/2)/2$.
        Exact for Maxwell molecules (4θ/(3Λ)); hard spheres are multiplied by 1.016034.
        """
        theta = np.asarray(theta, float)
        lam = self.angular_moment
        omega22 = np.sqrt(theta / math.pi) * lam * (2 * np.sqrt(theta)) ** (self.gamma - 1) \
            * math.gamma((7 + self.gamma) / 2) / 2
        mu1 = 5 * theta / (8 * omega22)
        if self.name == "hard_sphere":
            return HARD_SPHERE_VISCOSITY_FACTOR * mu1
        return mu1

    def bgk_frequency(self, density: float, theta: float) -> float:
        """BGK collision frequency matched to this kernel's viscosity: ν = p/μ(θ) = nθ/μ(θ)."""
        return float(density * theta / self.viscosity(theta))

    # ---- sampling of the scattering angle ----------------------------------------------------
    def cos_theta_table(self, n: int = 2049) -> np.ndarray:
        """Inverse CDF of cos θ under the normalised angular density ∝ β(x) on [−1, 1]:
        ``table[k]`` = x with CDF(x) = k/(n−1). Uniform (isotropic) → linear table."""
        if self.isotropic:
            return np.linspace(-1.0, 1.0, n)
        x = np.linspace(-1.0, 1.0, 20001)
        pdf = np.polynomial.polynomial.polyval(x, self.angular)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(x))])
        cdf /= cdf[-1]
        return np.interp(np.linspace(0, 1, n), cdf, x)

    def citation(self) -> str:
        return KERNEL_CITATIONS.get(self.name, "")


KERNEL_CITATIONS = {
    "maxwell": "J. C. Maxwell, Phil. Trans. R. Soc. 157 (1867) 49; C. Truesdell, R. G. Muncaster, "
               "Fundamentals of Maxwell's kinetic theory of a simple monatomic gas (1980).",
    "hard_sphere": "S. Chapman, T. G. Cowling, The mathematical theory of non-uniform gases (1970).",
    "vhs": "G. A. Bird, Molecular gas dynamics and the direct simulation of gas flows (1994), §2.6.",
}


def maxwell(angular: Sequence[float] = (1.0,), strength: float | None = None) -> Kernel:
    """Maxwell molecules B = b(cos θ) with b(x) = strength · Σ_k angular[k] x^k.

    Default: isotropic b = 1/(4π) (a particle's collision frequency is then the number density n).
    ``angular`` must give β ≥ 0 on [−1, 1]; the strength defaults to 1/(4π).
    """
    coeffs = tuple(float(c) for c in angular)
    x = np.linspace(-1, 1, 2001)
    if np.any(np.polynomial.polynomial.polyval(x, coeffs) < -1e-14) or not any(coeffs):
        raise ValueError("maxwell: the angular polynomial b(cos θ) must be ≥ 0 on [−1, 1] and not 0")
    c = 1.0 / (4 * math.pi) if strength is None else float(strength)
    if c <= 0:
        raise ValueError("maxwell: strength must be > 0")
    return Kernel("maxwell", 0.0, c, coeffs, {"strength": c},
                  "exact: μ = p/ν = 4θ/(3Λ)")


def hard_sphere(sigma: float = 1.0) -> Kernel:
    """Hard spheres of diameter σ: B = (σ²/4)|g| (total cross-section πσ²)."""
    if not sigma > 0:
        raise ValueError(f"hard_sphere: diameter sigma must be > 0 (got {sigma})")
    return Kernel("hard_sphere", 1.0, sigma**2 / 4, (1.0,), {"sigma": float(sigma)},
                  "Chapman–Enskog, converged: 1.016034 × first Sonine")


def vhs(sigma: float = 1.0, omega: float = 0.75, reference_speed: float = 1.0) -> Kernel:
    r"""Variable hard spheres (Bird): diameter $d(g) = \sigma (g_{ref}/g)^{\omega - 1/2}$, isotropic
    scattering, so $B = (\sigma^2/4)\,g_{ref}^{2\omega-1}\,|g|^{2-2\omega}$ and μ ∝ θ^ω.
    ω = 1/2 is hard spheres, ω = 1 Maxwell molecules."""
    if not sigma > 0:
        raise ValueError(f"vhs: sigma must be > 0 (got {sigma})")
    if not 0.5 <= omega <= 1.0:
        raise ValueError(f"vhs: omega must be in [0.5, 1] (got {omega})")
    if not reference_speed > 0:
        raise ValueError(f"vhs: reference_speed must be > 0 (got {reference_speed})")
    c = sigma**2 / 4 * reference_speed ** (2 * omega - 1)
    return Kernel("vhs", 2 - 2 * omega, c, (1.0,),
                  {"sigma": float(sigma), "omega": float(omega), "reference_speed": float(reference_speed)},
                  "first Sonine approximation")


#: name -> factory. ``from_potential`` is pending (needs bbgky.hydro.scattering).
REGISTRY: dict[str, Callable[..., Kernel]] = {
    "maxwell": maxwell,
    "hard_sphere": hard_sphere,
    "vhs": vhs,
}


def make_kernel(name: str, **params) -> Kernel:
    """Build a registered kernel; unknown names raise with the list of known ones."""
    if name not in REGISTRY:
        raise ValueError(f"unknown collision kernel {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](**params)
