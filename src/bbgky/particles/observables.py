r"""Observables of the particle level (names of INTERFACE.md), computed from one state.

With $V = |\det H(t)|$ the volume of the deformed cell, $w_i = v_i - L(t)x_i$ the peculiar
velocities, $r_{ij}$ minimum-image separations and $f_{ij}$ the force on $i$ from $j$:

* ``density`` $= N/V$ (equals $\rho_0/\det(I + tA)$ exactly: the lattice is deformed affinely);
* ``temperature`` $\theta = \sum_i |w_i|^2 / (d(N-1))$: $d(N-1)$ degrees of freedom because the
  total peculiar momentum is zero and stays zero ($\frac{d}{dt}\sum w = -L\sum w$); this is
  LAMMPS' ``compute temp/deform`` convention ($dN - d$);
* ``kinetic_energy`` $= \frac1N\sum_i \tfrac12|w_i|^2$, ``potential_energy`` $= \frac1N\sum_{i<j}U$,
  ``internal_energy`` = their sum (per particle; James–Qi–Wang eq. 50 uses this e);
* ``pressure_tensor`` $P = \frac1V\big(\sum_i w_i\otimes w_i + \sum_{i<j} r_{ij}\otimes f_{ij}\big)$;
* ``heat_flux`` $q = \frac1V\big(\sum_i w_i(\tfrac12|w_i|^2 + u_i) + \tfrac12\sum_{i \ne j}
  r_{ij}(f_{ij}\cdot w_i)\big)$, $u_i = \tfrac12\sum_j U(r_{ij})$ (Irving–Kirkwood; the usual
  $\tfrac12$ — James–Qi–Wang's eq. 49-bis $\int w|w|^2g$ is twice the kinetic part of this);
* ``speed_moment`` $\langle |w|^k\rangle$, k = 2, 4, 6, 8.

Rotating particles (``system.inertia`` $I > 0$) add ``rotational_energy``
$= \frac1N\sum_i \tfrac12 I\omega_i^2$ (included in ``internal_energy`` and in the convected energy
of the heat flux) and ``rotational_temperature`` $= \frac1N\sum_i I\omega_i^2$ (one degree of
freedom per particle). A long-range term (``system.long_range``) adds its energy to
``potential_energy`` and its virial (:func:`.pairs.long_range_terms`) to the pressure tensor. An
external potential (``system.external``) adds $\sum_i V(x_i)$ to ``potential_energy`` only: it is a
body force, so the pressure tensor stays the kinetic plus pair-virial (Irving–Kirkwood) stress.

Along any trajectory $\frac{d}{dt}(Ne) = -V\,P : L$ exactly for the ODE (James–Qi–Wang eq. 50, third
line; derivation in :mod:`.state`'s terms: $\dot r_{ij} = w_i - w_j + L r_{ij}$ for every image).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..models import external
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
    u, vir, heat_pair, _ = pairs.pair_observables(system, x, w, t, state.basis, state.nbr,
                                                  state.orientation, state.angular_velocity)
    if system.radial_only:
        return from_pair_sums(jnp, w, u, vir, heat_pair, V, L)
    e_lr, vir_lr = pairs.long_range_terms(system, x, state.orientation, t, state.basis)
    if system.external is not None:  # one-body energy: no virial (a body force, not a stress)
        e_lr = e_lr + external.total_energy(system.external, x)
    rot = None
    if system.rotational:
        rot = 0.5 * system.inertia * state.angular_velocity**2
    return from_pair_sums(jnp, w, u, vir + vir_lr, heat_pair, V, L, rotational=rot, long_range=e_lr)


def from_pair_sums(xp, w, u, vir, heat_pair, V, L, *, rotational=None, long_range=0.0) -> dict:
    """The observables from peculiar velocities ``w [N, d]`` and the pair sums (per-particle
    energies ``u``, virial, pair heat flux), in the array namespace ``xp`` (``jax.numpy`` here,
    ``numpy`` for the Numba backend): one definition for both backends. ``rotational``: the
    rotational kinetic energies ``½Iω_i² [N]`` (None for point particles); ``long_range``: the
    long-range energy (total, not per particle)."""
    n, d = w.shape
    w2 = xp.sum(w * w, axis=1)
    ke = 0.5 * xp.sum(w2)
    pe = xp.sum(u) + long_range
    e_i = 0.5 * w2 + u if rotational is None else 0.5 * w2 + u + rotational
    P = (w.T @ w + vir) / V
    q = (xp.sum(w * e_i[:, None], axis=0) + heat_pair) / V
    speed = xp.sqrt(w2)
    erot = 0.0 if rotational is None else xp.sum(rotational)
    out = {
        "density": n / V,
        "temperature": xp.sum(w2) / (d * (n - 1)),
        "kinetic_energy": ke / n,
        "potential_energy": pe / n,
        "internal_energy": (ke + erot + pe) / n,
        "pressure_tensor": P,
        "heat_flux": q,
        "speed_moment": xp.stack([xp.mean(speed**k) for k in SPEED_MOMENT_ORDERS]),
        "power": -xp.sum(P * L) * V / n,  # d e/dt = -P:L/ρ  (per particle)
        "momentum": xp.sum(w, axis=0) / n,
    }
    if rotational is not None:
        out["rotational_energy"] = erot / n
        out["rotational_temperature"] = 2.0 * erot / n
    return out


__all__ = ["from_pair_sums", "observe"]
