r"""Observables of the particle level (names of INTERFACE.md), computed from one state.

With $V = |\det H(t)|$ the volume of the deformed cell, $w_i = v_i - L(t)x_i$ the peculiar
velocities, $r_{ij}$ minimum-image separations and $f_{ij}$ the force on $i$ from $j$:

* ``density`` $= N/V$ (equals $\rho_0/\det(I + tA)$ exactly: the lattice is deformed affinely);
* ``temperature`` $\theta = \sum_i |w_i|^2 / (d(N-1))$: $d(N-1)$ degrees of freedom because the
  total peculiar momentum is zero and stays zero ($\frac{d}{dt}\sum w = -L\sum w$); this is
  LAMMPS' ``compute temp/deform`` convention ($dN - d$);
* ``kinetic_energy`` $= \frac1N\sum_i \tfrac12|w_i|^2$, ``potential_energy`` $= \frac1N\sum_{i<j}U$,
  ``internal_energy`` = their sum (per particle; paper 002 eq. 50 uses this e);
* ``pressure_tensor`` $P = \frac1V\big(\sum_i w_i\otimes w_i + \sum_{i<j} r_{ij}\otimes f_{ij}\big)$;
* ``heat_flux`` $q = \frac1V\big(\sum_i w_i(\tfrac12|w_i|^2 + u_i) + \tfrac12\sum_{i \ne j}
  r_{ij}(f_{ij}\cdot w_i)\big)$, $u_i = \tfrac12\sum_j U(r_{ij})$ (Irving–Kirkwood; the usual
  $\tfrac12$ — the paper's eq. 49-bis $\int w|w|^2g$ is twice the kinetic part of this);
* ``speed_moment`` $\langle |w|^k\rangle$, k = 2, 4, 6, 8.

Along any trajectory $\frac{d}{dt}(Ne) = -V\,P : L$ exactly for the ODE (paper eq. 50, third
line; derivation in :mod:`.state`'s terms: $\dot r_{ij} = w_i - w_j + L r_{ij}$ for every image).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..output import SPEED_MOMENT_ORDERS
from . import pairs
from .neighbours import cell_geometry
from .state import State, System, flow_gradient


def observe(system: System, state: State) -> dict:
    """Observables at the state's time (the list in ``state.nbr`` must be valid there)."""
    x, t = state.position, state.time
    A = jnp.asarray(system.A, x.dtype)
    L = flow_gradient(A, t)
    w = state.velocity - x @ L.T
    H, _, _ = cell_geometry(system, t, state.basis)
    V = jnp.abs(jnp.linalg.det(H))
    u, vir, heat_pair, _ = pairs.pair_observables(system, x, w, t, state.basis, state.nbr)
    return from_pair_sums(jnp, w, u, vir, heat_pair, V, L)


def from_pair_sums(xp, w, u, vir, heat_pair, V, L) -> dict:
    """The observables from peculiar velocities ``w [N, d]`` and the pair sums (per-particle
    energies ``u``, virial, pair heat flux), in the array namespace ``xp`` (``jax.numpy`` here,
    ``numpy`` for the Numba backend): one definition for both backends."""
    n, d = w.shape
    w2 = xp.sum(w * w, axis=1)
    ke = 0.5 * xp.sum(w2)
    pe = xp.sum(u)
    P = (w.T @ w + vir) / V
    q = (xp.sum(w * (0.5 * w2 + u)[:, None], axis=0) + heat_pair) / V
    speed = xp.sqrt(w2)
    return {
        "density": n / V,
        "temperature": xp.sum(w2) / (d * (n - 1)),
        "kinetic_energy": ke / n,
        "potential_energy": pe / n,
        "internal_energy": (ke + pe) / n,
        "pressure_tensor": P,
        "heat_flux": q,
        "speed_moment": xp.stack([xp.mean(speed**k) for k in SPEED_MOMENT_ORDERS]),
        "power": -xp.sum(P * L) * V / n,  # d e/dt = -P:L/ρ  (per particle)
        "momentum": xp.sum(w, axis=0) / n,
    }


__all__ = ["from_pair_sums", "observe"]
