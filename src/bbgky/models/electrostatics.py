r"""Periodic electrostatics in two dimensions: Ewald summation of the logarithmic kernel.

The polar-solvent model of the Promislow tutorial (§"Continuum Models from Polar Solvent:
Stockmeyer Model") puts charges in a periodic planar cell $\Omega$ of area $A$ (lattice vectors
the columns of ``cell``) and solves Poisson's equation $-\varepsilon_0\Delta\psi = \sigma$ with the
zero-mean periodic Green's function of the Laplacian (the tutorial prints $\varepsilon_0\Delta\psi
= q_N$; we use the usual sign, so that like charges repel),

$$ -\Delta G = \delta - 1/A, \qquad \int_\Omega G = 0, \qquad
   G(\mathbf r) = -\tfrac{1}{2\pi}\ln r + G_{\rm reg}(\mathbf r). $$

Subtracting the mean is the tin-foil (conducting) boundary: no depolarising field from the
sample's surface. The electrostatic energy of point charges $q_i$ at $\mathbf r_i$ is

$$ U = \frac{1}{2\varepsilon_0}\Big[\sum_{i\ne j} q_i q_j G(\mathbf r_i - \mathbf r_j)
      + \sum_i q_i^2 G_{\rm reg}(0)\Big], $$

each charge interacting with all the others and their images and with its own images
($G_{\rm reg}(0)$). For a neutral set the result does not depend on the unit of length in
$\ln r$.

**Ewald splitting** (parameter $\alpha$, inverse length). With $g(r) = E_1(\alpha^2 r^2)/4\pi$
(the 2D field of a point charge minus a Gaussian cloud; $E_1$ the exponential integral),

$$ G(\mathbf r) = \sum_{\mathbf n} g(|\mathbf r + \mathbf n|) - \frac{1}{4\alpha^2 A}
   + \frac1A \sum_{\mathbf k \ne 0} \frac{e^{-k^2/4\alpha^2}}{k^2}\cos(\mathbf k\cdot\mathbf r), $$

$\mathbf n = H\mathbf m$ the lattice, $\mathbf k = 2\pi H^{-T}\mathbf m$ its reciprocal lattice
(so sheared cells need nothing special). The constant removes the mean of the real-space sum
($\int_{\mathbb R^2} g = 1/4\alpha^2$). Near the origin
$g(r) = -\frac1{2\pi}\ln r - \frac{\gamma + 2\ln\alpha}{4\pi} + O(r^2)$, which gives the self term
of $G_{\rm reg}(0)$. Hence

$$ U = \frac1{2\varepsilon_0}\Big[\sum_{i,j}\sideset{}{'}\sum_{\mathbf n} q_iq_j
   g(|\mathbf r_{ij}+\mathbf n|) - \frac{\gamma + 2\ln\alpha}{4\pi}\sum_i q_i^2
   - \frac{(\sum_i q_i)^2}{4\alpha^2A} + \frac1A\sum_{\mathbf k\ne0}
   \frac{e^{-k^2/4\alpha^2}}{k^2}|S(\mathbf k)|^2\Big], \quad
   S(\mathbf k) = \sum_j q_j e^{i\mathbf k\cdot\mathbf r_j}, $$

the prime dropping $\mathbf n = 0$ for $i = j$. The result does not depend on $\alpha$ (tested to
1e-10), and on a rectangular torus equals the Jacobi-theta closed form (tests).

**Accuracy.** With $s^2 = \ln(1/\delta)$, the real-space cut-off $r_c = s/\alpha$ and the
reciprocal cut-off $k_c = 2\alpha s$ make both truncated tails of a pair kernel Gaussian-small:
real space $\sum_{|\mathbf r+\mathbf n|>r_c} g \approx e^{-s^2}/(4 \alpha^2 A s^2)$ and
reciprocal space $\frac1A\sum_{k>k_c} e^{-k^2/4\alpha^2}/k^2 \approx E_1(s^2)/4\pi \approx
e^{-s^2}/(4\pi s^2)$, both $\lesssim \delta/(4\pi s^2)$ in units where $q = 1$; the force
kernels have the same Gaussian factor. The relative force error measured against a
$\delta = 10^{-13}$ sum stays below $\delta$ (tests). Targets below ``MIN_ACCURACY`` (round-off of
float64 sums) or $\ge 1$ are refused, and so are targets whose reciprocal sum would need more than
``MAX_MODES`` wave vectors in the cell (a very elongated cell with the real-space cut-off held
below half its width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import ConfigError
from . import particle_mesh

EULER_GAMMA = 0.57721566490153286061
#: the smallest relative accuracy a float64 Ewald sum is asked for.
MIN_ACCURACY = 1e-13
#: the most reciprocal wave vectors (half space) a sum may use.
MAX_MODES = 200_000


#: series below, continued fraction above: both reach ~1e-14 relative in float64 there.
_E1_SWITCH = 2.5
_E1_SERIES_TERMS = 36
_E1_FRACTION_DEPTH = 40


@jax.custom_jvp
def exp1(x):
    """Exponential integral $E_1(x) = \\int_x^\\infty e^{-t}/t\\,dt$, $x > 0$, to ~1e-14 relative.

    $x < 2.5$: $E_1 = -\\gamma - \\ln x - \\sum_{k\\ge1}(-x)^k/(k\\,k!)$ (36 terms);
    $x \\ge 2.5$: the continued fraction $e^{-x}/(x + 1 - 1^2/(x + 3 - 2^2/(x + 5 - \\dots)))$
    (modified Lentz, 40 levels; Numerical Recipes §6.3). Written here because
    ``jax.scipy.special.exp1`` compiles and differentiates very slowly; the derivative
    $-e^{-x}/x$ is attached exactly.
    """
    xs = jnp.minimum(x, _E1_SWITCH)
    coef = [(-1.0) ** k / (k * math.factorial(k)) for k in range(1, _E1_SERIES_TERMS + 1)]
    poly = jnp.zeros_like(xs)
    for c in coef[::-1]:  # Horner: sum_k c_k x^k
        poly = (poly + c) * xs
    series = -EULER_GAMMA - jnp.log(xs) - poly

    xf = jnp.maximum(x, _E1_SWITCH)

    def level(i, carry):
        b, c, d, h = carry
        an = -(i * i).astype(xf.dtype)
        b = b + 2
        d = 1 / (an * d + b)
        c = b + an / c
        return b, c, d, h * c * d

    b0 = xf + 1
    _, _, _, h = jax.lax.fori_loop(1, _E1_FRACTION_DEPTH + 1, level,
                                   (b0, jnp.full_like(xf, 1e300), 1 / b0, 1 / b0))
    return jnp.where(x < _E1_SWITCH, series, h * jnp.exp(-xf))


@exp1.defjvp
def _exp1_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    return exp1(x), -jnp.exp(-x) / x * dx


def real_space_kernel(r2, alpha):
    """$g(r) = E_1(\\alpha^2 r^2)/4\\pi$ as a function of $r^2 > 0$."""
    return exp1(alpha**2 * r2) / (4 * np.pi)


def regular_real_space_kernel(r2, alpha):
    """$g(r) + \\frac{1}{2\\pi}\\ln r$, smooth through $r = 0$ (value
    $-(\\gamma + 2\\ln\\alpha)/4\\pi$ there); used for the pair inside one molecule."""
    u = alpha**2 * r2
    small = u < 1e-3
    us = jnp.where(small, 1e-3, u)
    series = -(EULER_GAMMA + jnp.log(alpha**2)) + u - u**2 / 4 + u**3 / 18
    exact = exp1(us) + jnp.log(jnp.where(small, 1.0, r2))
    return jnp.where(small, series, exact) / (4 * np.pi)


@jax.tree_util.register_pytree_node_class
@dataclass(frozen=True)
class EwaldParameters:
    """A splitting and its cut-offs for one cell and accuracy target.

    ``images``: the integer image range $|m_a| \\le$ images[a] of the real-space sums that do not
    use a neighbour list; ``modes``: the integer box $|m_a| \\le$ modes[a] that holds every
    reciprocal vector with $|\\mathbf k| \\le k_c$ (masked to the disc at run time, so the same box
    serves a cell that deforms without lengthening its lattice vectors). ``mesh``: None for the
    Ewald reciprocal sum, or ``((K1, K2), order)`` for its particle-mesh (SPME) evaluation
    (:mod:`.particle_mesh`).
    """

    alpha: float
    r_cut: float
    k_cut: float
    accuracy: float
    images: tuple[int, int]
    modes: tuple[int, int]
    mesh: tuple[tuple[int, int], int] | None = None

    def tree_flatten(self):
        # the floats are traced (one compilation serves every alpha); the integer ranges fix
        # array shapes and are static
        return (self.alpha, self.r_cut, self.k_cut), (self.accuracy, self.images, self.modes,
                                                       self.mesh)

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children, *aux)

    @property
    def n_modes(self) -> int:
        return ((2 * self.modes[0] + 1) * (2 * self.modes[1] + 1) - 1) // 2


def perpendicular_widths(cell) -> np.ndarray:
    """Distances between opposite edges of the cell (area over the other edge's length)."""
    H = np.asarray(cell, float)
    area = abs(np.linalg.det(H))
    return area / np.linalg.norm(H, axis=0)[::-1]


def ewald_parameters(cell, accuracy: float = 1e-12, *, alpha: float | None = None,
                     max_r_cut: float | None = None, key: str = "interaction.accuracy",
                     method: str = "ewald", sites: int | None = None,
                     mesh_accuracy: float | None = None, dipoles: bool = False
                     ) -> EwaldParameters:
    """Choose $\\alpha$, $r_c = s/\\alpha$ and $k_c = 2\\alpha s$ ($s^2 = \\ln 1/\\delta$).

    Default $\\alpha$: the real-space cut-off at half the smallest cell width (``max_r_cut``
    lowers it), which keeps the real-space sum to the nearest images. ``method = "pme"``: the
    reciprocal sum on the SPME grid that :func:`.particle_mesh.choose_mesh` picks for the same
    target (``mesh_accuracy``, default ``accuracy``; ``sites``: the number of charges, for its
    cost model; ``dipoles``: the sum is over point dipoles). Raises ``ConfigError``
    naming ``key`` for a target that cannot be met (see the module docstring).
    """
    if not (MIN_ACCURACY <= accuracy < 1):
        raise ConfigError([(key, f"Ewald accuracy {accuracy!r} outside [{MIN_ACCURACY:g}, 1) "
                          "(float64 round-off limits the sum)")])
    H = np.asarray(cell, float)
    widths = perpendicular_widths(H)
    s = math.sqrt(math.log(1 / accuracy))
    r_max = 0.5 * widths.min() if max_r_cut is None else min(max_r_cut, 0.5 * widths.min())
    if r_max <= 0:
        raise ConfigError([(key, "no room for a real-space cut-off in this cell")])
    if alpha is None:
        alpha = s / r_max
    r_cut, k_cut = s / alpha, 2 * alpha * s
    # |r + n| >= (|m_a| - 1/2) w_a for a minimum-image r: these images cover the cut-off
    images = tuple(math.ceil(r_cut / w + 0.5) for w in widths)
    lengths = np.linalg.norm(H, axis=0)
    modes = tuple(math.ceil(k_cut * L / (2 * np.pi)) for L in lengths)
    mesh = None
    if method == "pme":
        target = accuracy if mesh_accuracy is None else mesh_accuracy
        mesh = particle_mesh.choose_mesh(H, alpha, target, sites, dipoles)
        if mesh is None:
            raise ConfigError([(key, f"accuracy {target:g} needs a particle-mesh grid finer "
                                f"than {particle_mesh.MAX_GRID}² in this cell")])
    params = EwaldParameters(float(alpha), float(r_cut), float(k_cut), float(accuracy), images,
                             modes, mesh)
    if mesh is None and params.n_modes > MAX_MODES:
        raise ConfigError([(key, f"accuracy {accuracy:g} needs {params.n_modes} reciprocal vectors "
                          f"in this cell (at most {MAX_MODES}); relax the target or use a less "
                          "elongated cell")])
    return params


def integer_modes(modes: tuple[int, int]) -> np.ndarray:
    """Half of the nonzero integer vectors in the box $|m_a| \\le$ modes[a] (one of each ±m)."""
    m0, m1 = np.meshgrid(np.arange(-modes[0], modes[0] + 1), np.arange(-modes[1], modes[1] + 1),
                         indexing="ij")
    m = np.stack([m0.ravel(), m1.ravel()], axis=1)
    half = (m[:, 0] > 0) | ((m[:, 0] == 0) & (m[:, 1] > 0))
    return m[half]


def reciprocal_weights(cell, params: EwaldParameters):
    """Wave vectors ``k [K, 2]`` of the half space and weights $2e^{-k^2/4\\alpha^2}/(A k^2)$
    (zero beyond $k_c$): the reciprocal energy is $\\frac{1}{2\\varepsilon_0}\\sum w |S|^2$."""
    H = jnp.asarray(cell)
    area = jnp.abs(jnp.linalg.det(H))
    k = 2 * np.pi * jnp.asarray(integer_modes(params.modes), H.dtype) @ jnp.linalg.inv(H)
    k2 = jnp.sum(k**2, axis=1)
    w = 2 * jnp.exp(-k2 / (4 * params.alpha**2)) / (area * k2)
    return k, jnp.where(k2 <= params.k_cut**2, w, 0.0)


def structure_sums(positions, charges, cell, params: EwaldParameters, dipoles=None):
    """$\\sum_{\\mathbf k\\ne0,\\,k\\le k_c}\\frac{e^{-k^2/4\\alpha^2}}{Ak^2}
    |\\sum_j a_j e^{i\\mathbf k\\cdot\\mathbf r_j}|^2$ with $a_j = q_j$ (``charges``) or
    $a_j = \\mathbf k\\cdot\\mathbf p_j$ (``dipoles [M, 2]``).

    Separable in the reduced coordinates $\\mathbf s = H^{-1}\\mathbf r$ ($\\mathbf k\\cdot
    \\mathbf r = 2\\pi\\mathbf m\\cdot\\mathbf s$): $S(m_1, m_2) = \\sum_j a_j
    e^{2\\pi i m_1 s_{j1}}e^{2\\pi i m_2 s_{j2}}$ over the whole box of ``params.modes`` is one
    complex matrix product of two ``[M, 2M_a + 1]`` tables of phase factors — O(M(M_1 + M_2))
    exponentials instead of O(M K) sines and cosines. With ``params.mesh`` the same sum by
    particle mesh (:func:`.particle_mesh.mesh_structure_sums`)."""
    if params.mesh is not None:
        return particle_mesh.mesh_structure_sums(positions, charges, cell, params.alpha,
                                                 *params.mesh, dipoles=dipoles)
    H = jnp.asarray(cell)
    Hinv = jnp.linalg.inv(H)
    area = jnp.abs(jnp.linalg.det(H))
    m1 = jnp.arange(-params.modes[0], params.modes[0] + 1, dtype=H.dtype)
    m2 = jnp.arange(-params.modes[1], params.modes[1] + 1, dtype=H.dtype)
    s = positions @ Hinv.T
    E1 = jnp.exp(2j * np.pi * s[:, :1] * m1[None, :])  # [M, n1]
    E2 = jnp.exp(2j * np.pi * s[:, 1:] * m2[None, :])  # [M, n2]
    mm = jnp.stack(jnp.meshgrid(m1, m2, indexing="ij"), axis=-1)  # [n1, n2, 2]
    k = 2 * np.pi * mm @ Hinv
    k2 = jnp.sum(k**2, axis=-1)
    inside = (k2 > 0) & (k2 <= params.k_cut**2)
    safe = jnp.where(inside, k2, 1.0)
    w = jnp.where(inside, jnp.exp(-safe / (4 * params.alpha**2)) / (area * safe), 0.0)
    if dipoles is None:
        S = E1.T @ (charges[:, None] * E2)
    else:  # k·p_j = 2π m·(H⁻¹ p_j)
        P = dipoles @ Hinv.T
        S = 2 * np.pi * (m1[:, None] * (E1.T @ (P[:, :1] * E2))
                         + m2[None, :] * (E1.T @ (P[:, 1:] * E2)))
    return jnp.sum(w * (S.real**2 + S.imag**2))


def reciprocal_energy(positions, charges, cell, params: EwaldParameters, permittivity=1.0):
    """$\\frac{1}{2\\varepsilon_0 A}\\sum_{\\mathbf k\\ne0} e^{-k^2/4\\alpha^2}|S(\\mathbf k)|^2/k^2$."""
    return structure_sums(positions, charges, cell, params) / (2 * permittivity)


def image_shifts(cell, images: tuple[int, int]):
    """Lattice translations $H\\mathbf m$, $|m_a| \\le$ images[a], the zero shift first."""
    m0, m1 = np.meshgrid(np.arange(-images[0], images[0] + 1),
                         np.arange(-images[1], images[1] + 1), indexing="ij")
    m = np.stack([m0.ravel(), m1.ravel()], axis=1)
    m = m[np.argsort(np.abs(m).sum(axis=1), kind="stable")]
    return jnp.asarray(m, jnp.asarray(cell).dtype) @ jnp.asarray(cell).T


def minimum_image(dr, cell):
    """Displacements ``dr [..., 2]`` wrapped to the cell's minimum image in reduced coordinates."""
    H = jnp.asarray(cell)
    s = dr @ jnp.linalg.inv(H).T
    return (s - jnp.round(s)) @ H.T


def self_energy(charges, cell, params: EwaldParameters, permittivity=1.0):
    """Point-self and background terms:
    $-\\frac{1}{2\\varepsilon_0}[\\frac{\\gamma + 2\\ln\\alpha}{4\\pi}\\sum q_i^2
    + \\frac{(\\sum q_i)^2}{4\\alpha^2 A}]$."""
    area = jnp.abs(jnp.linalg.det(jnp.asarray(cell)))
    point = (EULER_GAMMA + 2 * jnp.log(params.alpha)) / (4 * np.pi) * jnp.sum(charges**2)
    background = jnp.sum(charges) ** 2 / (4 * params.alpha**2 * area)
    return -(point + background) / (2 * permittivity)


def real_space_energy(positions, charges, cell, params: EwaldParameters, permittivity=1.0):
    """$\\frac{1}{2\\varepsilon_0}\\sum_{i,j}\\sum'_{\\mathbf n} q_iq_j g(|\\mathbf r_{ij}+\\mathbf n|)$,
    all pairs over the image range of ``params`` (for small and moderate sets of charges)."""
    shifts = image_shifts(cell, params.images)
    dr = minimum_image(positions[:, None, :] - positions[None, :, :], cell)
    r2 = jnp.sum((dr[None] + shifts[:, None, None, :]) ** 2, axis=-1)  # [S, N, N]
    n = positions.shape[0]
    same = (jnp.arange(len(shifts)) == 0)[:, None, None] & jnp.eye(n, dtype=bool)[None]
    inside = (r2 < params.r_cut**2) & ~same
    g = real_space_kernel(jnp.where(inside, r2, 1.0), params.alpha)
    qq = charges[:, None] * charges[None, :]
    return jnp.sum(jnp.where(inside, g, 0.0) * qq) / (2 * permittivity)


@jax.jit
def ewald_sum(positions, charges, cell, params: EwaldParameters, permittivity):
    """Real-space, reciprocal and self terms for given parameters (jitted; one compilation per
    number of charges and per image/mode ranges)."""
    return (real_space_energy(positions, charges, cell, params, permittivity)
            + reciprocal_energy(positions, charges, cell, params, permittivity)
            + self_energy(charges, cell, params, permittivity))


def ewald_energy_2d(positions, charges, cell, permittivity=1.0, *, accuracy: float = 1e-12,
                    alpha: float | None = None):
    """Electrostatic energy of point charges in a periodic 2D cell (module docstring):
    $U = \\frac{1}{2\\varepsilon_0}\\sum_i\\sum_j q_iq_jG(\\mathbf r_i - \\mathbf r_j)$, the $i = j$
    terms by the regular part $G_{\\rm reg}(0)$.

    ``positions [N, 2]``, ``charges [N]``, ``cell [2, 2]`` (columns = lattice vectors). All pairs
    (O(N²)); differentiable in the positions. The splitting is chosen from the numerical
    ``cell`` (so the cell is not traced).
    """
    params = ewald_parameters(np.asarray(cell), accuracy, alpha=alpha)
    positions = jnp.asarray(positions)
    charges = jnp.asarray(charges, positions.dtype)
    return ewald_sum(positions, charges, jnp.asarray(cell, positions.dtype), params,
                         permittivity)


def theta_green_function(z, Lx: float, Ly: float):
    """Independent route on a rectangular torus (mpmath): the zero-mean Green's function

    $$ G(x + iy) = -\\frac{1}{2\\pi}\\ln|\\vartheta_1(\\pi z/L_x, q)| + \\frac{y^2}{2A} + c,
       \\quad q = e^{-\\pi L_y/L_x}, \\quad
       c = \\frac{1}{2\\pi}\\sum_{n\\ge1}\\ln(1 - q^{2n}) - \\frac{L_y}{24 L_x}, $$

    $y$ taken in $[-L_y/2, L_y/2]$. Derivation of $c$: with the product
    $\\vartheta_1(u) = 2q^{1/4}\\sin u\\prod_n(1-q^{2n})(1 - 2q^{2n}\\cos 2u + q^{4n})$, the mean
    over $x$ of $\\ln|\\vartheta_1|$ is $\\frac14\\ln q + \\sum_n\\ln(1-q^{2n}) + \\pi|y|/L_x$ (the
    product factors average to zero, $\\ln|\\sin u|$ to $\\pi|y|/L_x - \\ln 2$); averaging over $y$
    ($\\langle|y|\\rangle = L_y/4$, $\\langle y^2\\rangle = L_y^2/12$) and asking for zero mean gives
    $c$. Returns a float; ``z = 0`` returns the regular part $G_{\\rm reg}(0)$ (through
    $\\vartheta_1'(0)$).
    """
    import mpmath

    q = mpmath.exp(-mpmath.pi * Ly / Lx)
    c = mpmath.log(mpmath.qp(q**2)) / (2 * mpmath.pi) - mpmath.mpf(Ly) / (24 * Lx)
    z = complex(z)
    x = z.real - Lx * math.floor(z.real / Lx + 0.5)
    y = z.imag - Ly * math.floor(z.imag / Ly + 0.5)
    if x == 0 and y == 0:
        d1 = mpmath.jtheta(1, 0, q, 1)
        return float(-mpmath.log(d1 * mpmath.pi / Lx) / (2 * mpmath.pi) + c)
    u = mpmath.pi * mpmath.mpc(x, y) / Lx
    val = -mpmath.log(abs(mpmath.jtheta(1, u, q))) / (2 * mpmath.pi) + y**2 / (2 * Lx * Ly) + c
    return float(val)
