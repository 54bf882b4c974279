"""The particle level as a stepper (:mod:`bbgky.core`): a thin adapter over
:class:`.simulation.Simulation` (JAX or Numba backend, one system or an ``[ensemble]`` of
replicas). The particle :class:`.state.State` already carries ``time``, ``step``, ``key`` and
``status``, so it is the stepper's state as it is. Registered (method ``verlet``) by
:mod:`.level`, which builds it from the configuration.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import core
from .simulation import Simulation
from .state import State


class MDStepper(core.Stepper):
    """Kick–drift–kick (velocity Verlet) objective MD: order 2 in time.step. Without a flow and
    with an energy-conserving potential the total energy is conserved to the O(h²) error of the
    shadow Hamiltonian and the momentum to round-off (pair forces are antisymmetric)."""

    order = 2
    order_note = "replicas are vmapped inside the simulation ([ensemble] replicas), not by the caller"

    def __init__(self, sim: Simulation, observe: Callable[[State], dict] | None = None):
        self.sim = sim
        self.backend = sim.backend
        self.dt = float(sim.system.dt)
        self._observe = observe or sim.observe
        flow = bool(np.any(np.asarray(sim.system.A_np)))
        thermostat = sim.system.isokinetic > 0 or bool(sim.system.thermostat)
        self.stochastic = bool(sim.system.thermostat)  # Langevin noise (OBABO)
        # energy: relative change 1.3e-4 (JAX and Numba alike) on the registered example, 2D LJ
        # from the lattice with fresh Maxwellian velocities, h = 0.005, 4 steps
        self.conserves = {} if flow or thermostat else {"momentum": 0.0, "energy": 5e-4}
        if sim.system.external is not None:  # a body force: momentum is not conserved, energy is
            self.conserves.pop("momentum", None)

    def advance(self, state: State, n: int) -> State:
        return self.sim.advance(state, n)

    def observe(self, state: State) -> dict[str, np.ndarray]:
        return self._observe(state)

    def health(self, state: State) -> str | None:
        return self.sim.health(state)

    def invariants(self, state: State) -> dict[str, np.ndarray]:
        obs = self.sim.observe(state)
        return {"momentum": np.asarray(obs["momentum"]), "energy": np.asarray(obs["internal_energy"])}

    def solution(self, state: State) -> np.ndarray:
        """Positions on the circle of each reference-cell axis (no jump when a particle is wrapped)
        and velocities."""
        x = np.asarray(state.position)
        phase = 2 * np.pi * x @ np.linalg.inv(np.asarray(self.sim.system.H0_np)).T
        return np.concatenate([np.cos(phase).ravel(), np.sin(phase).ravel(), np.ravel(state.velocity)])
