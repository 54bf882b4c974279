"""The Vlasov level of a scenario: vlasov.nc contents, resume, the homogeneous-flow branch."""

import copy
from functools import partial

import numpy as np
import pytest
import xarray as xr

from bbgky.config import validate
from bbgky.kinetic.vlasov.level import run

BASE = {
    "title": "landau",
    "system": {"dimension": 1, "density": 1.0, "temperature": 1.0, "seed": 3},
    "interaction": {"potential": "coulomb", "scaling": "mean_field"},
    "initial": {"kind": "landau", "amplitude": 0.3, "wavenumber": 0.5},
    "time": {"end": 2.0, "step": 0.1, "save_every": 0.5},
    "levels": {"vlasov": {"grid": [16, 32], "velocity_max": 7.0, "particles": 200, "closure": "adiabatic",
                          "snapshot_points": 16}},
}


def test_level_writes_interface_variables_and_diagnostics(tmp_path):
    ds = run(validate(BASE), tmp_path)
    on_disk = xr.open_dataset(tmp_path / "vlasov.nc")
    for name in ("density", "temperature", "internal_energy", "pressure_tensor", "heat_flux", "speed_moment",
                 "electric_energy", "mass", "total_energy", "entropy", "phase_space", "w1_velocity",
                 "hydro_density_error"):
        assert name in on_disk, name
        assert on_disk[name].attrs["units"] and on_disk[name].attrs["long_name"]
    assert on_disk.sizes["time"] == 5 and on_disk["phase_space"].shape == (5, 16, 16)
    assert "[levels.vlasov]" in on_disk.attrs["configuration"]
    m = ds["mass"].values
    assert np.abs(m - m[0]).max() < 1e-12 * m[0]
    assert ds["temperature"].values[0] == pytest.approx(1.0, rel=1e-8)
    np.testing.assert_allclose(ds["electric_energy"], ds["field_energy"])
    assert ds["hydro_density_error"].values[0] < 1e-10  # same initial moments (to the v-grid quadrature)
    on_disk.close()


def test_resume_after_an_interruption_is_bit_identical(tmp_path, interrupt):
    cfg = validate({**BASE, "levels": {"vlasov": {**BASE["levels"]["vlasov"], "closure": None}}})
    full = run(cfg, tmp_path / "full")

    interrupt(partial(run, cfg, tmp_path / "cut"), after=10)
    resumed = run(cfg, tmp_path / "cut", resume=True)
    for name in ("total_energy", "phase_space", "w1_position", "particle_temperature"):
        np.testing.assert_array_equal(resumed[name].values, full[name].values)


def test_homogeneous_flow_follows_the_exact_solution(tmp_path):
    data = copy.deepcopy(BASE)
    data["system"]["dimension"] = 2
    data["initial"] = {"kind": "maxwellian"}
    data["flow"] = {"kind": "simple_shear", "rate": 0.5}
    data["levels"]["vlasov"] = {"grid": [8, 8, 64, 64], "velocity_max": 9.0}
    ds = run(validate(data), tmp_path)
    np.testing.assert_allclose(ds["density"], ds["density_exact"], rtol=1e-6)
    assert ds["exact_solution_error"].values.max() < 1e-3
    # collisionless shear: P_xy/ρ = −t a θ0 (from F⁻¹F⁻ᵀ with F = I + tA)
    t = ds.time.values
    np.testing.assert_allclose(ds["pressure_tensor"][:, 0, 1] / ds["density"], -0.5 * t, atol=1e-5)


def test_2d2v_gaussian_potential_with_particles(tmp_path):
    data = copy.deepcopy(BASE)
    data["system"]["dimension"] = 2
    data["interaction"] = {"potential": "gaussian", "scaling": "mean_field", "epsilon": 2.0}
    data["time"] = {"end": 0.5, "step": 0.1, "save_every": 0.5}
    data["levels"]["vlasov"] = {"grid": [8, 8, 16, 16], "velocity_max": 6.0, "particles": 400,
                                "closure": "adiabatic"}
    ds = run(validate(data), tmp_path)
    # the 2D Euler system (γ = 2) starts from the Vlasov moments and stays close over t = 0.5
    assert ds["hydro_density_error"].values[0] < 1e-7  # v-grid quadrature of the initial moments
    assert 0 < ds["hydro_density_error"].values[-1] < 0.02
    assert ds["euler_density_profile"].shape == (2, 8)
    assert ds.sizes["i"] == 2 and "electric_energy" not in ds
    np.testing.assert_allclose(ds["pressure_tensor"][:, 0, 1], 0.0, atol=1e-12)
    assert ds.attrs["vlasov_particles"] == "N = 400, direct forces"
    assert np.all(ds["w1_velocity"].values < 0.2)
