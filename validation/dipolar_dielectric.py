"""The static dielectric constant of the 2D dipolar solvent, two routes (docs/dipolar.md).

1. Ideal rotor gas (electrostatics = "none", dilute): ε − 1 from polarisation fluctuations
   against ρp²/(2ε0 k_BT).
2. Interacting fluid (finite charges, Ewald): ε from fluctuations at E0 = 0 against the linear
   response ⟨M_x⟩/A = ε0(ε − 1)E0 at two field strengths (linearity: the two agree).

All runs thermostatted (Langevin, θ = 1). Usage:
    PYTHONPATH=src python validation/dipolar_dielectric.py [end_time]
Prints one line per estimate with its block-average standard error.
"""

import math
import sys
import tempfile

import numpy as np

from bbgky import config
from bbgky.particles import level
from bbgky.precision import enable_float64


def run(end, interaction, n=64, density=0.5, seed=1):
    data = {
        "title": "dielectric validation",
        "system": {"dimension": 2, "particles": n, "density": density, "temperature": 1.0,
                   "seed": seed},
        "interaction": {"potential": "dipolar", "bond_length": 0.3, **interaction},
        "thermostat": {"kind": "langevin", "temperature": 1.0, "damping": 1.0},
        "time": {"end": end, "step": 0.005, "save_every": 0.05},
        "initial": {"equilibration": 1.0},
        "levels": {"particles": {"velocity_samples": 0}},
    }
    with tempfile.TemporaryDirectory() as out:
        return level.run(config.validate(data), out)


def main(end=40.0):
    enable_float64()
    # 1. ideal rotor gas
    n, rho, q, ell = 100, 0.01, 10.0, 0.3
    ds = run(end, {"charge": q, "electrostatics": "none"}, n=n, density=rho)
    expected = 1 + rho * (q * ell) ** 2 / 2
    print(f"rotor gas: eps = {float(ds.dielectric_constant):.4f} ± "
          f"{float(ds.dielectric_constant_stderr):.4f}, expected {expected:.4f}")
    # 2. interacting fluid
    n, rho, q = 64, 0.5, 2.0
    area = n / rho
    ds = run(end, {"charge": q, "electrostatics": "charges"}, n=n, density=rho)
    print(f"fluid, fluctuations: eps = {float(ds.dielectric_constant):.4f} ± "
          f"{float(ds.dielectric_constant_stderr):.4f}")
    for E0 in (0.1, 0.2):
        ds = run(end, {"charge": q, "electrostatics": "charges", "applied_field": [E0, 0.0]},
                 n=n, density=rho)
        Mx = ds.polarization.values[1:, 0]
        blocks = np.array([b.mean() for b in np.array_split(Mx, 10)])
        eps = 1 + Mx.mean() / (area * E0)
        err = blocks.std(ddof=1) / math.sqrt(len(blocks)) / (area * E0)
        print(f"fluid, response E0 = {E0}: eps = {eps:.4f} ± {err:.4f}; fluctuations in the "
              f"field: {float(ds.dielectric_constant):.4f} ± "
              f"{float(ds.dielectric_constant_stderr):.4f}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 40.0)
