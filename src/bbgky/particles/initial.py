r"""Initial states of the particle level.

``maxwellian`` (the default), as LAMMPS users prepare a fluid:

1. **Lattice start, no overlaps.** In 3D with $N = 4n^3$ an fcc lattice of $n^3$ cubic unit cells
   fills the cubic cell of side $\ell = (N/\rho_0)^{1/3}$; otherwise a simple cubic (square, or
   equally spaced in 1D) lattice of $m = \lceil N^{1/d}\rceil$ sites per side is filled with the
   first N sites in row-major order. Sites are shifted by half a spacing from the cell faces.
2. **Equilibration at $\theta_0$** for ``initial.equilibration`` time units with **no flow**
   (A = 0, same potential and time step): velocities start Maxwellian and are rescaled to exactly
   $\theta_0$ after every step (isokinetic rescaling), so the lattice melts (or the gas spreads)
   at the target temperature. Skipped when ``equilibration = 0``.
3. **Fresh Maxwellian peculiar velocities.** $w_i \sim \mathcal N(0, \theta_0 I)$, the mean is
   removed (zero total momentum), and $w$ is rescaled so that the temperature is exactly
   $\theta_0$ in the convention of the level, $\theta = \sum_i|w_i|^2 / (d(N-1))$.
   The lab velocities at $t = 0$ are $v = w + L(0)x = w + Ax$.

Random numbers: replica r of ``[ensemble] replicas`` uses the key ``fold_in(PRNGKey(seed), r)``
(one system: r = 0); the equilibration velocities use ``fold_in(key, 1)``, the final Maxwellian
``fold_in(key, 2)`` and, for rotating particles, :func:`rotor_state` ``fold_in(key, 3)``. The
replicas of an ensemble start from the same lattice and are equilibrated together (vmapped).

**Rotating particles** (``System.inertia`` $I > 0$): angles uniform on $[0, 2\pi)$ (or all equal,
``[initial] angles = "aligned"``), angular
velocities $\omega_i \sim \mathcal N(0, \theta_0/I)$ rescaled so that the rotational temperature
$\frac1N\sum_i I\omega_i^2$ is exactly $\theta_0$ (equipartition, one degree of freedom each).

``file``: positions (and, if present, velocities, taken as the peculiar velocities w at t = 0)
from an extended XYZ or LAMMPS data file (:mod:`.files`); the file's cell is the reference cell
$H_0$; without velocities step 3 above draws them.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np


def fcc_sites(n_cells: int, side: float) -> np.ndarray:
    """``[4 n³, 3]`` fcc sites in the cube [0, side)³ (offset by a quarter spacing)."""
    a = side / n_cells
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) + 0.25
    grid = np.array(np.meshgrid(*[np.arange(n_cells)] * 3, indexing="ij")).reshape(3, -1).T
    return ((grid[:, None, :] + basis[None, :, :]).reshape(-1, 3)) * a


def lattice_sites(n: int, d: int, side: float) -> np.ndarray:
    """``[n, d]`` sites without overlaps in the cube [0, side)^d (fcc when d = 3 and n = 4k³)."""
    if d == 3:
        k = round((n / 4) ** (1 / 3))
        if 4 * k**3 == n:
            return fcc_sites(k, side)
    m = math.ceil(n ** (1 / d) - 1e-9)
    a = side / m
    grid = np.array(np.meshgrid(*[np.arange(m)] * d, indexing="ij")).reshape(d, -1).T[:n]
    return (grid + 0.5) * a


def product_positions(key, n: int, H0, amplitude: float = 0.0, wavenumber: float = 1.0,
                      dtype=None) -> jax.Array:
    """``[n, d]`` i.i.d. positions (``initial.kind = "product"``): fractional coordinates uniform,
    except along the first axis, where $x$ has density $\\propto 1 + \\alpha\\cos(kx)$ on
    $[0, \\ell)$ (ℓ the first cell side; $k\\ell/2\\pi$ an integer). Drawn by inverting the CDF
    $F(x) = (x + \\alpha\\sin(kx)/k)/\\ell$ (monotone for α ≤ 1) by bisection to round-off."""
    dtype = dtype or jnp.result_type(float)
    H0 = jnp.asarray(H0, dtype)
    d = H0.shape[0]
    s = jax.random.uniform(key, (n, d), dtype=dtype)
    if amplitude > 0:
        ell = jnp.linalg.norm(H0[:, 0])
        u = s[:, 0] * ell

        def cdf(x):
            return x + amplitude * jnp.sin(wavenumber * x) / wavenumber

        lo, hi = jnp.zeros_like(u), jnp.full_like(u, ell)
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            below = cdf(mid) < u
            lo, hi = jnp.where(below, mid, lo), jnp.where(below, hi, mid)
        s = s.at[:, 0].set(0.5 * (lo + hi) / ell)
    return s @ H0.T


def iid_maxwellian_velocities(key, n: int, d: int, theta: float, dtype=None) -> jax.Array:
    """``[n, d]`` i.i.d. $\\mathcal N(0, \\theta I)$ (product data: no centring, no rescaling)."""
    dtype = dtype or jnp.result_type(float)
    return jnp.sqrt(theta) * jax.random.normal(key, (n, d), dtype=dtype)


def maxwellian_velocities(key, n: int, d: int, theta: float, dtype=None) -> jax.Array:
    """``[n, d]`` Maxwellian peculiar velocities, zero mean, temperature exactly θ (d(N-1) dof)."""
    dtype = dtype or jnp.result_type(float)
    w = jax.random.normal(key, (n, d), dtype=dtype)
    w = w - jnp.mean(w, axis=0)
    return rescale(w, theta)


def rescale(w, theta: float):
    """Scale w so that Σ|w|²/(d(N-1)) = θ (exactly, up to round-off)."""
    n, d = w.shape
    now = jnp.sum(w * w) / (d * (n - 1))
    return w * jnp.sqrt(theta / now)


def rotor_state(key, n: int, theta: float, inertia: float, dtype=None,
                aligned: float | None = None) -> dict:
    """``{"orientation": [n], "angular_velocity": [n]}``: uniform angles (``aligned``: all equal
    to that angle) and Maxwellian ω at rotational temperature exactly θ (module doc)."""
    dtype = dtype or jnp.result_type(float)
    ka, kw = jax.random.split(key)
    angle = jax.random.uniform(ka, (n,), dtype=dtype, maxval=2 * math.pi)
    if aligned is not None:
        angle = jnp.full((n,), aligned, dtype)
    omega = jax.random.normal(kw, (n,), dtype=dtype)
    omega = omega * jnp.sqrt(theta / (inertia * jnp.mean(omega * omega)))
    return {"orientation": angle, "angular_velocity": omega}


__all__ = ["fcc_sites", "iid_maxwellian_velocities", "lattice_sites", "maxwellian_velocities",
           "product_positions",
           "rescale", "rotor_state"]
