"""Homogeneous deformations of objective MD (James–Qi–Wang §1.1 and §1.3, eqs. 10–13): the one
source of the flow for every level, usable from NumPy and from JAX.

The periodic images of the simulated particles sit at ``x_1 + (I + tA) ν`` (eq. 10); the bulk
velocity field is ``u(x, t) = L(t) x`` with ``L(t) = A (I + tA)^{-1}``; the peculiar velocity is
``w = v − L(t) x`` (eq. 11). The flow is singular at the first ``t* > 0`` with
``det(I + tA) = 0``; the density obeys ``ρ(t) = ρ0 / det(I + tA)`` (eq. 50).

Every function of time (a scalar, or an array of times) takes an optional array namespace ``xp``
(``numpy`` or ``jax.numpy``); by default it is ``jax.numpy`` when any argument is a JAX array
(tracers included) and NumPy otherwise, so the same formula serves the NumPy host code and the
jitted JAX kernels. (The Numba-compiled DSMC loop cannot call Python and writes ``I + tA`` inline;
``tests/kinetic/test_dsmc_numba.py`` checks it against the JAX DSMC.) ``A`` itself comes from
the configuration in one place, :func:`velocity_gradient` (``Config.velocity_gradient``).
"""

from __future__ import annotations

import math
import sys
from functools import cache

import numpy as np

#: preset name -> A / rate, written for d = 3 and truncated to the leading d×d block.
PRESETS: dict[str, np.ndarray] = {
    "simple_shear": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]),
    "planar_extension": np.diag([1.0, -1.0, 0.0]),
    "uniaxial_extension": np.diag([1.0, -0.5, -0.5]),
    "isotropic_expansion": np.eye(3),
}

#: smallest dimension in which each preset is meaningful.
PRESET_MIN_DIMENSION = {
    "simple_shear": 2,
    "planar_extension": 2,
    "uniaxial_extension": 3,
    "isotropic_expansion": 1,
}


def velocity_gradient(kind: str, dimension: int, rate: float = 0.0,
                      matrix: list[list[float]] | None = None) -> np.ndarray:
    """The d×d velocity gradient A of a preset (scaled by ``rate``) or an explicit matrix: the only
    place where ``[flow]`` becomes A. The result is read-only (computed once per flow)."""
    key = None if matrix is None else tuple(tuple(float(a) for a in row) for row in matrix)
    return _velocity_gradient(kind, int(dimension), float(rate), key)


@cache
def _velocity_gradient(kind, dimension, rate, matrix) -> np.ndarray:
    if kind == "matrix":
        A = np.asarray(matrix, dtype=float)
    elif kind == "none":
        A = np.zeros((dimension, dimension))
    else:
        A = rate * PRESETS[kind][:dimension, :dimension]
    A.setflags(write=False)
    return A


def namespace(*arrays):
    """``jax.numpy`` when any argument is a JAX array (tracers included), else ``numpy``. JAX is
    never imported here: an array cannot be a JAX array unless JAX is already loaded."""
    jax = sys.modules.get("jax")
    if jax is not None and any(isinstance(a, jax.Array) for a in arrays):
        import jax.numpy as jnp

        return jnp
    return np


def deformation(A, t, xp=None):
    """``F(t) = I + tA``: maps the reference lattice to the lattice at time t (eq. 10). ``t`` a
    scalar, or an array of times (shape ``[nt]``: F is ``[nt, d, d]``, and so are L and J)."""
    xp = xp or namespace(A, t)
    A = xp.asarray(A)
    tt = t[..., None, None] if getattr(t, "ndim", 0) else t
    return xp.eye(A.shape[0], dtype=A.dtype) + tt * A


def flow_gradient(A, t, xp=None):
    """``L(t) = A (I + tA)^{-1}``: the Eulerian velocity gradient at time t (eq. 11)."""
    xp = xp or namespace(A, t)
    A = xp.asarray(A)
    return A @ xp.linalg.inv(deformation(A, t, xp))


def relative_deformation(A, t, t0, xp=None):
    """``F(t) F(t0)^{-1} = I + (t − t0) L(t0)``: maps positions at ``t0`` to positions at ``t``
    (a Verlet list built at ``t0``)."""
    xp = xp or namespace(A, t, t0)
    A = xp.asarray(A)
    return xp.eye(A.shape[0], dtype=A.dtype) + (t - t0) * flow_gradient(A, t0, xp)


def peculiar_velocity(x, v, A, t, xp=None):
    """``w = v − L(t) x`` for rows ``x``, ``v`` (``[..., d]``; eq. 11)."""
    xp = xp or namespace(x, v, A, t)
    return v - x @ flow_gradient(A, t, xp).T


def volume_ratio(A, t, xp=None):
    """``J(t) = det(I + tA)``: the volume of a material region over its volume at t = 0."""
    xp = xp or namespace(A, t)
    return xp.linalg.det(deformation(A, t, xp))


def density(rho0, A, t, xp=None):
    """Exact density ``ρ0 / det(I + tA)`` (eq. 50, first line); a float on the NumPy path."""
    xp = xp or namespace(A, t)
    rho = rho0 / volume_ratio(A, t, xp)
    return float(rho) if xp is np else rho


def singular_time(A: np.ndarray) -> float:
    """First ``t* > 0`` with ``det(I + tA) = 0``; ``inf`` when the flow is regular for all t ≥ 0.

    ``det(I + tA) = Π_k (1 + t λ_k)`` over the eigenvalues of A; only real negative eigenvalues
    give a real positive root ``t = −1/λ``.
    """
    lam = np.linalg.eigvals(np.asarray(A, dtype=float))
    real_neg = [-1.0 / z.real for z in lam if abs(z.imag) <= 1e-12 * max(1.0, abs(z)) and z.real < 0]
    return min(real_neg) if real_neg else math.inf


__all__ = [
    "PRESETS", "PRESET_MIN_DIMENSION", "deformation", "density", "flow_gradient", "namespace",
    "peculiar_velocity", "relative_deformation", "singular_time", "velocity_gradient", "volume_ratio",
]
