"""Homogeneous deformations of objective MD (James–Qi–Wang §1.1 and §1.3, eqs. 10–13).

The periodic images of the simulated particles sit at ``x_1 + (I + tA) ν`` (eq. 10); the bulk
velocity field is ``u(x, t) = L(t) x`` with ``L(t) = A (I + tA)^{-1}``; the peculiar velocity is
``w = v − L(t) x`` (eq. 11). The flow is singular at the first ``t* > 0`` with
``det(I + tA) = 0``; the density obeys ``ρ(t) = ρ0 / det(I + tA)`` (eq. 50).
"""

from __future__ import annotations

import math

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
    """The d×d velocity gradient A of a preset (scaled by ``rate``) or an explicit matrix."""
    if kind == "matrix":
        return np.asarray(matrix, dtype=float)
    if kind == "none":
        return np.zeros((dimension, dimension))
    return rate * PRESETS[kind][:dimension, :dimension].copy()


def deformation(A: np.ndarray, t: float) -> np.ndarray:
    """``F(t) = I + tA``: maps the reference lattice to the lattice at time t."""
    return np.eye(A.shape[0]) + t * A


def flow_gradient(A: np.ndarray, t: float) -> np.ndarray:
    """``L(t) = A (I + tA)^{-1}`` — the Eulerian velocity gradient at time t."""
    return A @ np.linalg.inv(deformation(A, t))


def singular_time(A: np.ndarray) -> float:
    """First ``t* > 0`` with ``det(I + tA) = 0``; ``inf`` when the flow is regular for all t ≥ 0.

    ``det(I + tA) = Π_k (1 + t λ_k)`` over the eigenvalues of A; only real negative eigenvalues
    give a real positive root ``t = −1/λ``.
    """
    lam = np.linalg.eigvals(np.asarray(A, dtype=float))
    real_neg = [-1.0 / z.real for z in lam if abs(z.imag) <= 1e-12 * max(1.0, abs(z)) and z.real < 0]
    return min(real_neg) if real_neg else math.inf


def density(rho0: float, A: np.ndarray, t: float) -> float:
    """Exact density ``ρ0 / det(I + tA)`` (eq. 50, first line)."""
    return rho0 / float(np.linalg.det(deformation(A, t)))
