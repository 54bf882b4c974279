r"""Orientation-dependent pair interactions of particles that carry a 2D angle θ.

An :class:`OrientedPair` is an energy function of the separation and the two angles,

$$ U(\vec r_{ij}, \theta_i, \theta_j), \qquad \vec r_{ij} = x_i - x_j \text{ (minimum image)}, $$

zero for $|\vec r_{ij}| \ge r_c$ (``cutoff``) and smooth inside. A radial potential
(:class:`~bbgky.models.potentials.PairPotential`) is the special case $U(|\vec r|)$. The particle
level sums it over pairs, $E = \sum_{i<j} U(\vec r_{ij}, \theta_i, \theta_j)$, and takes forces
$f_i = -\partial E/\partial x_i$ and torques $\tau_i = -\partial E/\partial\theta_i$ by autodiff
of $E$ (:mod:`bbgky.particles.pairs`), so forces, torques and energy cannot disagree.

Contract of ``energy(dr, theta_i, theta_j) -> U``:

* ``dr``: ``[..., d]`` separations $\vec r_{ij}$; ``theta_i``, ``theta_j``: ``[...]`` angles
  (radians, measured from the first lab axis, counter-clockwise); returns ``[...]``;
* JAX-traceable and elementwise over the leading axes; finite (with finite derivatives) for every
  $|\vec r| > 0$ (the level evaluates it at $|\vec r| = 2r_c$ on padded slots and masks the result);
* symmetric under exchange of the two particles, $U(\vec r, a, b) = U(-\vec r, b, a)$ (a pair
  energy; the level sums each unordered pair once as half of both ordered ones);
* ``numba_pair`` is None: orientation-dependent pairs run on the JAX backend only.

Units: reduced (m = k_B = σ = ε = 1); angles in radians.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, eq=False)
class OrientedPair:
    """A pair energy $U(\\vec r_{ij}, \\theta_i, \\theta_j)$ with cut-off ``cutoff`` (see the module doc).

    ``name``: for output attributes; ``cutoff``: $r_c$ (the energy is zero beyond it);
    ``energy``: the function of the contract above. Compared by identity (it keys compiled code).
    """

    name: str
    cutoff: float
    energy: Callable
    numba_pair: None = None
    scaling: str = "physical"

    @property
    def cutoff_squared(self) -> float:
        return self.cutoff * self.cutoff


__all__ = ["OrientedPair"]
