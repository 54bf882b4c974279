"""``[output] trajectory_every``: extended XYZ frames of the particle level that ASE (and OVITO)
read back, consistent with the run (times, cell, peculiar velocities)."""

import ase.io
import numpy as np

from bbgky.scenarios import runner


def test_trajectory_frames_every_k_saves(tmp_path):
    cfg = runner.validate({
        "system": {"particles": 32, "density": 0.2, "dimension": 2},
        "flow": {"kind": "simple_shear", "rate": 0.5},
        "time": {"end": 0.04, "step": 0.01, "save_every": 0.01}, "initial": {"equilibration": 0.0},
        "levels": {"particles": {"backend": "jax", "velocity_samples": 0}},
        "output": {"trajectory_every": 2}})
    runner.run(cfg, tmp_path, report=False)
    frames = ase.io.read(tmp_path / "trajectory.xyz", index=":")
    assert [f.info["time"] for f in frames] == [0.0, 0.02, 0.04] and len(frames[0]) == 32
    A = cfg.velocity_gradient()
    for f in frames:
        t = f.info["time"]
        H = f.cell.array.T[:2, :2]  # columns: lattice vectors
        x = f.positions[:, :2]
        s = x @ np.linalg.inv(H).T
        assert np.all((s >= -1e-12) & (s < 1 + 1e-12))  # inside the current cell
        L = A @ np.linalg.inv(np.eye(2) + t * A)
        np.testing.assert_allclose(f.arrays["peculiar_vel"][:, :2], f.arrays["vel"][:, :2] - x @ L.T,
                                   atol=1e-12)
        assert f.pbc.tolist() == [True, True, False]
