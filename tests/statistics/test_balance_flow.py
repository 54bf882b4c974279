"""The momentum balance through [levels.statistics] under a flow.

Simple shear with the gradient along the profile axis, u = (0, a x₁) (A = [[0, 0], [a, 0]]), NVE,
with the cosine trap along x₁ (accepted by validate since the trap is periodic at every image):
every replica follows a deterministic OMD trajectory, so at the interior saves the residual of every
component is the O(Δt²) error of the central time difference (save interval = one step) — except in
the few bins where a particle crossed a kink of the hat kernel between saves (balance module
docstring), so the check is on the median bin — while the flow term −a j₁ of the flow component is
of the size of the others. A flow that moves the profile planes (the preset simple shear
u = (a x₂, 0)) runs, without the balance, and says why (slow: a second compile).
"""

import numpy as np
import pytest
import xarray as xr

from bbgky.scenarios import runner

R, N, D, RHO = 4, 16, 2, 0.25
L = (N / RHO) ** 0.5


def _data(flow):
    return {
        "title": "balance under shear",
        "system": {"dimension": D, "particles": N, "density": RHO, "temperature": 0.5, "seed": 3},
        "interaction": {"potential": "gaussian", "cutoff": 3.5},
        "flow": flow,
        "external": {"kind": "cosine", "amplitude": 0.8, "wavenumber": 2 * np.pi / L},
        "time": {"end": 0.004, "step": 0.001, "save_every": 0.001},
        "initial": {"kind": "product"},
        "ensemble": {"replicas": R},
        "levels": {"particles": {"backend": "jax", "velocity_samples": 0},
                   "statistics": {"pair_bins": 4, "plane_bins": 4, "profile_bins": 8,
                                  "covariance_bins": 2}},
    }


def test_sheared_balance_closes_along_the_trajectories(tmp_path):
    out = tmp_path / "shear"
    runner.run(runner.validate(_data({"kind": "matrix", "matrix": [[0.0, 0.0], [1.0, 0.0]]})), out,
               report=False)
    with xr.open_dataset(out / "statistics.nc") as ds:
        comp = ds.momentum_balance_components.isel(time=slice(1, -1)).load()
        along = ds.momentum_balance.isel(time=slice(1, -1)).load()
    scale = float(np.abs(comp.sel(term=["flux_divergence", "external", "mean_field"])).max())
    residual = np.abs(comp.sel(term="residual").values)
    flow = comp.sel(term="flow").values  # [time, component, x]
    assert np.median(residual) < 1e-3 * scale, (np.median(residual), residual.max(), scale)
    assert np.all(flow[:, 0] == 0) and float(np.abs(flow[:, 1]).max()) > 0.05 * scale
    # momentum_balance is the component along the first lattice vector x₁
    np.testing.assert_allclose(along.values, comp.values[:, :, 0], atol=1e-12 * scale)


@pytest.mark.slow
def test_flow_moving_the_profile_planes_runs_without_the_balance(tmp_path):
    data = _data({"kind": "simple_shear", "rate": 1.0})
    del data["external"]  # V(x₁) is not periodic under this flow (refused at validation)
    out = tmp_path / "preset"
    runner.run(runner.validate(data), out, report=False)
    with xr.open_dataset(out / "statistics.nc") as ds:
        assert "momentum_balance" not in ds and "correlation_force" in ds
        assert "not measured" in ds.attrs["momentum_balance"]
