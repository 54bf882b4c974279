"""Opt-in trajectories of the particle level: ``[output] trajectory_every = k`` writes
``out/trajectory.xyz``, extended XYZ (ase.io; OVITO and ASE open it), one frame every k saves.

A frame holds replica 0: positions inside the current reduced cell H(t) = F(t)H0U (the
``Lattice`` of the frame, its columns as lattice vectors), lab-frame velocities (``vel``), and
the peculiar velocities w = v − L(t)x (``peculiar_vel``), with ``time`` and ``step`` in the frame
info. 2D systems are written in the z = 0 plane with a unit z axis and no periodicity along z.

It is a :class:`.frames.FrameObserver`: its records travel in the checkpoints, so a resumed run
writes the same file as an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .frames import Frame


@dataclass(frozen=True)
class TrajectoryWriter:
    """Record replica 0 at every save; write every ``every``-th save to ``trajectory.xyz``."""

    every: int
    name: str = "trajectory"

    def observe(self, frame: Frame) -> dict[str, np.ndarray]:
        return {"position": frame.position[0], "velocity": frame.velocity[0],
                "peculiar_velocity": frame.peculiar_velocity[0], "cell": frame.cell,
                "step": np.asarray(frame.step)}

    def finish(self, times: np.ndarray, records: dict[str, np.ndarray], out: Path) -> None:
        import ase.io
        from ase import Atoms

        images = []
        for k in range(0, len(times), self.every):
            x = records["position"][k]
            n, d = x.shape
            cell = np.eye(3)
            cell[:d, :d] = records["cell"][k]

            def pad(a, _n=n, _d=d):
                full = np.zeros((_n, 3))
                full[:, :_d] = a
                return full

            atoms = Atoms(["Ar"] * n, positions=pad(x), cell=cell.T, pbc=[i < d for i in range(3)])
            atoms.new_array("vel", pad(records["velocity"][k]))
            atoms.new_array("peculiar_vel", pad(records["peculiar_velocity"][k]))
            atoms.info.update(time=float(times[k]), step=int(records["step"][k]))
            images.append(atoms)
        path = Path(out) / "trajectory.xyz"
        tmp = path.with_name(path.name + ".tmp")
        ase.io.write(tmp, images, format="extxyz")
        tmp.replace(path)


__all__ = ["TrajectoryWriter"]
