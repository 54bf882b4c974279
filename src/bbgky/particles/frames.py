r"""Frame observers: streaming analysis of the particle level, without storing trajectories.

Higher levels (the BBGKY statistics level, the dipolar solvent's fields) measure quantities of
the particle configuration — pair correlations, marginals, fields — while the particle level
runs. They do it through a :class:`FrameObserver` handed to
``bbgky.particles.level.run(cfg, out, observers=(...))``:

* ``observe(frame)`` is called at $t_0$ and after every save (every ``time.save_every``) with a
  :class:`Frame` and returns a mapping ``key -> np.ndarray`` (fixed shapes from call to call);
* the level stores each value in the driver's records as ``"<name>:<key>"`` — so it is written
  into every checkpoint and a resumed run gives the same records bit for bit (observers must be
  deterministic functions of the frame; randomness only from keys they derive themselves from
  the configured seed) — and nothing of it goes to ``particles.nc``;
* ``finish(times, records, out)`` is called once after the run with ``times [T]`` (the save
  times) and ``records`` = the observer's own keys (prefix removed), each stacked over time
  (``[T, ...]``); it writes whatever the observer produces under the folder ``out``.

:class:`Frame` (NumPy arrays, float64, reduced units m = k_B = σ = ε = 1; R replicas, N
particles, d dimensions; R = 1 for a single system):

* ``time``: $t$; ``step``: the step counter;
* ``position [R, N, d]``: lab-frame positions $x_i$, each particle's periodic image *inside the
  current cell* (fractional coordinates $H^{-1}x \in [0, 1)^d$);
* ``velocity [R, N, d]``: lab-frame velocities of those images, $v_i$ (an image $x + Hn$ moves
  with $v + AH_0Un$, James–Qi–Wang (OMD kinetic paper) eq. 10);
* ``peculiar_velocity [R, N, d]``: $w_i = v_i - L(t)x_i$ (the same for every image, eq. 11);
* ``cell [d, d]``: the current reduced lattice $H(t) = F(t)H_0U$, columns = lattice vectors
  (separations: minimum image by rounding $H^{-1}r$, exact within half the smallest width);
* ``L [d, d]``: the velocity gradient in the current frame, $L(t) = AF(t)^{-1}$;
* ``orientation [R, N]``, ``angular_velocity [R, N]``: $\theta_i$ (radians) and $\omega_i$ for
  rotating particles, else None.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..models import flows
from . import lattice
from .state import State, System

#: separator between an observer's name and its record keys in the driver records.
SEPARATOR = ":"


@dataclass(frozen=True)
class Frame:
    """One configuration of the particle level (see the module doc for shapes and frames)."""

    time: float
    step: int
    position: np.ndarray
    velocity: np.ndarray
    peculiar_velocity: np.ndarray
    cell: np.ndarray
    L: np.ndarray
    orientation: np.ndarray | None = None
    angular_velocity: np.ndarray | None = None

    @property
    def replicas(self) -> int:
        return int(self.position.shape[0])


@runtime_checkable
class FrameObserver(Protocol):
    """What the particle level calls (module doc): ``name``, ``observe``, ``finish``."""

    name: str

    def observe(self, frame: Frame) -> dict[str, np.ndarray]: ...

    def finish(self, times: np.ndarray, records: dict[str, np.ndarray], out: Path) -> None: ...


def make_frame(system: System, state: State) -> Frame:
    """The :class:`Frame` of a state (one system or an ensemble)."""
    batched = state.position.ndim == 3
    x = np.asarray(state.position, dtype=np.float64)
    v = np.asarray(state.velocity, dtype=np.float64)
    time = np.asarray(state.time)
    step = np.asarray(state.step)
    basis = np.asarray(state.basis)
    if batched:
        time, step, basis = time[0], step[0], basis[0]
    else:
        x, v = x[None], v[None]
    t = float(time)
    A, H0 = system.A_np, system.H0_np
    H = lattice.cell_at(H0, A, basis, t)
    L = flows.flow_gradient(A, t)
    k = np.floor(x @ np.linalg.inv(H).T)  # which image is inside the cell
    x = x - k @ H.T
    v = v - k @ (A @ H0 @ basis).T
    w = v - x @ L.T
    theta = omega = None
    if state.orientation is not None:
        theta = np.asarray(state.orientation, dtype=np.float64).reshape(x.shape[:2])
        omega = np.asarray(state.angular_velocity, dtype=np.float64).reshape(x.shape[:2])
    return Frame(time=t, step=int(step), position=x, velocity=v, peculiar_velocity=w, cell=H, L=L,
                 orientation=theta, angular_velocity=omega)


def observe_all(observers, frame: Frame) -> dict[str, np.ndarray]:
    """Every observer's records of one frame, keys prefixed ``"<name>:"``."""
    out: dict[str, np.ndarray] = {}
    for obs in observers:
        for key, value in obs.observe(frame).items():
            out[f"{obs.name}{SEPARATOR}{key}"] = np.asarray(value)
    return out


def split_records(data: dict[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    """Pop the records of observer ``name`` from stacked driver data (prefix removed)."""
    prefix = f"{name}{SEPARATOR}"
    return {k[len(prefix):]: data.pop(k) for k in [k for k in data if k.startswith(prefix)]}


def check_names(observers) -> None:
    """Observer names must be distinct and free of the separator."""
    names = [obs.name for obs in observers]
    if len(set(names)) != len(names) or any(SEPARATOR in n or not n for n in names):
        raise ValueError(f"frame observers need distinct non-empty names without {SEPARATOR!r}: {names}")


__all__ = ["SEPARATOR", "Frame", "FrameObserver", "check_names", "make_frame", "observe_all",
           "split_records"]
