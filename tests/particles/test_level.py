"""The particle level as a scenario runs it: particles.nc, bit-identical resume, failures with
step and time, backend choice, initial states (Maxwellian, lattice, files)."""

from functools import partial

import numpy as np
import pytest
import xarray as xr

from bbgky import config
from bbgky.errors import ConfigError, NumericalFailure
from bbgky.models.potentials import from_function, make_potential
from bbgky.output import VARIABLES
from bbgky.particles import files, initial, level


def _cfg(**over):
    data = {
        "title": "test",
        "system": {"dimension": 3, "particles": 256, "density": 0.3, "temperature": 1.0, "seed": 3},
        "interaction": {"potential": "wca"},
        "flow": {"kind": "simple_shear", "rate": 0.5},
        "time": {"end": 0.6, "step": 0.005, "save_every": 0.1},
        "initial": {"kind": "maxwellian", "equilibration": 0.2},
        "levels": {"particles": {"backend": "jax"}},
    }
    for key, value in over.items():
        table, name = key.split("__")
        if value is None:
            data[table].pop(name, None)
        else:
            data.setdefault(table, {})[name] = value
    return config.validate(data)


def test_run_writes_particles_nc(tmp_path):
    cfg = _cfg()
    ds = level.run(cfg, tmp_path)
    on_disk = xr.load_dataset(tmp_path / "particles.nc")
    assert ds.sizes["time"] == 7 and on_disk.sizes["time"] == 7
    for name in ("density", "temperature", "internal_energy", "kinetic_energy", "potential_energy",
                 "pressure_tensor", "heat_flux", "speed_moment"):
        assert name in on_disk and on_disk[name].attrs["units"] and on_disk[name].attrs["long_name"]
        assert on_disk[name].attrs["units"] == VARIABLES[name][1]
    assert "configuration" in on_disk.attrs and on_disk.attrs["seed"] == 3
    assert on_disk.attrs["backend"] == "jax"
    assert np.allclose(on_disk.density, 0.3, rtol=1e-13)  # det(I + tA) = 1 for shear
    assert on_disk.temperature.values[0] == pytest.approx(1.0, rel=1e-13)  # θ0 exactly, d(N-1) dof
    assert np.allclose(on_disk.speed_moment.values[:, 0], 3 * 255 / 256 * on_disk.temperature.values)
    assert on_disk.pressure_tensor.values[-1, 0, 1] < 0  # shear stress opposes the flow


@pytest.mark.slow  # the default suite resumes particles through tests/test_registry.py and test_ensemble.py
@pytest.mark.parametrize("backend", ["jax", "numba"])
def test_resume_is_bit_identical(tmp_path, backend, interrupt):
    cfg = _cfg(levels__particles={"backend": backend, "threads": 2 if backend == "numba" else 1})
    full = level.run(cfg, tmp_path / "full")
    assert full.attrs["backend"] == backend

    interrupt(partial(level.run, cfg, tmp_path / "cut"), after=3 * 20)
    assert not (tmp_path / "cut" / "particles.nc").exists()
    resumed = level.run(cfg, tmp_path / "cut", resume=True)
    for name in full.data_vars:
        assert np.array_equal(full[name].values, resumed[name].values), name


def test_blow_up_names_step_and_time(tmp_path):
    cfg = _cfg(system__density=0.9, time__step=0.05, time__save_every=0.1, time__end=2.0,
               initial__equilibration=0.0, interaction__potential="lj", flow__kind=None, flow__rate=None)
    with pytest.raises(NumericalFailure) as info:
        level.run(cfg, tmp_path)
    msg = str(info.value)
    assert "step" in msg and "t =" in msg and "checkpoint" in msg.lower()


def test_backend_choice():
    lj = make_potential("lj")
    user = from_function(lambda r: 1 / r**6, cutoff=2.0)
    assert level.choose_backend("jax", lj) == "jax"
    assert level.choose_backend("auto", lj) == "numba"  # the tests run on CPU
    assert level.choose_backend("auto", user) == "jax"
    with pytest.raises(ConfigError, match=r"levels\.particles\.backend"):
        level.choose_backend("numba", user)


def test_maxwellian_initial_state():
    cfg = _cfg(system__particles=256, system__density=0.8442, interaction__potential="lj",
               initial__equilibration=0.1, flow__kind="matrix",
               flow__matrix=[[0.1, 0.3, 0.2], [-0.2, 0.05, 0.1], [0.3, 0.0, -0.1]], flow__rate=None)
    state, sim = level.initial_state(cfg)
    obs = sim.observe(state)
    assert obs["temperature"] == pytest.approx(1.0, rel=1e-13)
    assert np.abs(obs["momentum"]).max() < 1e-15
    x = np.asarray(state.position)
    w = np.asarray(state.velocity) - x @ cfg.velocity_gradient().T  # v = w + A x at t = 0
    assert np.allclose(w.mean(axis=0), 0, atol=1e-15)


def test_fcc_start_has_no_overlaps():
    x = initial.lattice_sites(256, 3, 4 * (1 / 0.8442 * 4) ** (1 / 3))
    d = np.linalg.norm(x[:, None] - x[None], axis=-1) + np.eye(256) * 1e9
    a = (4 / 0.8442) ** (1 / 3)
    assert d.min() == pytest.approx(a / np.sqrt(2), rel=1e-12)
    y = initial.lattice_sites(100, 2, 10.0)  # not 4n³ / 2D: a filled square lattice
    assert len(np.unique(np.round(y, 9), axis=0)) == 100


@pytest.mark.parametrize("suffix", [".xyz", ".data"])
def test_file_round_trip_and_file_initial_state(tmp_path, suffix):
    cfg = _cfg()
    state, sim = level.initial_state(cfg)
    path = files.write_state(tmp_path / f"start{suffix}", state, sim.system)
    cfg2 = _cfg(initial__kind="file", initial__path=str(path))
    state2, sim2 = level.initial_state(cfg2)
    tol = 1e-7 if suffix == ".xyz" else 1e-12  # extended XYZ keeps 8 decimals
    w1 = sim.observe(state)
    w2 = sim2.observe(state2)
    assert w2["temperature"] == pytest.approx(w1["temperature"], rel=tol * 10)
    rel = 1e-5 if suffix == ".xyz" else 1e-11
    assert w2["potential_energy"] == pytest.approx(w1["potential_energy"], rel=rel)
    assert np.allclose(sim2.system.H0_np, sim.system.H0_np, atol=tol)


def test_file_initial_state_needs_a_path():
    with pytest.raises(ConfigError, match=r"initial\.path"):
        level.initial_state(_cfg(initial__kind="file"))


def test_mean_field_runs_all_pairs_with_half_width_cutoff(tmp_path):
    cfg = _cfg(system__particles=200, interaction__potential="gaussian", interaction__scaling="mean_field",
               time__end=0.2)
    system = level.build_system(cfg)
    assert system.method == "all_pairs"
    side = cfg.box_length()
    assert system.cutoff <= 0.5 * side and system.cutoff > 0.4 * side
    ds = level.run(cfg, tmp_path)
    assert np.isfinite(ds.internal_energy.values).all()
