"""[levels.statistics]: the frame observer of the particle level writes statistics.nc with the
INTERFACE names and shapes; a dilute gas has g ≈ 1 at large r within its standard error; the table
is refused without the particle level and with a pair range beyond half the cell width; a resumed
run writes the same statistics."""

import numpy as np
import pytest
import xarray as xr

from bbgky.errors import ConfigError
from bbgky.scenarios import runner
from bbgky.statistics.level import pair_range

R, N, D = 4, 32, 2


def _data(**stats):
    return {
        "title": "statistics level",
        "system": {"dimension": D, "particles": N, "density": 0.05, "temperature": 1.0, "seed": 3},
        "interaction": {"potential": "gaussian"},
        "time": {"end": 0.2, "step": 0.01, "save_every": 0.1},
        "initial": {"kind": "product"},
        "ensemble": {"replicas": R},
        "levels": {"particles": {"backend": "jax", "velocity_samples": 0},
                   "statistics": {"pair_bins": 12, "plane_bins": 8, "profile_bins": 5,
                                  "covariance_bins": 4, "pair_density_bins": 6, **stats}},
    }


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("stats")
    runner.run(runner.validate(_data(normalization="finite_size")), out, report=False)
    return out


def test_statistics_nc_has_the_interface_variables(run_dir):
    with xr.open_dataset(run_dir / "statistics.nc") as ds:
        T = ds.sizes["time"]
        assert T == 3  # t0 and two saves
        shapes = {"pair_correlation": (T, 12), "pair_correlation_plane": (T, 8, 8),
                  "pair_correlation_harmonic": (T, 2, 2, 12), "density_profile": (T, 5),
                  "pair_density_residual": (T, 6, 6),
                  "velocity_covariance": (T, 4, D, D), "velocity_marginal": (T, D, 40),
                  "bulk_velocity": (T, 5, D), "kinetic_pressure": (T, 5, D, D), "correlation_force": (T, 5),
                  "momentum_balance": (T, 8, 5), "momentum_balance_components": (T, 8, D, 5)}
        for name, shape in shapes.items():
            for var in (name, f"{name}_stderr"):
                assert ds[var].shape == shape, var
                assert ds[var].attrs["units"] and ds[var].attrs["long_name"]
        assert "[levels.statistics]" in ds.attrs["configuration"] and ds.attrs["replicas"] == R
        assert np.all(np.isfinite(ds.pair_correlation)) and np.all(ds.pair_correlation_stderr > 0)
        assert ds.momentum_balance_average.shape == (8, 5) and list(ds.term.values)[-1] == "residual"
        # velocity marginals are probability densities: mass 1 up to the tails beyond ±5 sqrt(θ)
        dv = float(ds.v[1] - ds.v[0])
        np.testing.assert_allclose(ds.velocity_marginal.sum("v") * dv, 1.0, atol=1e-3)
        # particles per unit length along x integrate to N
        n = ds.density_profile.values
        np.testing.assert_allclose(n.sum(axis=1) * float(ds.x_profile[1] - ds.x_profile[0]), N)
        # ρ₂ = n⁽²⁾ − ((N−1)/N) n⊗n: symmetric, and ∫ρ₂(x₁, x₂)dx₂ = (N−1)n(x₁) − (N−1)n(x₁) = 0 exactly
        # (in every jackknife subsample too), the identity the (N−1)/N factor is there for
        rho2, dx = ds.pair_density_residual.values, float(ds.x1[1] - ds.x1[0])
        np.testing.assert_allclose(rho2, np.swapaxes(rho2, 1, 2), atol=1e-12)
        length = dx * ds.x1.size
        np.testing.assert_allclose(rho2.sum(axis=2) * dx, 0.0, atol=1e-12 * N**2 / length)  # vs (N−1)n
        assert ds.pair_density_residual.attrs["units"] == "sigma-2" and ds.x1.attrs["units"] == "sigma"


def test_dilute_gas_pair_correlation_is_one_at_large_r(run_dir):
    """Product data of a dilute gas with a soft potential (ρ = 0.05, gaussian ε = 1 at θ = 1): the
    finite_size g of the outer half of the range is 1 within 5 standard errors (pooled bins)."""
    with xr.open_dataset(run_dir / "statistics.nc") as ds:
        g = ds.pair_correlation.values[:, 6:]
        se = ds.pair_correlation_stderr.values[:, 6:]
    mean = g.mean()
    err = np.sqrt(np.sum(se**2)) / g.size  # bins treated as independent
    assert abs(mean - 1.0) < 5 * err + 1e-12, (mean, err)


def test_statistics_needs_particles_and_a_range_within_the_cell():
    data = _data()
    data["levels"] = {"boltzmann": {}, "statistics": {}}
    with pytest.raises(ConfigError) as exc:
        runner.validate(data)
    assert any(k == "levels.statistics" for k, _ in exc.value.problems)
    with pytest.raises(ConfigError) as exc:  # box side sqrt(32/0.05) ≈ 25.3: half ≈ 12.6
        runner.validate(_data(pair_range=13.0))
    assert [k for k, _ in exc.value.problems] == ["levels.statistics.pair_range"]
    with pytest.raises(ConfigError) as exc:
        runner.validate(_data(average_from=0.2))
    assert [k for k, _ in exc.value.problems] == ["levels.statistics.average_from"]
    assert runner.validate(_data(pair_range=12.0)).levels.statistics.pair_range == 12.0


def test_pair_range_bound_follows_the_sheared_cell():
    """Under simple shear the cell thins: at strain γ its smallest width is L/√(1 + γ²) until the
    lattice reduction at γ = 1/2, so over t ≤ 0.5 at rate 1 (and over any longer run) the bound is
    L/(2√1.25) ≈ 11.31, not the L/2 ≈ 12.65 of the cell at rest; 12 is refused naming the key and
    the time the bound is reached, and the default r_max sits just below the bound."""
    def sheared(**stats):
        data = _data(**stats)
        data["flow"], data["time"]["end"] = {"kind": "simple_shear", "rate": 1.0}, 0.5
        return data

    bound = np.sqrt(N / 0.05) / (2 * np.sqrt(1.25))
    with pytest.raises(ConfigError) as exc:
        runner.validate(sheared(pair_range=12.0))
    (key, why), = exc.value.problems
    assert key == "levels.statistics.pair_range" and "under this flow" in why and f"{bound:.6g}" in why
    r_max = pair_range(runner.validate(sheared()))
    assert bound * (1 - 1e-5) < r_max < bound


def test_closure_reference_is_checked(run_dir, tmp_path):
    """A homogeneous statistics.nc of the same potential is accepted as the closure's g(r) and gives
    correlation_force_closure with its standard error; a missing file or a trapped run is refused
    with the key."""
    ok = runner.validate(_data(closure_reference=str(run_dir / "statistics.nc")))
    assert ok.levels.statistics.closure_reference.endswith("statistics.nc")
    runner.run(ok, tmp_path / "closure", report=False)
    with xr.open_dataset(tmp_path / "closure" / "statistics.nc") as ds:
        c, se = ds.correlation_force_closure.values, ds.correlation_force_closure_stderr.values
        assert c.shape == se.shape == ds.correlation_force.shape and np.all(np.isfinite(c))
        assert np.all(se > 0) and ds.correlation_force_closure_stderr.attrs["units"] == "epsilon sigma-2"
        # the reduction error of the closure against the measured C, with both errors combined
        np.testing.assert_allclose(ds.correlation_force_closure_error, c - ds.correlation_force.values)
        np.testing.assert_allclose(ds.correlation_force_closure_error_stderr,
                                   np.hypot(se, ds.correlation_force_stderr.values))
    for path in (tmp_path / "missing.nc", run_dir / "particles.nc"):
        with pytest.raises(ConfigError) as exc:
            runner.validate(_data(closure_reference=str(path)))
        assert [k for k, _ in exc.value.problems] == ["levels.statistics.closure_reference"]


def test_statistics_refused_by_the_cli_with_exit_2(tmp_path):
    from typer.testing import CliRunner

    from bbgky.cli import app
    from bbgky.config import to_toml, validate

    cfg = validate(_data())  # schema only: the level check is the CLI's job
    path = tmp_path / "big.toml"
    path.write_text(to_toml(cfg).replace("[levels.statistics]", "[levels.statistics]\npair_range = 30.0"))
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "levels.statistics.pair_range" in res.output, res.output


def test_resume_gives_the_same_statistics(run_dir, tmp_path):
    cfg = runner.validate(_data(normalization="finite_size"))
    half = runner.validate({**_data(normalization="finite_size"),
                            "time": {"end": 0.1, "step": 0.01, "save_every": 0.1}})
    runner.run(half, tmp_path, report=False)
    runner.run(cfg, tmp_path, resume=True, report=False)
    with xr.open_dataset(run_dir / "statistics.nc") as a, xr.open_dataset(tmp_path / "statistics.nc") as b:
        for name in ("pair_correlation", "velocity_covariance", "density_profile", "pair_density_residual"):
            np.testing.assert_array_equal(a[name].values, b[name].values)


def test_report_section_plots_pair_correlation(run_dir):
    from bbgky.scenarios.report import statistics_section

    section = statistics_section(runner.validate(_data(normalization="finite_size")), run_dir)
    assert (run_dir / "pair_correlation.png").stat().st_size > 0
    assert "from 4 replicas" in section.text[0] and "an ideal gas gives 1," in section.text[0]


def test_report_names_a_matrix_flow_by_its_gradient():
    """A `kind = "matrix"` flow has no preset rate (0 by default): the run table shows A itself."""
    from bbgky.scenarios.report import run_table

    data = _data()
    data["flow"] = {"kind": "matrix", "matrix": [[0.0, 0.0], [0.5, 0.0]]}
    text = run_table(runner.validate(data), {}, {}).text[0]
    assert "flow matrix, velocity gradient A = [[0.0, 0.0], [0.5, 0.0]]" in text and "rate" not in text


def test_report_says_why_the_balance_is_missing(run_dir, tmp_path):
    """A flow that moves the profile planes writes no balance; the report section says so."""
    from bbgky.scenarios.report import statistics_section

    with xr.open_dataset(run_dir / "statistics.nc") as ds:
        kept = ds.drop_vars([v for v in ds.data_vars if v.startswith("momentum_balance")]).load()
    kept.attrs["momentum_balance"] = "not measured: the flow moves the profile planes"
    kept.to_netcdf(tmp_path / "statistics.nc")
    section = statistics_section(runner.validate(_data()), tmp_path)
    assert "Momentum balance not measured: the flow moves the profile planes." in section.text
