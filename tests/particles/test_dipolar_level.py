"""The dipolar solvent at the particle level: configuration checks (exit 2 naming the key), the
Langevin thermostat samples the canonical law of rotors in a field with equipartition, NVE runs
conserve energy, particles.nc and fields.nc carry the dipolar outputs."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp
import xarray as xr

from bbgky import config
from bbgky.errors import ConfigError
from bbgky.models.oriented import OrientedPair
from bbgky.particles import dipolar, initial, integrator
from bbgky.particles import level as particle_level
from bbgky.particles.state import System

BASE = {
    "title": "dipolar test",
    "system": {"dimension": 2, "particles": 36, "density": 0.5, "temperature": 1.0, "seed": 3},
    "interaction": {"potential": "dipolar", "charge": 1.0, "bond_length": 0.3,
                    "electrostatics": "charges", "accuracy": 1e-5},
    "time": {"end": 0.1, "step": 0.002, "save_every": 0.02},
    "initial": {"equilibration": 0.0},
    "levels": {"particles": {}},
}


def _cfg(**changes):
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in BASE.items()}
    for path, value in changes.items():
        table, key = path.split(".")
        data[table][key] = value
    return data


@pytest.mark.parametrize("change, key", [
    ({"system.dimension": 3}, "system.dimension"),
    ({"interaction.bond_length": 0.0}, "interaction.bond_length"),
    ({"time.step": 0.05}, "time.step"),  # 0.1 sqrt(I/θ0) = 0.015
    ({"interaction.accuracy": 1e-15}, "interaction.accuracy"),
])
def test_bad_input_names_the_key(change, key):
    from bbgky.scenarios.runner import validate as validate_all

    with pytest.raises(ConfigError) as err:
        validate_all(_cfg(**change))
    assert key in [k for k, _ in err.value.problems]


def test_nve_run_conserves_energy_and_writes_dipolar_outputs(tmp_path):
    cfg = config.validate(_cfg())
    ds = particle_level.run(cfg, tmp_path)
    e = ds.internal_energy.values
    assert np.ptp(e) / abs(e.mean()) < 1e-4
    assert ds.polarization.shape == (6, 2) and np.isfinite(float(ds.dielectric_constant))
    assert "rotational_temperature" in ds
    fields = xr.open_dataset(tmp_path / "fields.nc")
    cell_area = 36 / 0.5 / fields.sizes["x"] / fields.sizes["y"]
    assert np.allclose(fields.density.sum(("x", "y")) * cell_area, 36)
    # the fields' density-weighted director adds up to the polarisation / (q l)
    rhoD = (fields.density * fields.displacement).sum(("x", "y")) * cell_area
    assert np.allclose(rhoD.values * 0.3, ds.polarization.values, atol=1e-9)
    assert np.isclose(float(fields.bond_count_distribution.sum()), 1.0)
    assert 0 <= float(fields.fraction_few_bonds) <= 1


def test_orientational_pair_correlation_of_an_ideal_gas_is_one():
    """Uniform positions and angles: g(r, |Δθ|) = 1 in every bin (up to counting noise)."""
    rng = np.random.default_rng(4)
    n, side, frames = 400, 20.0, 10
    hist = np.zeros((dipolar.PAIR_BINS, dipolar.ANGLE_BINS))
    for _ in range(frames):
        hist += dipolar.orientational_histogram(rng.uniform(0, side, (n, 2)),
                                                rng.uniform(0, 2 * np.pi, n),
                                                side * np.eye(2), 3.0)[0] / frames
    edges = np.linspace(0, 3.0, dipolar.PAIR_BINS + 1)
    shell = np.pi * np.diff(edges**2)
    g = hist / (n * (n / side**2) * shell[:, None] / dipolar.ANGLE_BINS)
    outer = g[10:]  # enough pairs per bin: ~ 1 % noise after pooling the bins
    assert abs(outer.mean() - (n - 1) / n) < 0.02 and abs(g.mean() - 1) < 0.05


def test_langevin_rotors_sample_the_canonical_law_with_equipartition():
    """Independent rotors (no pair energy) in a uniform field E: ⟨cos θ⟩ = I1(βpE)/I0(βpE);
    translational and rotational temperatures equal the bath's."""
    n, T, pE, inertia = 64, 0.8, 1.2, 0.05
    zero = OrientedPair("none", 0.5, lambda dr, a, b: 0.0 * dr[..., 0])
    side = 20.0
    sysm = System.make(zero, np.zeros((2, 2)), side * np.eye(2), 0.01, method="all_pairs",
                       inertia=inertia, thermostat=(T, 2.0),
                       long_range=lambda x, th, cell: -pE * jnp.sum(jnp.cos(th)))
    key = jax.random.PRNGKey(11)
    x = jnp.asarray(initial.lattice_sites(n, 2, side))
    w = initial.maxwellian_velocities(jax.random.fold_in(key, 2), n, 2, T)
    rot = initial.rotor_state(jax.random.fold_in(key, 3), n, T, inertia)
    state = integrator.prepare(integrator.new_state(x, w, sysm, key=key, **rot), sysm)
    state = integrator.advance(state, 200, sysm)  # relax (γ = 2: 1/γ = 50 steps)
    cos, trans, rot_t = [], [], []
    for _ in range(30):
        state = integrator.advance(state, 40, sysm)
        cos.append(float(jnp.mean(jnp.cos(state.orientation))))
        trans.append(float(jnp.sum(state.velocity**2)) / (2 * n))
        rot_t.append(float(inertia * jnp.mean(state.angular_velocity**2)))

    def check(samples, expected):
        s = np.asarray(samples)
        err = s.std(ddof=1) / math.sqrt(len(s))
        assert abs(s.mean() - expected) < 4 * err + 0.01 * abs(expected)

    check(cos, sp.i1(pE / T) / sp.i0(pE / T))
    check(trans, T)
    check(rot_t, T)


def _aligned_round_trip(tmp_path, method):
    from bbgky.particles import files

    cfg = config.validate(_cfg(**{"initial.angles": "aligned", "initial.angle": 0.7}))
    state, sim = particle_level.initial_state(cfg)
    assert np.allclose(np.asarray(state.orientation), 0.7)
    path = files.write_state(tmp_path / "start.xyz", state, sim.system)
    cfg2 = config.validate(_cfg(**{"initial.kind": "file", "initial.path": str(path),
                                   "interaction.ewald_method": method}))
    state2, sim2 = particle_level.initial_state(cfg2)
    for a in ("orientation", "angular_velocity", "position", "velocity"):
        assert np.allclose(np.asarray(getattr(state2, a)), np.asarray(getattr(state, a)),
                           atol=1e-7), a
    return state2, sim2


def test_aligned_start_and_file_round_trip_of_rotors(tmp_path):
    """``angles = "aligned"`` puts every director at ``initial.angle``; an extended XYZ file
    carries (x, θ, v, ω) back into a run (8 decimals)."""
    _aligned_round_trip(tmp_path, "ewald")


@pytest.mark.slow
def test_pme_run_conserves_energy(tmp_path):
    """The particle-mesh reciprocal sum through the particle level: NVE energy conserved over 25
    steps like Ewald's (test_nve_run_conserves_energy_and_writes_dipolar_outputs)."""
    state, sim = _aligned_round_trip(tmp_path, "pme")
    assert sim.system.long_range is not None
    e0 = float(sim.observe(state)["internal_energy"])
    e1 = float(sim.observe(sim.advance(state, 25))["internal_energy"])
    assert abs(e1 - e0) / abs(e0) < 1e-4
