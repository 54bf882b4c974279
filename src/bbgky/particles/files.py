"""Particle files: extended XYZ and LAMMPS data, through ``ase.io``.

Conventions (reduced units; numbers are written and read back unchanged):

* **cell** — the periodic cell, our columns = lattice vectors (ase stores rows); 1D and 2D systems
  are padded to 3D with a unit, non-periodic third (second) axis, and cut back on reading;
* **velocities** — the *peculiar* velocities w = v − L(t)x (James–Qi–Wang eq. 11). Extended XYZ keeps
  them in the per-atom array ``vel``; LAMMPS data in its ``Velocities`` section (ase converts
  through its unit sets; we undo that, so the numbers are the reduced ones). A file without
  velocities gives ``None``;
* atoms are written as argon (``Ar``, LAMMPS type 1); the species is not used by bbgky.

Extended XYZ files also carry ``time`` and the velocity gradient ``A`` in their comment line, and,
for rotating 2D particles (the dipolar solvent), the per-atom arrays ``orientation`` (the angle θ
of the director d = (cos θ, sin θ), rad) and ``angular_velocity`` (ω). LAMMPS data files
(atom style atomic) have no orientations: a rotating system read from one draws its angles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..models import flows

_XYZ = {".xyz", ".extxyz"}
_LAMMPS = {".data", ".lmp", ".lammps"}


def _format(path: Path, fmt: str | None) -> str:
    if fmt:
        return fmt
    suffix = path.suffix.lower()
    if suffix in _XYZ:
        return "extxyz"
    if suffix in _LAMMPS or path.name.startswith("data."):
        return "lammps-data"
    raise ValueError(f"unknown particle-file type {path.name!r}: use .xyz/.extxyz (extended XYZ) or "
                     ".data/.lmp/.lammps (LAMMPS data)")


def _velocity_factor() -> float:
    """ase's velocity conversion metal -> ASE (numbers in the file = ours)."""
    from ase.calculators.lammps.unitconvert import convert

    return float(convert(1.0, "velocity", "metal", "ASE"))


def write_particles(path: str | Path, positions, cell, velocities=None, *, fmt: str | None = None,
                    info: dict | None = None, orientation=None, angular_velocity=None) -> Path:
    """Write ``positions [N, d]``, ``cell [d, d]`` (columns) and optional ``velocities [N, d]``;
    ``orientation [N]`` and ``angular_velocity [N]`` (extended XYZ only)."""
    from ase import Atoms

    path = Path(path)
    kind = _format(path, fmt)
    x = np.asarray(positions, dtype=float)
    n, d = x.shape
    H = np.eye(3)
    H[:d, :d] = np.asarray(cell, dtype=float)
    X = np.zeros((n, 3))
    X[:, :d] = x
    atoms = Atoms(["Ar"] * n, positions=X, cell=H.T, pbc=[k < d for k in range(3)])
    V = None
    if velocities is not None:
        V = np.zeros((n, 3))
        V[:, :d] = np.asarray(velocities, dtype=float)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "extxyz":
        import ase.io

        if V is not None:
            atoms.new_array("vel", V)
        for name, a in (("orientation", orientation), ("angular_velocity", angular_velocity)):
            if a is not None:
                atoms.new_array(name, np.asarray(a, dtype=float).reshape(n))
        for k, v in (info or {}).items():
            atoms.info[k] = v
        ase.io.write(path, atoms, format="extxyz")
    else:
        if orientation is not None:
            raise ValueError(f"{path.name}: orientations need an extended XYZ file (.xyz/.extxyz)")
        from ase.io.lammpsdata import write_lammps_data

        atoms.pbc = True
        if V is not None:
            atoms.set_velocities(V * _velocity_factor())
        with open(path, "w") as fd:
            write_lammps_data(fd, atoms, velocities=V is not None, units="metal", atom_style="atomic",
                              masses=True)
    return path


def read_particles(path: str | Path, dimension: int, *, fmt: str | None = None):
    """``(positions [N, d], cell [d, d] columns, velocities [N, d] or None)`` from a file."""
    import ase.io

    path = Path(path)
    kind = _format(path, fmt)
    if kind == "extxyz":
        atoms = ase.io.read(path, format="extxyz")
        V = atoms.arrays.get("vel")
        if V is None and atoms.has("momenta"):
            V = atoms.get_velocities()
    else:
        atoms = ase.io.read(path, format="lammps-data", units="metal", atom_style="atomic")
        V = atoms.get_velocities() / _velocity_factor() if atoms.has("momenta") else None
    d = dimension
    H = np.asarray(atoms.cell.array, dtype=float).T[:d, :d]
    x = np.asarray(atoms.get_positions(), dtype=float)[:, :d]
    v = None if V is None else np.asarray(V, dtype=float)[:, :d]
    return x, H, v


def read_rotors(path: str | Path, *, fmt: str | None = None):
    """``(orientation [N], angular_velocity [N] or None)`` of an extended XYZ file that has them,
    else None (LAMMPS data files never do)."""
    import ase.io

    path = Path(path)
    if _format(path, fmt) != "extxyz":
        return None
    atoms = ase.io.read(path, format="extxyz")
    if "orientation" not in atoms.arrays:
        return None
    omega = atoms.arrays.get("angular_velocity")
    return (np.asarray(atoms.arrays["orientation"], float),
            None if omega is None else np.asarray(omega, float))


def write_state(path: str | Path, state, system, *, fmt: str | None = None) -> Path:
    """Write a :class:`~.state.State`: positions wrapped into its cell, peculiar velocities w, and
    for rotating particles the angles θ and angular velocities ω (extended XYZ)."""
    from . import lattice

    A = system.A_np
    t = float(state.time)
    U = np.asarray(state.basis)
    H = lattice.cell_at(system.H0_np, A, U, t)
    x = np.asarray(state.position, dtype=float)
    w = flows.peculiar_velocity(x, np.asarray(state.velocity, dtype=float), A, t)
    s = x @ np.linalg.inv(H).T
    x = (s - np.floor(s)) @ H.T
    info = {"time": t, "velocity_gradient": " ".join(repr(float(a)) for a in A.ravel())}
    rot = {}
    if getattr(state, "orientation", None) is not None:
        rot = {"orientation": np.asarray(state.orientation, float),
               "angular_velocity": np.asarray(state.angular_velocity, float)}
    return write_particles(path, x, H, w, fmt=fmt, info=info, **rot)


__all__ = ["read_particles", "read_rotors", "write_particles", "write_state"]
