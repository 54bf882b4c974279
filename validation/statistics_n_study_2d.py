"""The 1/N study in 2D2V (docs/statistics.md, "The 1/N study", 2D): a Gaussian core (ε = 10,
σ = 1) in mean-field scaling in the box 4π × 4π, product data with the profile
ρ0(1 + 0.5 cos(0.5 x₁)) and θ₀ = 1, N = 8, 16, 32, 64, fit at t = 1; the Vlasov reference on a
[32, 32, 32, 32] grid (v_max = 6). Prints both fitted slopes (with the jackknife and the bootstrap
standard errors), the replicas per N, the reference check and the CPU time. Measured (seed 1):
D₁ −0.914 ± 0.081 (bootstrap ± 0.063), D₂ −0.903 ± 0.125 (bootstrap ± 0.112) at t = 1, 127 s CPU.

    PYTHONPATH=src python validation/statistics_n_study_2d.py [out] [seed]
"""

import math
import os
import resource
import sys
import time
from pathlib import Path

from bbgky.precision import enable_float64
from bbgky.scenarios import n_study, runner

L = 4 * math.pi


def config(seed: int = 1):
    return runner.validate({
        "title": "1/N study, 2D Gaussian core",
        "system": {"dimension": 2, "particles": 16, "density": 16 / L**2, "temperature": 1.0, "seed": seed},
        "interaction": {"potential": "gaussian", "scaling": "mean_field", "epsilon": 10.0},
        "initial": {"kind": "product", "profile": {"amplitude": 0.5, "wavenumber": 0.5}},
        "time": {"end": 1.0, "step": 0.05, "save_every": 0.5},
        "levels": {"particles": {}, "statistics": {
            "n_study": [8, 16, 32, 64], "n_study_grid": [32, 32], "n_study_velocity_max": 6.0,
            "n_study_replicas": 128, "n_study_max_replicas": 2048}},
    })


def main(out: Path, seed: int = 1) -> int:
    enable_float64()
    start = time.time()

    def say(msg):
        print(f"[{time.time() - start:7.1f} s] {msg}", flush=True)

    ds = n_study.run(config(seed), out, progress=say)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(f"wall {time.time() - start:.1f} s, CPU {cpu.ru_utime + cpu.ru_stime:.1f} s, "
          f"load average {os.getloadavg()}")
    for t in range(1, ds.time.size):
        print(f"t = {float(ds.time[t]):.3g}: slope D1 {float(ds.slope[0, t]):+.3f} ± "
              f"{float(ds.slope_stderr[0, t]):.3f} (bootstrap {float(ds.slope_bootstrap_stderr[0, t]):.3f}), "
              f"D2 {float(ds.slope[1, t]):+.3f} ± {float(ds.slope_stderr[1, t]):.3f} "
              f"(bootstrap {float(ds.slope_bootstrap_stderr[1, t]):.3f})")
    for i, n in enumerate(ds.n.values):
        D, S = ds.marginal_distance.values[i, :, -1], ds.marginal_distance_stderr.values[i, :, -1]
        print(f"N = {int(n):3d}: R = {int(ds.replicas[i]):5d}, D1 = {D[0]:.4g} ± {S[0]:.2g}, "
              f"D2 = {D[1]:.4g} ± {S[1]:.2g}")
    for line in n_study.summary(ds):
        print(line)
    ok = all(abs(ds.attrs[k] + 1) <= 0.15 for k in ("slope_one_marginal", "slope_pair"))
    print("PASS" if ok else "FAIL", f"(slopes within −1 ± 0.15; plot: {out / n_study.PLOT})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("runs/validation-n-study-2d"),
                  int(sys.argv[2]) if len(sys.argv) > 2 else 1))
