"""Level 0: N-particle (objective) molecular dynamics (James–Qi–Wang §1.1, §1.3).

Modules, from the contract outwards:

* :mod:`.state` — the :class:`~.state.State` pytree, the static :class:`~.state.System` and the
  exact step every backend reproduces (kick–drift–kick in the lab frame, images wrapped with
  their velocities, Verlet-list rebuild criterion under deformation);
* :mod:`.lattice` — the deforming cell: widths, minimum image, wrapping, lattice reduction;
* :mod:`.neighbours`, :mod:`.pairs` — Verlet lists built inside the scan, pair forces by
  autodiff of the potential;
* :mod:`.integrator` — the JAX backend (``advance``, ``prepare``, vmapped ensembles,
  ``trajectory``); :mod:`.numba_backend` — the CPU fast path with the same ``advance``;
* :mod:`.simulation` — host logic: basis reduction, cell grid, capacities, overflow redo;
* :mod:`.observables` — density, temperature, energies, pressure tensor, heat flux, speed moments;
* :mod:`.initial`, :mod:`.files` — initial states, extended XYZ / LAMMPS data files;
* :mod:`.level` — ``run(cfg, out)``: ``particles.nc`` for a scenario.
"""
