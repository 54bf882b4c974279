"""Particles ↔ DSMC on one Boltzmann–Grad WCA system: velocity samples in both files, the report
section with finite W1 and its floor."""

import numpy as np
from markdown_tables import table_after

from bbgky.config import validate
from bbgky.scenarios import examples
from bbgky.scenarios.particles_kinetic import compare
from bbgky.scenarios.runner import run


def test_tiny_particles_and_dsmc_run_reports_w1(tmp_path):
    cfg = validate({
        "system": {"particles": 64, "density": 2.8, "temperature": 1.0, "seed": 2},
        "interaction": {"potential": "wca", "scaling": "boltzmann_grad", "range": 0.2},
        "flow": {"kind": "simple_shear", "rate": 0.5},
        "time": {"end": 0.02, "step": 0.002, "save_every": 0.01}, "initial": {"equilibration": 0.0},
        "levels": {"particles": {"velocity_samples": 64, "backend": "jax"},
                   "boltzmann": {"kernel": "from_potential", "samples": 2000, "replicas": 2,
                                 "velocity_samples": 100}}})
    res = run(cfg, tmp_path)
    p, k = res.datasets["particles"], res.datasets["boltzmann"]
    assert p.velocity_sample.shape == (3, 64, 3) and k.velocity_sample.shape == (3, 2, 100, 3)
    # the saved samples are the level's own peculiar velocities: same ⟨|w|²⟩ as its observable
    assert np.allclose(np.mean(np.sum(p.velocity_sample.values**2, -1), -1), p.speed_moment.values[:, 0])
    assert k.attrs["kernel_angular_cutoff"] == 0.0  # WCA: finite range, b_max = 2^(1/6) ε
    assert np.isclose(k.attrs["kernel_impact_cutoff"], 2 ** (1 / 6) * 0.2)
    c = compare(p, k)
    assert np.all(np.isfinite(c["w1"])) and np.all(np.isfinite(c["w1_floor"]))
    assert np.all(c["w1"] > 0) and np.all(c["w1_floor"] > 0)
    head, rows = table_after((tmp_path / "report.md").read_text(), "Particles ↔ kinetic")
    assert "W1" in head and "W1 floor" in head and "Δ⟨|w|^8⟩/⟨|w|^8⟩" in head
    assert rows and all(len(row) == len(head) for row in rows)
    assert all(row[-1] != "—" for row in rows)  # the floor is a number
    assert (tmp_path / "particles_kinetic.png").is_file()


def test_example_is_bundled_and_valid():
    cfg = examples.load("particles_boltzmann_3d_wca_shear")
    assert cfg.levels.boltzmann.kernel == "from_potential" and cfg.interaction.scaling == "boltzmann_grad"
