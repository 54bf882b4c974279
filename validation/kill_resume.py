"""SIGKILL at random times, resume, compare: the resumed runs must end bit-identical to an
uninterrupted one (docs/reliability.md, issue 13).

For each level below, one uninterrupted reference run, then ``--kills`` runs killed with SIGKILL at
a uniformly random time between their first checkpoint and the reference's end (a run that ends
before its kill is started again with an earlier kill), each resumed with ``--resume`` (and killed
again while resuming with probability 1/3), then every data variable and attribute of the level's
netCDF file is compared with the reference (NaN-aware, exact) and the files byte by byte.

    python validation/kill_resume.py --kills 4 --jobs 3      # 5 levels × 4 = 20 SIGKILLs

Prints a markdown table: level, kills, kill times, resumed bit-identical (data), files identical.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import xarray as xr

from bbgky import config

SHEAR = {"kind": "simple_shear", "rate": 0.5}


def particles(backend: str) -> dict:
    return {"system": {"particles": 108, "density": 0.3}, "initial": {"equilibration": 0.0}, "flow": SHEAR,
            "levels": {"particles": {"backend": backend, "velocity_samples": 16}}}


# name: (level, its configuration tables, its [time] table)
LEVELS = {
    "particles (jax)": ("particles", particles("jax"), dict(end=3.0, step=0.005, save_every=0.1)),
    "particles (numba)": ("particles", particles("numba"), dict(end=3.0, step=0.005, save_every=0.1)),
    "DSMC": ("boltzmann", {
        "system": {"density": 0.5}, "interaction": {"potential": "hard_sphere"}, "flow": SHEAR,
        "levels": {"boltzmann": {"method": "dsmc", "samples": 20000, "replicas": 2, "velocity_samples": 16}},
    }, dict(end=3.0, step=0.01, save_every=0.1)),
    "spectral": ("boltzmann", {
        "system": {"density": 1.0}, "interaction": {"potential": "maxwell"}, "flow": SHEAR,
        "levels": {"boltzmann": {"method": "spectral", "grid": 24}},
    }, dict(end=1.0, step=0.05, save_every=0.1)),
    "Vlasov": ("vlasov", {
        "system": {"dimension": 1, "density": 1.0},
        "interaction": {"potential": "coulomb", "scaling": "mean_field"},
        "initial": {"kind": "landau", "amplitude": 0.05, "wavenumber": 0.5},
        "levels": {"vlasov": {"grid": [64, 128], "velocity_max": 6.0}},
    }, dict(end=20.0, step=0.05, save_every=0.2)),
}


def bbgky(*args: str) -> list[str]:
    return [sys.executable, "-c", "from bbgky.cli import main; main()", *args]


def run_to_end(cfg: Path, out: Path, resume: bool = False) -> float:
    start = time.time()
    args = ["run", str(cfg), "--out", str(out)] + (["--resume"] if resume else [])
    res = subprocess.run(bbgky(*args), capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {res.returncode}: "
                           f"{res.stdout[-2000:]}{res.stderr[-2000:]}")
    return time.time() - start


def first_checkpoint_seen(out: Path, proc: subprocess.Popen) -> bool:
    folder = out / "checkpoint"
    while proc.poll() is None:
        if any(folder.glob("*.npz")):
            return True
        time.sleep(0.02)
    return False


def killed_run(cfg: Path, out: Path, window: float, rng: random.Random, resume: bool) -> float | None:
    """Start a run, SIGKILL it at a random time in the window after its first checkpoint; the
    kill time (s after the first checkpoint), or None if it finished first."""
    args = ["run", str(cfg), "--out", str(out)] + (["--resume"] if resume else [])
    proc = subprocess.Popen(bbgky(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not first_checkpoint_seen(out, proc):
        return None
    delay = rng.uniform(0.0, window)
    time.sleep(delay)
    if proc.poll() is not None:
        return None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return delay


def same(a: Path, b: Path) -> tuple[bool, bool]:
    with xr.open_dataset(a) as x, xr.open_dataset(b) as y:
        data = set(x.variables) == set(y.variables) and all(
            np.array_equal(x[v].values, y[v].values, equal_nan=x[v].dtype.kind == "f") for v in x.variables)
        attrs = all(str(x.attrs.get(k)) == str(y.attrs.get(k)) for k in set(x.attrs) | set(y.attrs))
    return data and attrs, a.read_bytes() == b.read_bytes()


def one_level(name: str, kills: int, root: Path, seed: int) -> dict:
    level, tables, times = LEVELS[name]
    rng = random.Random(seed)
    folder = root / name.replace(" ", "_").replace("(", "").replace(")", "")
    folder.mkdir(parents=True)
    cfg = folder / "config.toml"
    data = config.validate({"title": f"kill {name}", **tables, "time": times})  # a bad table fails here
    cfg.write_text(config.to_toml(data, defaults=False))
    wall = run_to_end(cfg, folder / "reference")
    window = max(0.5, 0.8 * wall)
    rows = []
    for k in range(kills):
        out = folder / f"killed{k}"
        delay = None
        while delay is None:
            shutil.rmtree(out, ignore_errors=True)
            delay = killed_run(cfg, out, window, rng, resume=False)
            window *= 1.0 if delay is not None else 0.6
        second = None
        if rng.random() < 1 / 3:  # kill the resumed run too
            second = killed_run(cfg, out, window, rng, resume=True)
        run_to_end(cfg, out, resume=True)
        rows.append((delay, second, *same(folder / "reference" / f"{level}.nc", out / f"{level}.nc")))
        print(f"{name}: kill {k} at {delay:.2f} s" + (f" (+ {second:.2f} s while resuming)" if second else "")
              + f": data identical {rows[-1][2]}, file identical {rows[-1][3]}", file=sys.stderr, flush=True)
    return {"name": name, "wall": wall, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=4, help="SIGKILLs per level")
    parser.add_argument("--jobs", type=int, default=2, help="levels run in parallel")
    parser.add_argument("--levels", nargs="*", default=list(LEVELS), choices=list(LEVELS))
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bbgky-kill-"))
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda kv: one_level(kv[1], args.kills, root, args.seed + kv[0]),
                                enumerate(args.levels)))
    print("| level | reference wall s | SIGKILLs | kill times after first checkpoint (s) | "
          "resumed data + attrs identical | files byte-identical |")
    print("|---|---|---|---|---|---|")
    total = ok = 0
    for r in results:
        n = len(r["rows"]) + sum(s is not None for _, s, _, _ in r["rows"])
        total += n
        ok += sum(d for _, _, d, _ in r["rows"])
        times = ", ".join(f"{a:.2f}" + (f" + {s:.2f}" if s is not None else "") for a, s, _, _ in r["rows"])
        print(f"| {r['name']} | {r['wall']:.1f} | {n} | {times} | {sum(d for *_, d, _ in r['rows'])}/"
              f"{len(r['rows'])} | {sum(f for *_, f in r['rows'])}/{len(r['rows'])} |")
    print(f"\n{total} SIGKILLs; {ok} of {sum(len(r['rows']) for r in results)} resumed runs bit-identical "
          f"(work folder {root})")
    if os.environ.get("BBGKY_KEEP") is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
