r"""Smooth particle-mesh Ewald (SPME) for the 2D logarithmic kernel: the reciprocal sum of
:mod:`.electrostatics` on an FFT grid.

Essmann, Perera, Berkowitz, Darden, Lee & Pedersen, "A smooth particle mesh Ewald method",
J. Chem. Phys. 103, 8577 (1995), in two dimensions. Reduced coordinates
$\mathbf s = H^{-1}\mathbf r$ (any, possibly sheared, cell), a $K_1\times K_2$ grid, grid
coordinates $u_a = K_a s_a$, the cardinal B-spline $M_n$ of even order $n$ (support $[0, n]$):

$$ Q(\mathbf g) = \sum_j a_j \sum_{\mathbf l} M_n(u_{j1} - g_1 - l_1K_1)\,
   M_n(u_{j2} - g_2 - l_2K_2), \qquad
   e^{2\pi i m u/K} \approx b(m)\sum_g M_n(u - g)e^{2\pi i m g/K}, $$
$$ |b(m)|^2 = \Big|\sum_{k=0}^{n-2} M_n(k+1)e^{2\pi i m k/K}\Big|^{-2}, $$

so that the structure factor is $S(\mathbf m) \approx b_1(m_1)b_2(m_2)\hat Q(\mathbf m)$ and the
reciprocal energy (the $\frac{1}{2\varepsilon_0 A}\sum_{\mathbf k\ne0}e^{-k^2/4\alpha^2}|S|^2/k^2$
of :mod:`.electrostatics`, $\mathbf k = 2\pi H^{-T}\mathbf m$) becomes

$$ E_{\rm rec} = \frac{1}{2\varepsilon_0}\sum_{\mathbf m\ne0}
   \frac{|b_1(m_1)b_2(m_2)|^2 e^{-k^2/4\alpha^2}}{A k^2}|\hat Q(\mathbf m)|^2 $$

over the grid's modes $-K_a/2 \le m_a < K_a/2$ (the $|b|^2$ factor deconvolves the assignment).
Point dipoles (amplitude $\mathbf k\cdot\mathbf p_j$) are assigned with the derivative of the
spline, $Q_{\rm d} = \sum_j \mathbf p_j\cdot\nabla_{\mathbf x_j} Q$ (a Jacobian–vector product),
since $(\mathbf k\cdot\mathbf p)e^{i\mathbf k\cdot\mathbf x} = -i\,\mathbf p\cdot\nabla
e^{i\mathbf k\cdot\mathbf x}$. $E_{\rm rec}$ is a smooth function of the positions ($M_n$ is
$C^{n-2}$), so forces, torques and the virial are its automatic derivatives (energy-conserving
SPME; the spurious self-force of the assignment is part of the error below).

**Error and the choice of the grid.** By Poisson summation the assigned phase factor for
frequency $\xi = m/K$ carries the aliases $l \ne 0$ with relative amplitudes
$r_l = (\xi/(\xi + l))^n$ ($n$ even):
$b\sum_g M_n(u - g)e^{2\pi i m g/K} = e^{2\pi i m u/K}(1 + \sum_{l\ne0} r_le^{2\pi i l u})
/(1 + \sum_{l\ne 0} r_l)$, a relative error of mean square
$\epsilon^2(\xi) = [\sum r_l^2 + (\sum r_l)^2]/(1 + \sum r_l)^2$ over the particle's position; in 2D
$\epsilon^2 = \epsilon^2(\xi_1) + \epsilon^2(\xi_2)$; a $d$-th derivative of the
interpolant carries $r_l((\xi + l)/\xi)^d$. Both the assignment (through $S$) and the
back-interpolation (the force on each particle) carry it, with random phases for uncorrelated
particles, so the relative RMS error of the reciprocal force is estimated as

$$ R^2 = \frac{2\sum_{\mathbf m}w_{\mathbf m}^2k^2\,\epsilon^2_{\mathbf m}}
              {\sum_{\mathbf m}w_{\mathbf m}^2k^2}, \qquad w = e^{-k^2/4\alpha^2}/k^2, $$

with $\epsilon = 1$ for modes the grid does not hold; the assignment error is that of the
value (charges) or the gradient (dipoles), the interpolation one derivative higher.
:func:`choose_mesh` takes the cheapest (order, grid) with $R$ below a target (the dipolar model
asks a fraction of its accuracy δ, :data:`bbgky.models.dipolar.MESH_ERROR_FRACTION`); the
relative errors of the molecules' forces and torques against the Ewald sum are measured in the
tests and ``bench/dipolar.py``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

#: B-spline orders tried by :func:`choose_mesh` (even: $|b(m)|^2$ is finite at $m = K/2$).
ORDERS = (4, 6, 8)
#: the largest grid side :func:`choose_mesh` will use.
MAX_GRID = 8192


def bspline_weights(frac, order: int):
    """``[..., order]``: $M_n(f + j)$, $j = 0 \\dots n-1$, for fractional parts $f \\in [0, 1)$ —
    the weights of grid points $\\lfloor u\\rfloor - j$. Recursion
    $M_k(u) = [u M_{k-1}(u) + (k - u)M_{k-1}(u - 1)]/(k - 1)$ from $M_2$ (Essmann et al. eq. 4.1)."""
    w = [frac, 1 - frac]  # M_2(f), M_2(f + 1)
    for k in range(3, order + 1):
        new = []
        for j in range(k):
            u = frac + j
            left = w[j] if j < k - 1 else 0.0
            right = w[j - 1] if j >= 1 else 0.0
            new.append((u * left + (k - u) * right) / (k - 1))
        w = new
    return jnp.stack(w, axis=-1)


def _cardinal_values(order: int) -> np.ndarray:
    """$M_n(k + 1)$, $k = 0 \\dots n-2$ (the interior knots)."""
    with jax.ensure_compile_time_eval():  # constants, also when called under jit
        return np.asarray(bspline_weights(jnp.zeros(()), order))[1:]


def deconvolution(grid: int, order: int) -> np.ndarray:
    """$|b(m)|^2$ for $m$ in FFT order (``numpy.fft.fftfreq(grid) * grid``)."""
    m = np.fft.fftfreq(grid) * grid
    k = np.arange(order - 1)
    den = np.abs(np.exp(2j * np.pi * np.outer(m, k) / grid) @ _cardinal_values(order)) ** 2
    return 1.0 / den


def spread(positions, amplitudes, cell, grid: tuple[int, int], order: int):
    """The grid ``Q [K1, K2]`` of the module doc (periodic; any positions)."""
    s = positions @ jnp.linalg.inv(cell).T
    out = jnp.zeros(grid, positions.dtype)
    idx, wts = [], []
    for a in range(2):
        u = grid[a] * s[:, a]
        base = jnp.floor(u)
        wts.append(bspline_weights(u - base, order))  # [M, n]
        idx.append((base.astype(jnp.int32)[:, None] - jnp.arange(order)) % grid[a])
    w = amplitudes[:, None, None] * wts[0][:, :, None] * wts[1][:, None, :]
    return out.at[idx[0][:, :, None], idx[1][:, None, :]].add(w)


def influence(cell, alpha, grid: tuple[int, int], order: int):
    """$|b_1b_2|^2 e^{-k^2/4\\alpha^2}/(Ak^2)$ on the half grid of ``rfft2`` (zero at m = 0),
    doubled for the modes whose partner $-\\mathbf m$ the half grid omits."""
    H = jnp.asarray(cell)
    Hinv = jnp.linalg.inv(H)
    area = jnp.abs(jnp.linalg.det(H))
    m1 = np.fft.fftfreq(grid[0]) * grid[0]
    m2 = np.arange(grid[1] // 2 + 1)
    mm = jnp.asarray(np.stack(np.meshgrid(m1, m2, indexing="ij"), axis=-1), H.dtype)
    k = 2 * np.pi * mm @ Hinv
    k2 = jnp.sum(k**2, axis=-1)
    nonzero = k2 > 0
    safe = jnp.where(nonzero, k2, 1.0)
    b2 = np.outer(deconvolution(grid[0], order), deconvolution(grid[1], order)[: len(m2)])
    twice = np.where((m2 == 0) | (2 * m2 == grid[1]), 1.0, 2.0)
    return jnp.where(nonzero, jnp.exp(-safe / (4 * alpha**2)) / (area * safe), 0.0) * (b2 * twice)


def mesh_structure_sums(positions, charges, cell, alpha, grid: tuple[int, int], order: int,
                        dipoles=None):
    """$\\sum_{\\mathbf m\\ne0}\\frac{e^{-k^2/4\\alpha^2}}{Ak^2}|S(\\mathbf m)|^2$ by SPME, $S$ of
    the charges $q_j$ or (``dipoles [M, 2]``) of the amplitudes $\\mathbf k\\cdot\\mathbf p_j$:
    the particle-mesh counterpart of :func:`.electrostatics.structure_sums`."""
    H = jnp.asarray(cell)
    if dipoles is None:
        Q = spread(positions, charges, H, grid, order)
    else:
        ones = jnp.ones(positions.shape[0], positions.dtype)
        Q = jax.jvp(lambda y: spread(y, ones, H, grid, order), (positions,), (dipoles,))[1]
    F = jnp.fft.rfft2(Q)
    return jnp.sum(influence(H, alpha, grid, order) * (F.real**2 + F.imag**2))


# ------------------------------------------------------------------ the choice of the grid
def aliasing_error2(xi, order: int, derivative: int = 0, aliases: int = 4) -> np.ndarray:
    """$\\epsilon^2(\\xi)$ of the module doc for frequencies $|\\xi| \\le 1/2$; ``derivative``
    $d$: of the interpolated $d$-th derivative, whose aliases carry $r_l((\\xi + l)/\\xi)^d$."""
    xi = np.asarray(xi, float)[..., None]
    lvals = np.array([lv for lv in range(-aliases, aliases + 1) if lv != 0], float)
    safe = np.where(xi == 0, 0.25, xi)  # no alias l makes 0.25 + l vanish
    r = np.where(xi == 0, 0.0, (safe / (safe + lvals)) ** order)
    total = r.sum(axis=-1)
    seen = r * ((safe + lvals) / safe) ** derivative
    return ((seen**2).sum(axis=-1) + total**2) / (1 + total) ** 2


def _weight_marginals(cell, alpha: float):
    """The weights $w^2k^2$ of the module doc summed over the other index: ``[(m, W_a(m))]`` per
    axis, and their total (every mode with weight above 1e-34 of the largest)."""
    H = np.asarray(cell, float)
    lengths = np.linalg.norm(H, axis=0)
    k_max = 2 * alpha * math.sqrt(math.log(1e17))
    span = [math.ceil(k_max * L / (2 * np.pi)) for L in lengths]
    m1, m2 = np.meshgrid(np.arange(-span[0], span[0] + 1), np.arange(-span[1], span[1] + 1),
                         indexing="ij")
    k = 2 * np.pi * np.stack([m1, m2], axis=-1) @ np.linalg.inv(H)
    k2 = np.sum(k**2, axis=-1)
    k2[k2 == 0] = np.inf
    weight = np.exp(-k2 / (2 * alpha**2)) / k2
    return [(m1[:, 0], weight.sum(axis=1)), (m2[0], weight.sum(axis=0))], weight.sum()


def _axis_error2(m, grid: int, order: int, dipoles: bool) -> np.ndarray:
    """$\\epsilon^2$ of the assignment and of the force interpolation along one axis (2 for modes
    the grid lacks): value and gradient of the spline for charges, gradient and Hessian for
    point dipoles."""
    held = 2 * np.abs(m) <= grid - 1
    xi = np.where(held, m / grid, 0.0)
    eps2 = aliasing_error2(xi, order, int(dipoles)) + aliasing_error2(xi, order, int(dipoles) + 1)
    return np.where(held, eps2, 2.0)


def force_error_estimate(cell, alpha: float, grid: tuple[int, int], order: int,
                         marginals=None, dipoles: bool = False) -> float:
    """$R$ of the module doc: estimated relative RMS error of the SPME reciprocal force, the sum
    over modes of $w^2k^2(\\epsilon^2_1 + \\epsilon^2_2)$ taken through the marginals of $w^2k^2$
    (``marginals``: :func:`_weight_marginals`, reused across grids)."""
    axes, total = marginals or _weight_marginals(cell, alpha)
    err = sum(np.sum(W * _axis_error2(m, g, order, dipoles))
              for (m, W), g in zip(axes, grid, strict=True))
    return float(math.sqrt(err / total))


def fft_sizes(lo: int, hi: int) -> list[int]:
    """The numbers $2^a3^b5^c$ in $[lo, hi]$, ascending (fast FFT lengths)."""
    out = [p2 * p3 * p5 for p2 in (2**a for a in range(14)) for p3 in (3**b for b in range(9))
           for p5 in (5**c for c in range(6))]
    return sorted(n for n in out if lo <= n <= hi)


def _grid_for(cell, alpha, accuracy, order, dipoles):
    """The smallest grid (FFT-friendly sides, about the same spacing along both lattice vectors)
    with $R \\le$ ``accuracy``, or None (bisection: R falls as the grid grows)."""
    lengths = np.linalg.norm(np.asarray(cell, float), axis=0)
    longest = int(np.argmax(lengths))
    sides = fft_sizes(order, MAX_GRID)
    marginals = _weight_marginals(cell, alpha)

    def grid_of(n):
        h = lengths[longest] / n
        return tuple(n if a == longest else
                     next((s for s in sides if s >= lengths[a] / h), sides[-1]) for a in range(2))

    if force_error_estimate(cell, alpha, grid_of(sides[-1]), order, marginals, dipoles) > accuracy:
        return None
    lo, hi = 0, len(sides) - 1  # sides[hi] meets the target
    while lo < hi:
        mid = (lo + hi) // 2
        if force_error_estimate(cell, alpha, grid_of(sides[mid]), order, marginals, dipoles) <= accuracy:
            hi = mid
        else:
            lo = mid + 1
    return grid_of(sides[hi])


def choose_mesh(cell, alpha: float, accuracy: float, sites: int | None = None,
                dipoles: bool = False):
    """``(grid, order)``: the cheapest SPME grid meeting the accuracy (module doc); cost model
    ``sites·n²`` (assignment and interpolation, ``sites`` charges, default one per unit area)
    plus ``K1K2 log2(K1K2)`` (FFT); ``dipoles``: for point dipoles (the estimate one derivative
    up). None when no grid up to :data:`MAX_GRID` meets it."""
    area = abs(np.linalg.det(np.asarray(cell, float)))
    sites = area if sites is None else sites
    best = None
    for order in ORDERS:
        grid = _grid_for(cell, alpha, accuracy, order, dipoles)
        if grid is None:
            continue
        size = grid[0] * grid[1]
        cost = 4 * sites * order**2 + size * math.log2(size)
        if best is None or cost < best[0]:
            best = (cost, grid, order)
    return None if best is None else best[1:]
