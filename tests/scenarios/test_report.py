"""Outputs and report: CF attributes, the configuration in the file, reduction-error tables."""

import numpy as np
import pytest
import xarray as xr

from bbgky import __version__
from bbgky.config import to_toml, validate
from bbgky.output import level_dataset, write_atomic
from bbgky.scenarios.report import reduction_errors, write_report


def fake_level(level, temperature, t):
    n = t.size
    P = np.zeros((n, 3, 3))
    P[:, range(3), range(3)] = temperature[:, None] * 0.1
    P[:, 0, 1] = P[:, 1, 0] = -0.02
    data = {"density": np.full(n, 0.1), "temperature": temperature, "internal_energy": 1.5 * temperature,
            "pressure_tensor": P, "heat_flux": np.zeros((n, 3)), "speed_moment": np.ones((n, 4))}
    cfg = validate({})
    return level_dataset(t, data, level=level, config_toml=to_toml(cfg), seed=cfg.system.seed)


def test_netcdf_has_units_long_names_and_the_configuration(tmp_path):
    t = np.linspace(0, 1, 11)
    ds = fake_level("particles", 1 + t, t)
    path = write_atomic(ds, tmp_path / "particles.nc")
    back = xr.open_dataset(path)
    for name, var in back.data_vars.items():
        assert var.attrs["units"], name
        assert var.attrs["long_name"], name
    assert back.pressure_tensor.dims == ("time", "i", "j")
    assert back.speed_moment.order.values.tolist() == [2, 4, 6, 8]
    assert back.attrs["bbgky_version"] == __version__
    assert back.attrs["seed"] == 1
    assert validate(__import__("tomllib").loads(back.attrs["configuration"])) == validate({})
    assert not list(tmp_path.glob("*.tmp"))


def test_reduction_errors_compare_levels_on_shared_times():
    t_fine, t_coarse = np.linspace(0, 2, 201), np.linspace(0, 2, 21)
    a = fake_level("particles", 1 + 0.5 * t_fine, t_fine)
    b = fake_level("boltzmann", (1 + 0.5 * t_coarse) * 1.02, t_coarse)
    section = reduction_errors({"particles": a, "boltzmann": b})
    _, rows = section.table
    assert rows[0][0] == "particles ↔ boltzmann"
    assert float(rows[0][1]) == pytest.approx(0.02 / 1.02, rel=1e-3)  # 4 significant figures


def test_report_files_are_written(tmp_path):
    t = np.linspace(0, 1, 11)
    md = write_report(validate({}), {"particles": fake_level("particles", 1 + t, t)}, tmp_path,
                      wall_seconds={"particles": 1.0})
    text = md.read_text()
    assert "| particles |" in text and "temperature.png" in text
    assert (tmp_path / "report.html").read_text().startswith("<!doctype html>")
    assert (tmp_path / "temperature.png").stat().st_size > 1000
    assert (tmp_path / "pressure_tensor.png").stat().st_size > 1000


def test_vlasov_section_plots_field_energy_and_phase_space(tmp_path):
    from bbgky.scenarios.report import vlasov_section

    t = np.linspace(0, 1, 5)
    ds = xr.Dataset({"field_energy": ("time", np.exp(-t)), "mass": ("time", np.ones(5)),
                     "total_energy": ("time", np.full(5, 2.0)),
                     "phase_space": (("time", "x_snap", "v_snap"), np.ones((5, 4, 6)))},
                    coords={"time": t, "x_snap": np.arange(4.0), "v_snap": np.linspace(-3, 3, 6)})
    section = vlasov_section(ds, tmp_path)
    assert section.images == ["vlasov.png"] and (tmp_path / "vlasov.png").stat().st_size > 1000
    assert "Mass drift 0.00e+00" in section.text[-1]


def test_limit_studies_section_reports_fitted_rates(tmp_path):
    from bbgky.scenarios.report import studies_section

    N = np.array([100, 1000, 10000])
    w1 = xr.Dataset({"w1_velocity_mean": (("N", "time"), (N ** -0.5)[:, None] * np.ones((3, 2))),
                     "w1_velocity_rate": ("time", [-0.5, -0.5])}, coords={"N": N, "time": [0.0, 1.0]})
    kn = xr.Dataset({"density_error": (("knudsen", "time"), np.array([[0.2], [0.1]]))},
                    coords={"knudsen": [0.2, 0.1], "time": [1.0]}, attrs={"order": 1.0})
    section = studies_section({"w1_vs_n": w1, "hydro_vs_kn": kn}, tmp_path)
    assert "N^-0.500" in section.text[0] and "Kn^1.000" in section.text[1]
    assert (tmp_path / "limits.png").stat().st_size > 1000
