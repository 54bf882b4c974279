"""The solver protocol shared by every time-dependent level (shared core: imports no level).

A solver is built once from the resolved configuration by a *builder* registered under its level
and method name::

    @register("boltzmann", "spectral", examples={"default": {...tiny TOML tables...}})
    def build(cfg) -> tuple[Stepper, State]: ...

The :class:`Stepper` advances a :class:`State` by one time step (``step``; adaptive solvers take
their own sub-steps inside it) or by n steps at once (``advance``, one compiled kernel where the
solver has one), and reports ``observe(state) -> {name: array}``, ``health(state) -> None | what
went wrong`` and ``invariants(state)`` (the values of what it declares it conserves). It declares
``order`` (in time.step; ``None`` with ``order_note`` saying why when it has none or it cannot be
fitted), ``conserves`` (quantity -> relative tolerance, 0 meaning round-off), ``backend``, ``dt``,
``vmappable`` (a batch of states can be advanced by ``jax.vmap``) and ``stochastic``.

:func:`bbgky.driver.run` runs any stepper; ``tests/test_registry.py`` iterates over every
registry and checks, on each registered example, the fitted order, the conserved quantities,
bit-identical resume through the driver and vmapped batches — a new solver registered is tested
without writing a test.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

#: level name -> (module with ``check(cfg)`` and ``run(cfg, out, *, resume, progress)``, keyword
#: arguments of its ``run``); bottom of the hierarchy first. The scenario runner runs these; a new
#: level is one entry here (its module registers its steppers under the level's name, see
#: :func:`registry`), its table in :mod:`bbgky.config` and its module.
LEVELS: dict[str, tuple[str, dict]] = {
    "particles": ("bbgky.particles.level", {}),
    "vlasov": ("bbgky.kinetic.vlasov.level", {}),
    "boltzmann": ("bbgky.kinetic.boltzmann.level", {}),
    "navier_stokes": ("bbgky.hydro.level", {"level": "navier_stokes"}),
    "euler": ("bbgky.hydro.level", {"level": "euler"}),
}

#: the modules whose import registers the steppers of each registry level where it is not the
#: level's own module in :data:`LEVELS` (imported by :func:`registry`)
STEPPER_MODULES = {
    "boltzmann": "bbgky.kinetic.boltzmann.steppers",
    "vlasov": "bbgky.kinetic.vlasov.steppers",
    "hydro": "bbgky.hydro.steppers",
    "particles": "bbgky.particles.level",
}

#: what a solver may declare it conserves
QUANTITIES = ("mass", "momentum", "energy", "phase_space_volume")


@jax.tree_util.register_dataclass
@dataclass(frozen=True)
class State:
    """Every solver's state: its own pytree ``data`` plus the common clock, key and status.

    ``time`` the physical time, ``step`` the steps taken, ``key`` the PRNG key the run was started
    from (a stochastic solver keeps its running keys in ``data``), ``status`` 0 when sound, else the
    solver's bit flags. Frozen: ``replace`` returns a new state.
    """

    data: Any
    time: Any
    step: Any
    key: Any
    status: Any

    def replace(self, **changes) -> State:
        return dataclasses.replace(self, **changes)


def new_state(data: Any, time: float, key: Any, *, step: int = 0, status: int = 0,
              numpy: bool = False) -> State:
    """A :class:`State` with JAX scalars (``numpy=True``: NumPy scalars, for host-side solvers)."""
    xp = np if numpy else jnp
    return State(data, xp.asarray(time, dtype=float), xp.asarray(step, dtype=np.int64 if numpy else int),
                 key, xp.asarray(status, dtype=np.int32))


def seed_key(seed: int) -> jax.Array:
    """The run's root key (raw uint32 data, so that checkpoints store it as a plain array)."""
    return jax.random.PRNGKey(seed)


class Stepper:
    """Base of every registered solver; subclasses implement ``step`` or ``advance`` (or both),
    ``observe`` and, for their conserved quantities, ``invariants``."""

    order: int | None = None
    order_note: str = ""
    conserves: Mapping[str, float] = {}
    backend: str = "jax"
    dt: float = 0.0
    vmappable: bool = False
    stochastic: bool = False

    def step(self, state: State) -> State:
        if type(self).advance is Stepper.advance:
            raise NotImplementedError(f"{type(self).__name__} implements neither step nor advance")
        return self.advance(state, 1)

    def advance(self, state: State, n: int) -> State:
        """n steps; solvers with a compiled multi-step kernel override this."""
        if type(self).step is Stepper.step:
            raise NotImplementedError(f"{type(self).__name__} implements neither step nor advance")
        for _ in range(n):
            state = self.step(state)
        return state

    def observe(self, state: State) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def health(self, state: State) -> str | None:
        """None when sound; default: a non-zero status."""
        status = int(np.bitwise_or.reduce(np.ravel(np.asarray(state.status))))
        return f"solver status {status} (non-finite values)" if status else None

    def invariants(self, state: State) -> dict[str, np.ndarray]:
        """The declared conserved quantities at ``state`` (keys = ``conserves``)."""
        return {}

    def solution(self, state: State) -> np.ndarray:
        """The discrete solution as one flat vector (the order fit compares it across time steps):
        default, every floating leaf of ``state.data``."""
        leaves = [np.ravel(np.asarray(x)) for x in jax.tree_util.tree_leaves(getattr(state, "data", state))
                  if np.issubdtype(np.asarray(x).dtype, np.floating)]
        return np.concatenate(leaves)

    def describe(self) -> dict[str, Any]:
        """The declared metadata, for output attributes and the registry table."""
        return {"order": self.order, "order_note": self.order_note, "conserves": dict(self.conserves),
                "backend": self.backend, "time_step": self.dt, "vmappable": self.vmappable,
                "stochastic": self.stochastic}


Builder = Callable[[Any], tuple[Stepper, State]]


@dataclass(frozen=True)
class Entry:
    """A registered method: ``build(cfg) -> (stepper, state0)`` and its tiny test configurations
    (name -> TOML tables as a dict, validated by :func:`bbgky.config.validate`)."""

    level: str
    name: str
    build: Builder
    examples: Mapping[str, dict] = field(default_factory=dict)


_REGISTRIES: dict[str, dict[str, Entry]] = {}


def register(level: str, name: str, *, examples: Mapping[str, dict] | None = None):
    """Decorator: register ``build(cfg) -> (stepper, state0)`` as method ``name`` of ``level``."""

    def deco(build: Builder) -> Builder:
        methods = _REGISTRIES.setdefault(level, {})
        if name in methods and methods[name].build is not build:
            raise ValueError(f"{level}/{name} is registered twice")
        methods[name] = Entry(level, name, build, dict(examples or {}))
        return build

    return deco


def registry(level: str) -> dict[str, Entry]:
    """The methods of ``level`` (importing the module that registers them: its entry in
    :data:`STEPPER_MODULES`, else its level module in :data:`LEVELS`)."""
    if level in STEPPER_MODULES:
        importlib.import_module(STEPPER_MODULES[level])
    elif level in LEVELS:
        importlib.import_module(LEVELS[level][0])
    return dict(_REGISTRIES.get(level, {}))


def levels() -> list[str]:
    """Every level with a stepper module, a level module or a registration."""
    return sorted(set(STEPPER_MODULES) | set(LEVELS) | set(_REGISTRIES))


def build(level: str, name: str, cfg: Any) -> tuple[Stepper, State]:
    """Build method ``name`` of ``level`` from the resolved configuration."""
    methods = registry(level)
    if name not in methods:
        raise KeyError(f"no {level} method {name!r}; registered: {', '.join(sorted(methods))}")
    return methods[name].build(cfg)


__all__ = ["LEVELS", "QUANTITIES", "Entry", "State", "Stepper", "build", "levels", "new_state", "register",
           "registry", "seed_key"]
