"""The Boltzmann level runner: boltzmann.nc contents, methods against each other, resume, bad input."""

import math
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr

from bbgky import config
from bbgky.errors import ConfigError
from bbgky.kinetic.boltzmann import level


def make(levels, **tables):
    data = {"title": "boltzmann test", "system": {"density": 1.0, "temperature": 1.0, "seed": 3},
            "interaction": {"potential": "maxwell"},
            "time": {"end": 1.0, "step": 0.01, "save_every": 0.5},
            "levels": {"boltzmann": levels}}
    for k, v in tables.items():
        data[k] = {**data.get(k, {}), **v}
    return config.validate(data)


def test_spectral_bkw_file(tmp_path):
    cfg = make({"method": "spectral", "grid": 24, "velocity_extent": 7.0, "sphere_degree": 5},
               initial={"kind": "bkw", "start": 6.5}, time={"end": 1.0, "step": 0.1, "save_every": 0.5})
    ds = level.run(cfg, tmp_path)
    on_disk = xr.open_dataset(tmp_path / "boltzmann.nc")
    for name in ["density", "temperature", "internal_energy", "pressure_tensor", "heat_flux", "speed_moment"]:
        assert name in on_disk and on_disk[name].attrs["units"] and on_disk[name].attrs["long_name"]
    assert on_disk.attrs["method"] == "spectral" and "configuration" in on_disk.attrs
    t = ds.time.values
    np.testing.assert_allclose(ds.speed_moment.values[:, 1], 15 * (1 - np.exp(-(6.5 + t) / 3)), rtol=2e-4)
    np.testing.assert_allclose(ds.temperature.values, 1.0, rtol=1e-10)
    np.testing.assert_allclose(ds.internal_energy.values, 1.5 * ds.temperature.values)


@pytest.mark.slow
def test_spectral_anisotropic_scattering_against_moments_under_shear(tmp_path):
    """Maxwell molecules with b ∝ 1 + cos²θ (Λ = 4/5, ν = 0.6), simple shear a = 0.6 (a* = 1) to
    νt = 0.48: the spectral P(t) against the exact moment ODE. N = 24, L = 8, Lebedev 13 (11 + deg b).
    Measured max |ΔP| 2.8e-6 at t = 0.4, 2.1e-5 at t = 0.8 (p ≈ 1; 16 s)."""
    flow = {"kind": "simple_shear", "rate": 0.6}
    time = {"end": 0.8, "step": 0.05, "save_every": 0.4}
    levels = {"angular": [1.0, 0.0, 1.0]}
    s = level.run(make({**levels, "method": "spectral", "grid": 24, "velocity_extent": 8.0,
                        "sphere_degree": 13}, flow=flow, time=time), tmp_path / "s")
    m = level.run(make({**levels, "method": "moments"}, flow=flow, time=time), tmp_path / "m")
    assert s.attrs["kernel_parameters"] == m.attrs["kernel_parameters"]
    err = np.abs(s.pressure_tensor.values - m.pressure_tensor.values).max()
    print("anisotropic b, spectral vs moments: max |ΔP|", err, "P_xy", s.pressure_tensor.values[:, 0, 1])
    assert err < 1e-4
    assert m.pressure_tensor.values[-1, 0, 1] < -0.3  # the shear stress is well developed


def test_dsmc_against_moments_under_shear(tmp_path):
    flow = {"kind": "simple_shear", "rate": 0.5}
    d = level.run(make({"method": "dsmc", "samples": 20_000, "replicas": 4}, flow=flow), tmp_path / "d")
    m = level.run(make({"method": "moments"}, flow=flow), tmp_path / "m")
    assert "pressure_tensor_stderr" in d and "temperature_stderr" in d
    P, err, Pm = d.pressure_tensor.values, d.pressure_tensor_stderr.values, m.pressure_tensor.values
    z = np.abs(P - Pm)[1:] / np.maximum(err[1:], 1e-4)
    print("P_xy DSMC", P[:, 0, 1], "±", err[:, 0, 1], "moments", Pm[:, 0, 1])
    assert z.max() < 4.5
    m4, m4_err = d.speed_moment.values[1:, 1], d.speed_moment_stderr.values[1:, 1]
    zm4 = np.abs(m4 - m.speed_moment.values[1:, 1]) / m4_err
    assert zm4.max() < 4.5
    np.testing.assert_allclose(d.collisions.values, d.time.values, rtol=0.02, atol=0.01)  # Maxwell: rate = n


def test_dsmc_resume_is_bit_identical(tmp_path):
    levels = {"method": "dsmc", "kernel": "hard_sphere", "samples": 2_000, "replicas": 2}
    inter = {"interaction": {"potential": "wca"}}
    full = level.run(make(levels, time={"end": 1.0}, **inter), tmp_path / "full")
    level.run(make(levels, time={"end": 0.5}, **inter), tmp_path / "part")
    resumed = level.run(make(levels, time={"end": 1.0}, **inter), tmp_path / "part", resume=True)
    for name in ["temperature", "pressure_tensor", "speed_moment"]:
        np.testing.assert_array_equal(full[name].values, resumed[name].values)


def test_isotropic_expansion_bgk_and_moments(tmp_path):
    """θ = θ0 det(I + tA)^(−2/3) (hard spheres, BGK), anisotropic start."""
    flow = {"kind": "isotropic_expansion", "rate": 0.3}
    T = [[1.5, 0.2, 0.0], [0.2, 1.0, 0.0], [0.0, 0.0, 0.5]]
    init = {"kind": "anisotropic", "temperature_tensor": T}
    cfg = make({"method": "bgk", "kernel": "hard_sphere", "grid": 20}, flow=flow, initial=init,
               interaction={"potential": "wca"}, time={"end": 1.0, "step": 0.05, "save_every": 0.5})
    ds = level.run(cfg, tmp_path)
    t = ds.time.values
    exact = ds.temperature.values[0] * (1 + 0.3 * t) ** -2.0
    np.testing.assert_allclose(ds.temperature.values, exact, rtol=1e-6)
    np.testing.assert_allclose(ds.density.values, (1 + 0.3 * t) ** -3.0, rtol=1e-12)
    assert ds.temperature.values[0] == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("levels,tables,key", [
    ({"kernel": "from_potential"}, {"interaction": {"potential": "gaussian"}}, "interaction.potential"),
    ({"kernel": "from_potential", "method": "spectral"}, {"interaction": {"potential": "wca", "scaling":
                                                          "boltzmann_grad", "range": 0.1}},
     "levels.boltzmann.method"),
    ({"kernel": "hard_sphere"}, {}, "levels.boltzmann.kernel"),            # contradicts potential = maxwell
    ({"method": "moments", "kernel": "vhs"}, {"interaction": {"potential": "wca"}},
     "levels.boltzmann.method"),
    ({"method": "spectral", "kernel": "hard_sphere"},  # hard disks scatter anisotropically
     {"system": {"dimension": 2}, "interaction": {"potential": "wca"}}, "levels.boltzmann.kernel"),
    ({}, {"system": {"dimension": 1}}, "system.dimension"),
    ({"kernel": "from_potential"}, {"system": {"dimension": 2}, "interaction": {"potential": "wca"}},
     "levels.boltzmann.kernel"),
    ({"backend": "numba"}, {"system": {"dimension": 2}}, "levels.boltzmann.backend"),
    ({}, {"system": {"dimension": 2}, "initial": {"kind": "bkw", "start": 5.0}}, "initial.start"),  # K < 1/2
    ({}, {"system": {"dimension": 2}, "initial": {"kind": "anisotropic", "temperature_tensor": [[1.0]]}},
     "initial.temperature_tensor"),
    ({}, {"initial": {"kind": "anisotropic"}}, "initial.temperature_tensor"),
    ({}, {"initial": {"kind": "bkw", "start": 1.0}}, "initial.start"),
    ({"angular": [0.0, 1.0]}, {}, "levels.boltzmann.angular"),
])
def test_bad_input_names_the_key(tmp_path, levels, tables, key):
    cfg = make(levels, **tables)
    with pytest.raises(ConfigError) as info:
        level.run(cfg, tmp_path)
    assert key in [k for k, _ in info.value.problems]


@pytest.mark.parametrize("bad", [{"grid": -4}, {"omega": 1.5}, {"samples": 1}, {"collision_fraction": 0.0}])
def test_out_of_range_keys_rejected(bad):
    with pytest.raises(ConfigError):
        make(bad)


def test_cli_exit_status_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[interaction]\npotential = "gaussian"\n[levels.boltzmann]\nkernel = "from_potential"\n')
    res = subprocess.run([sys.executable, "-m", "bbgky.cli", "run", str(path), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert res.returncode == 2, res.stderr
    assert "interaction.potential" in res.stdout + res.stderr


def test_kernel_selected_by_potential():
    assert level.kernel_name(make({})) == "maxwell"
    assert level.kernel_name(make({}, interaction={"potential": "hard_sphere"})) == "hard_sphere"
    assert level.kernel_name(make({"kernel": "vhs"}, interaction={"potential": "wca"})) == "vhs"
    k = level.build_kernel(make({}, interaction={"potential": "hard_sphere", "sigma": 0.5}))
    assert k.total_rate(1.0) == pytest.approx(math.pi * 0.25)


def test_moments_method_bkw_fourth_moment(tmp_path):
    """method = 'moments' with BKW data: ⟨|w|⁴⟩ = 15(1 − e^{−t/3}) from the closed fourth moments."""
    cfg = make({"method": "moments"}, initial={"kind": "bkw", "start": 6.5}, time={"end": 3.5})
    ds = level.run(cfg, tmp_path)
    t = ds.time.values
    np.testing.assert_allclose(ds.speed_moment.values[:, 1], 15 * (1 - np.exp(-(6.5 + t) / 3)), rtol=1e-9)
    np.testing.assert_allclose(ds.temperature.values, 1.0, rtol=1e-12)


def test_grid_methods_write_velocity_marginals(tmp_path):
    """Axis marginals integrate to ρ with second moments P_ii; the speed distribution to ρ and
    tr P; the final g on the grid carries the same moments (sheared anisotropic state, BGK)."""
    T = [[1.5, 0.2, 0.0], [0.2, 1.0, 0.0], [0.0, 0.0, 0.5]]
    cfg = make({"method": "bgk", "grid": 24, "velocity_extent": 8.0},
               flow={"kind": "simple_shear", "rate": 0.5},
               initial={"kind": "anisotropic", "temperature_tensor": T},
               time={"end": 1.0, "step": 0.05, "save_every": 0.5})
    level.run(cfg, tmp_path)
    ds = xr.open_dataset(tmp_path / "boltzmann.nc")
    for name in ["velocity_scale", "velocity_marginal", "speed_distribution", "velocity_distribution", "xi"]:
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"]
    c = ds.velocity_scale.values
    np.testing.assert_allclose(c**2, ds.temperature.values / ds.temperature.values[0], rtol=1e-4)
    h = float(ds.xi[1] - ds.xi[0])
    w = c[:, None] * ds.xi.values[None, :]                                   # [time, N] physical w_i
    fm = ds.velocity_marginal.values                                          # [time, 3, N]
    rho = ds.density.values
    np.testing.assert_allclose((fm.sum(-1) * h * c[:, None]), rho[:, None] * np.ones(3), rtol=1e-12)
    second = (fm * w[:, None, :] ** 2).sum(-1) * h * c[:, None]
    P = ds.pressure_tensor.values
    np.testing.assert_allclose(second, np.diagonal(P, axis1=1, axis2=2), rtol=1e-12)
    # speed distribution of the trigonometric interpolant: trapezoid in r on [0, L], G ~ 0 at L; its
    # second moment differs from the lattice sum by the interpolant's ringing at h = 0.67 (~1e-3)
    r = c[:, None] * ds.xi_radial.values[None, :]
    fr = ds.speed_distribution.values
    np.testing.assert_allclose(np.trapezoid(fr, r, axis=-1), rho, rtol=1e-4)
    np.testing.assert_allclose(np.trapezoid(fr * r**2, r, axis=-1), np.trace(P, axis1=1, axis2=2), rtol=3e-3)
    g = ds.velocity_distribution.values
    cf = ds.velocity_distribution.attrs["final_velocity_scale"]
    assert cf == pytest.approx(c[-1])
    assert g.sum() * (cf * h) ** 3 == pytest.approx(rho[-1], rel=1e-12)


def test_dsmc_2d_bkw_file(tmp_path):
    """dimension = 2, DSMC, BKW start 6: M4 = 8(1 − e^{−t/4}) within 3 standard errors, e = θ, and
    the distribution outputs (as for the grid methods, on histogram bins with CF bounds): marginals
    and speed distribution integrate to ρ, the marginals' second moments are P_ii up to Sheppard's
    binning term ρθΔξ²/12."""
    cfg = make({"method": "dsmc", "samples": 10_000, "replicas": 4}, system={"dimension": 2},
               initial={"kind": "bkw", "start": 6.0})
    level.run(cfg, tmp_path)
    ds = xr.open_dataset(tmp_path / "boltzmann.nc")
    t = ds.time.values
    m4, err = ds.speed_moment.values[1:, 1], ds.speed_moment_stderr.values[1:, 1]
    assert np.all(np.abs(m4 - 8 * (1 - np.exp(-(6.0 + t[1:]) / 4))) < 3 * err)
    np.testing.assert_allclose(ds.temperature.values, 1.0, rtol=1e-12)
    np.testing.assert_allclose(ds.internal_energy.values, ds.temperature.values)
    assert ds.pressure_tensor.shape == (len(t), 2, 2) and ds.heat_flux.shape == (len(t), 2)
    assert list(ds.component.values) == ["x", "y"]
    for name in ("velocity_scale", "velocity_marginal", "speed_distribution", "velocity_marginal_stderr"):
        assert ds[name].attrs["units"] and ds[name].attrs["long_name"]
    c, rho = ds.velocity_scale.values, ds.density.values
    np.testing.assert_allclose(c**2, ds.temperature.values, rtol=1e-12)
    width = np.diff(ds[ds.xi.attrs["bounds"]].values, axis=1)[:, 0]
    fm = ds.velocity_marginal.values                                           # [time, 2, bins]
    assert fm.shape == (len(t), 2, len(width))
    np.testing.assert_allclose(fm @ width * c[:, None], rho[:, None] * np.ones(2), rtol=1e-10)
    speed_width = np.diff(ds[ds.xi_radial.attrs["bounds"]].values, axis=1)[:, 0]
    np.testing.assert_allclose(ds.speed_distribution.values @ speed_width * c, rho, rtol=1e-10)
    second = fm @ (ds.xi.values**2 * width) * c[:, None] ** 3                  # Σ w² g_i Δw
    P = np.diagonal(ds.pressure_tensor.values, axis1=1, axis2=2)
    sheppard = (rho * ds.temperature.values)[:, None] * width[0] ** 2 / 12
    np.testing.assert_allclose(second, P + sheppard, atol=3e-3)
    assert np.all(ds.velocity_marginal_stderr.values[1:, :, 32] > 0)


def test_moments_method_2d_bkw_fourth_moment(tmp_path):
    """dimension = 2, method = 'moments': the closed 2D fourth moments reproduce the 2D BKW
    M4 = 8(1 − e^{−t/4}) (docs/references.md) — an independent check of ν and of the 2D collision rule."""
    cfg = make({"method": "moments"}, system={"dimension": 2}, initial={"kind": "bkw", "start": 6.0},
               time={"end": 4.0})
    ds = level.run(cfg, tmp_path)
    t = ds.time.values
    np.testing.assert_allclose(ds.speed_moment.values[:, 1], 8 * (1 - np.exp(-(6.0 + t) / 4)), rtol=1e-9)
    np.testing.assert_allclose(ds.temperature.values, 1.0, rtol=1e-12)


def test_default_sphere_degree_follows_the_flow_and_the_angular_kernel():
    """11 for relaxation, 17 under a flow (sheared states), + the degree of b(cos θ); explicit wins."""
    from bbgky.models import kernels
    shear = np.array([[0.0, 1.0, 0.0], [0.0] * 3, [0.0] * 3])
    iso, quartic = kernels.maxwell(), kernels.maxwell(angular=(1, 4, 6, 4, 1))
    b = make({"method": "spectral"}).levels.boltzmann
    assert level.sphere_degree(b, iso, np.zeros((3, 3))) == 11
    assert level.sphere_degree(b, iso, shear) == 17
    assert level.sphere_degree(b, quartic, shear) == 21
    assert level.sphere_degree(make({"method": "spectral", "sphere_degree": 9}).levels.boltzmann,
                               quartic, shear) == 9


def test_thermal_width_cells_tracks_the_compressed_axis(tmp_path):
    """Planar extension compresses y: the narrowest thermal width on the grid, in cells, equals
    √(min eig(P)/(ρθ))/h from the exact moment ODE (the grid's unit temperature), and shrinks."""
    common = {"flow": {"kind": "planar_extension", "rate": 0.5},
              "time": {"end": 0.6, "step": 0.02, "save_every": 0.3}}
    grid = make({"method": "bgk", "grid": 32, "velocity_extent": 8.0}, **common)
    ds = level.run(grid, tmp_path / "g")
    exact = level.run(make({"method": "moments"}, **common), tmp_path / "m")
    P = exact.pressure_tensor.values
    rho_theta = (exact.density * exact.temperature).values
    h = 2 * 8.0 / 32
    expected = np.sqrt(np.linalg.eigvalsh(P)[:, 0] / rho_theta) / h
    np.testing.assert_allclose(ds.thermal_width_cells.values, expected, rtol=1e-3)
    assert expected[-1] < 0.8 * expected[0]
