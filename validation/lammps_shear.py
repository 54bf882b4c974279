"""Cross-check of the particle level against LAMMPS: a WCA gas in homogeneous simple shear.

System: WCA (LJ cut at 2^(1/6) σ, shifted up by ε), N = 4000, ρ = 0.1, θ0 = 1, dt = 0.005, shear
rate a ∈ {0.1, 0.2} (A = a e_x e_yᵀ), 20 time units, 4 independent seeds per code.

Both codes prepare the state the same way (not the same numbers): fcc lattice, 2 time units of
isokinetic equilibration at θ0 without flow, fresh Maxwellian peculiar velocities at exactly θ0
(3N − 3 degrees of freedom), then the streaming profile u_x = a (y − y_lo) is added.

* **bbgky**: the particle level through its API — configuration → ``level.initial_state`` →
  ``Simulation.advance`` / ``Simulation.observe`` on the Numba backend (``--driver level``, the
  default when the level is importable), or the Numba backend driven directly
  (``--driver direct``: ``numba_backend.run_arrays`` + ``numba_backend.pair_sums``).
* **LAMMPS** (``lammps[mpi]`` Python module; recipe of ../shared/PEERS.md): ``lj/cut 2^(1/6)`` +
  ``pair_modify shift yes``, ``fix temp/rescale`` for the equilibration, ``velocity all create``,
  ``velocity all ramp vx 0 a·Ly y ylo yhi sum yes units box``, ``compute tdef all temp/deform``,
  ``compute p all pressure tdef``, ``fix deform 1 xy erate a remap v flip yes`` + ``fix nve``.

Printed: θ(t) at several times and P_xy averaged over windows, seed means ± standard errors for
each code, the Welch t-score of their difference and its two-sided p-value (agreement: p ≥ 0.01
for each comparison; with ~24 comparisons about one in four runs flags one by chance), the
whole-run work −(a/ρ)∫P_xy dt of both codes, and the energy balance
Δe(t) = −(a/ρ)∫₀ᵗ P_xy dt of each code (trapezoid rule on the 0.1-spaced samples).

Run: ``nice -n 10 .venv/bin/python validation/lammps_shear.py`` (about 10–20 min on 2 cores);
``--quick`` for a small smoke run.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from _common import lammps_fcc_box, load_lammps

WCA_RC = 2.0 ** (1.0 / 6.0)


# ------------------------------------------------------------------------------------ LAMMPS


def lammps_run(seed: int, rate: float, *, n_cells: int, rho: float, theta0: float, dt: float,
               t_end: float, t_eq: float, sample: float):
    """Time series (t, θ, P_xy, e per particle) of one LAMMPS run."""
    lmp = load_lammps()(cmdargs=["-log", "none", "-screen", "none", "-nocite"])
    lmp.commands_string(lammps_fcc_box(rho, n_cells, prism=True) + f"""
pair_style lj/cut {WCA_RC!r}
pair_coeff 1 1 1.0 1.0 {WCA_RC!r}
pair_modify shift yes
neighbor 0.3 bin
neigh_modify delay 0 every 1 check yes
timestep {dt}
velocity all create {theta0} {1000 + 17 * seed} dist gaussian mom yes rot no loop geom
fix eq all nve
fix rs all temp/rescale 1 {theta0} {theta0} 0.0 1.0
run {round(t_eq / dt)}
unfix rs
unfix eq
velocity all create {theta0} {5000 + 31 * seed} dist gaussian mom yes rot no loop geom
""")
    box = lmp.extract_box()
    ylo, yhi = box[0][1], box[1][1]
    ly = yhi - ylo
    n = lmp.get_natoms()
    every = round(sample / dt)
    dof = 3 * n - 3
    out = []

    def record(k):
        th = float(lmp.extract_variable("th"))
        out.append((k * dt, th, float(lmp.extract_variable("pxy")),
                    0.5 * dof * th / n + float(lmp.extract_variable("pe"))))

    # t = 0 before the ramp is added: the thermal velocities are exactly the peculiar ones
    # (compute temp/deform learns the streaming rate from fix deform only once steps are run)
    lmp.commands_string("""
reset_timestep 0
thermo_style custom step temp pe press pxy
variable th equal temp
variable pxy equal pxy
variable pe equal pe
run 0 post no
""")
    record(0)
    lmp.commands_string(f"""
velocity all ramp vx 0.0 {rate * ly!r} y {ylo!r} {yhi!r} sum yes units box
compute tdef all temp/deform
compute p all pressure tdef
fix nve all nve
fix def all deform 1 xy erate {rate!r} remap v flip yes
thermo_style custom step c_tdef pe c_p[4]
thermo {every}
variable th equal c_tdef
variable pxy equal c_p[4]
""")
    for k in range(every, round(t_end / dt) + 1, every):
        lmp.command(f"run {every} post no")
        record(k)
    lmp.close()
    return np.array(out)


# ------------------------------------------------------------------------------------- bbgky


def bbgky_config(seed: int, rate: float, *, n: int, rho: float, theta0: float, dt: float,
                 t_end: float, t_eq: float, sample: float):
    from bbgky.config import validate

    return validate({
        "title": f"WCA shear a={rate} seed={seed}",
        "system": {"dimension": 3, "particles": n, "density": rho, "temperature": theta0,
                   "seed": seed},
        "interaction": {"potential": "wca", "sigma": 1.0, "epsilon": 1.0, "scaling": "physical"},
        "flow": {"kind": "simple_shear", "rate": rate},
        "time": {"end": t_end, "step": dt, "save_every": sample},
        "initial": {"kind": "maxwellian", "equilibration": t_eq},
        "levels": {"particles": {"backend": "numba", "skin": 0.3}},
    })


def bbgky_level_run(seed: int, rate: float, **kw):
    """Through the level's API (configuration → initial state → Simulation on Numba)."""
    from bbgky.particles import level

    cfg = bbgky_config(seed, rate, **kw)
    state, sim = level.initial_state(cfg, backend="numba")
    every = round(kw["sample"] / kw["dt"])
    out = []

    def record():
        o = sim.observe(state)
        out.append((float(state.time), float(o["temperature"]), float(o["pressure_tensor"][0, 1]),
                    float(o["internal_energy"])))

    record()
    for _ in range(round(kw["t_end"] / kw["dt"]) // every):
        state = sim.advance(state, every)
        problem = sim.health(state)
        if problem:
            raise RuntimeError(problem)
        record()
    return np.array(out)


def bbgky_direct_run(seed: int, rate: float, *, n: int, rho: float, theta0: float, dt: float,
                     t_end: float, t_eq: float, sample: float):
    """The Numba backend driven directly (same preparation as the level)."""
    from types import SimpleNamespace

    from bbgky.models.potentials import make_potential
    from bbgky.particles import numba_backend as nb

    pot = make_potential("wca")
    L = (n / rho) ** (1 / 3)
    H0 = L * np.eye(3)
    U = np.eye(3, dtype=np.int64)
    k = round((n / 4) ** (1 / 3))
    base = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) + 0.25
    grid = np.stack(np.meshgrid(*[np.arange(k)] * 3, indexing="ij"), -1).reshape(-1, 3)
    x = ((grid[:, None, :] + base[None]).reshape(-1, 3)) * (L / k)
    rng = np.random.default_rng(seed)

    def maxwell():
        w = rng.normal(size=(n, 3))
        w -= w.mean(axis=0)
        return w * math.sqrt(theta0 * 3 * (n - 1) / np.sum(w * w))

    Z = np.zeros((3, 3))
    v = maxwell()
    f = nb.initial_forces(x, t=0.0, A=Z, H0=H0, U=U, potential=pot)
    for _ in range(round(t_eq / dt)):  # isokinetic: rescale after every step
        x, v, f, U = nb.run_arrays(x, v, f, step=0, n_steps=1, dt=dt, A=Z, H0=H0, U=U, potential=pot)
        v *= math.sqrt(theta0 * 3 * (n - 1) / np.sum(v * v))
    A = np.zeros((3, 3))
    A[0, 1] = rate
    v = maxwell() + x @ A.T
    f = nb.initial_forces(x, t=0.0, A=A, H0=H0, U=U, potential=pot)
    system = SimpleNamespace(A=A, H0=H0, potential=pot, dt=dt, skin=0.3)
    every = round(sample / dt)
    out = []

    def record(step):
        t = step * dt
        L_ = A @ np.linalg.inv(np.eye(3) + t * A)
        w = v - x @ L_.T
        u, vir, _, _ = nb.pair_sums(system, x, w, t, U)
        P = (w.T @ w + vir) / abs(np.linalg.det((np.eye(3) + t * A) @ H0 @ U))
        w2 = float(np.sum(w * w))
        out.append((t, w2 / (3 * (n - 1)), P[0, 1], (0.5 * w2 + float(np.sum(u))) / n))

    record(0)
    for step in range(0, round(t_end / dt), every):
        x, v, f, U = nb.run_arrays(x, v, f, step=step, n_steps=every, dt=dt, A=A, H0=H0, U=U,
                                   potential=pot)
        record(step + every)
    return np.array(out)


# ------------------------------------------------------------------------------------ report


def window_mean(series, t, lo, hi):
    m = (t >= lo - 1e-9) & (t <= hi + 1e-9)
    return series[..., m].mean(axis=-1)


def energy_balance(run, rate, rho):
    """(Δe(t_end), −(a/ρ)∫P_xy dt) of one run."""
    t, pxy, e = run[:, 0], run[:, 2], run[:, 3]
    integral = float(np.sum(0.5 * (pxy[1:] + pxy[:-1]) * np.diff(t)))
    return e[-1] - e[0], -rate / rho * integral


def welch(xb, xl):
    """(mean_b, se_b, mean_l, se_l, z, two-sided p of Welch's t-test) of two samples of seeds."""
    from scipy import stats

    mb, sb = mean_se(xb)
    ml, sl = mean_se(xl)
    se = math.hypot(sb, sl)
    if se == 0.0:
        return mb, sb, ml, sl, 0.0, 1.0
    z = (mb - ml) / se
    nb_, nl = len(xb), len(xl)
    dof = se**4 / (sb**4 / max(nb_ - 1, 1) + sl**4 / max(nl - 1, 1)) if sb + sl > 0 else 1.0
    return mb, sb, ml, sl, z, float(2 * stats.t.sf(abs(z), dof))


def mean_se(a):
    a = np.asarray(a, dtype=float)
    return a.mean(axis=0), a.std(axis=0, ddof=1) / math.sqrt(a.shape[0]) if a.shape[0] > 1 else 0 * a[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.2])
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--cells", type=int, default=10, help="fcc cells per side (N = 4 cells³)")
    ap.add_argument("--time", type=float, default=20.0)
    ap.add_argument("--quick", action="store_true", help="N = 500, 2 time units, 2 seeds")
    ap.add_argument("--driver", choices=["level", "direct"], default=None)
    args = ap.parse_args()
    if args.quick:
        args.cells, args.time, args.seeds = 5, 2.0, 2

    import jax

    jax.config.update("jax_enable_x64", True)
    driver = args.driver
    if driver is None:
        try:
            from bbgky.particles import level  # noqa: F401

            driver = "level"
        except ImportError:
            driver = "direct"
    bbgky_run = bbgky_level_run if driver == "level" else bbgky_direct_run

    rho, theta0, dt, t_eq, sample = 0.1, 1.0, 0.005, 2.0, 0.1
    n = 4 * args.cells**3
    kw = dict(rho=rho, theta0=theta0, dt=dt, t_end=args.time, t_eq=t_eq, sample=sample)
    print(f"WCA gas, N = {n}, rho = {rho}, theta0 = {theta0}, dt = {dt}, {args.time} time units, "
          f"{args.seeds} seeds; bbgky driver: {driver} (Numba backend)", flush=True)
    times = [0.0, 1.0, 2.0, 5.0, 10.0, 15.0, 20.0]
    times = [t for t in times if t <= args.time + 1e-9]
    windows = [(0.0, 2.0), (4.0, 6.0), (9.0, 11.0), (14.0, 16.0), (18.0, 20.0)]
    windows = [w for w in windows if w[1] <= args.time + 1e-9] or [(0.0, args.time)]
    verdict = []
    for rate in args.rates:
        runs = {"bbgky": [], "LAMMPS": []}
        wall = {"bbgky": 0.0, "LAMMPS": 0.0}
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            t0 = time.perf_counter()
            runs["bbgky"].append(bbgky_run(seed, rate, n=n, **kw))
            wall["bbgky"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            runs["LAMMPS"].append(lammps_run(seed, rate, n_cells=args.cells, **kw))
            wall["LAMMPS"] += time.perf_counter() - t0
            print(f"  a = {rate}: seed {seed} done ({wall['bbgky']:.0f} s bbgky, "
                  f"{wall['LAMMPS']:.0f} s LAMMPS so far)", flush=True)
        data = {k: np.stack(v) for k, v in runs.items()}  # [seed, sample, (t, θ, Pxy, e)]
        t = data["bbgky"][0, :, 0]
        assert np.allclose(t, data["LAMMPS"][0, :, 0])
        print(f"\n== shear rate a = {rate} (seed means ± standard errors; t = Welch score of the "
              "difference, p its two-sided p-value; agree: p ≥ 0.01)")
        print(f"{'t':>6} | {'θ bbgky':>17} | {'θ LAMMPS':>17} | {'t':>5} | {'p':>5}")
        for tt in times[1:]:
            i = int(np.argmin(np.abs(t - tt)))
            mb, sb, ml, sl, z, pv = welch(data["bbgky"][:, i, 1], data["LAMMPS"][:, i, 1])
            ok = pv >= 0.01
            verdict.append(ok)
            flag = "" if ok else "  !"
            print(f"{tt:6.1f} | {mb:8.4f} ± {sb:6.4f} | {ml:8.4f} ± {sl:6.4f} | {z:5.2f} | {pv:5.3f}{flag}")
        print(f"{'window':>11} | {'P_xy bbgky':>19} | {'P_xy LAMMPS':>19} | {'t':>5} | {'p':>5} | "
              f"{'-P_xy/a':>7}")
        for lo, hi in windows:
            mb, sb, ml, sl, z, pv = welch(window_mean(data["bbgky"][:, :, 2], t, lo, hi),
                                          window_mean(data["LAMMPS"][:, :, 2], t, lo, hi))
            ok = pv >= 0.01
            verdict.append(ok)
            print(f"[{lo:4.1f},{hi:4.1f}] | {mb:9.5f} ± {sb:7.5f} | {ml:9.5f} ± {sl:7.5f} | {z:5.2f} | "
                  f"{pv:5.3f} | {-0.5 * (mb + ml) / rate:7.3f}{'' if ok else '  !'}")
        work = {c: [energy_balance(r, rate, rho)[1] for r in data[c]] for c in data}
        mb, sb, ml, sl, z, pv = welch(work["bbgky"], work["LAMMPS"])
        ok = pv >= 0.01
        verdict.append(ok)
        print(f"work −(a/ρ)∫P_xy dt over the run: bbgky {mb:.4f} ± {sb:.4f}, LAMMPS {ml:.4f} ± {sl:.4f}, "
              f"t = {z:.2f}, p = {pv:.3f}{'' if ok else '  !'}")
        print("energy balance per run, Δe(t_end) vs −(a/ρ)∫P_xy dt (relative mismatch):")
        for code in ("bbgky", "LAMMPS"):
            parts = []
            for run in data[code]:
                de, work = energy_balance(run, rate, rho)
                parts.append(f"{de:.4f}/{work:.4f} ({(de - work) / abs(work):+.1%})")
            print(f"  {code:6s}: " + ", ".join(parts))
        print(f"wall time: bbgky {wall['bbgky']:.0f} s, LAMMPS {wall['LAMMPS']:.0f} s", flush=True)
    print(f"\nOVERALL: {sum(verdict)}/{len(verdict)} comparisons agree within statistical error "
          f"(p ≥ 0.01); {'all agree' if all(verdict) else 'see the flagged lines (!)'}")


if __name__ == "__main__":
    main()
