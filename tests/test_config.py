"""Configuration: every invalid value is reported with its key and allowed range, all at once."""

import tomllib

import pytest

from bbgky.config import Config, to_toml
from bbgky.errors import ConfigError
from bbgky.scenarios.runner import check_levels, validate


def problems(data: dict) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        validate(data)
    return dict(info.value.problems)


def test_defaults_are_valid_and_round_trip_through_toml():
    cfg = validate({})
    assert isinstance(cfg, Config)
    assert validate(tomllib.loads(to_toml(cfg))) == cfg


def test_only_the_keys_set_round_trip_and_stay_runnable():
    """``defaults=False`` writes what the user wrote: the kernel left to the potential stays unset."""
    data = {"interaction": {"potential": "maxwell"}, "levels": {"boltzmann": {"method": "spectral"}}}
    cfg = validate(data)
    assert tomllib.loads(to_toml(cfg, defaults=False)) == data
    assert validate(tomllib.loads(to_toml(cfg, defaults=False))) == cfg


def test_the_stored_configuration_keeps_automatic_choices_automatic():
    """The full TOML stored in every output omits the keys whose omission means "resolve": the kernel
    from interaction.potential and the automatic spectral step (else a maxwell run's stored
    configuration would pin kernel = "hard_sphere" and be refused)."""
    data = {"interaction": {"potential": "maxwell"},
            "levels": {"boltzmann": {"method": "spectral", "grid": 8, "velocity_extent": 10.0}}}
    stored = tomllib.loads(to_toml(validate(data)))
    assert "kernel" not in stored["levels"]["boltzmann"] and "step" not in stored["time"]
    check_levels(validate(stored))  # runs again: raises ConfigError if the kernel were pinned
    data["levels"]["boltzmann"]["kernel"] = "maxwell"
    data["time"] = {"step": 0.01, "end": 0.1, "save_every": 0.05}
    stored = tomllib.loads(to_toml(validate(data)))
    assert stored["levels"]["boltzmann"]["kernel"] == "maxwell" and stored["time"]["step"] == 0.01


@pytest.mark.parametrize(("data", "key", "words"), [
    ({"system": {"density": -0.1}}, "system.density", "greater than 0"),
    ({"system": {"particles": 1}}, "system.particles", "greater than or equal to 2"),
    ({"system": {"dimension": 4}}, "system.dimension", "1, 2 or 3"),
    ({"interaction": {"potential": "morse"}}, "interaction.potential", "'lj'"),
    ({"time": {"step": 0.0}}, "time.step", "greater than 0"),
    ({"time": {"step": -1e-3}}, "time.step", "greater than 0"),
    ({"flow": {"kind": "matrix", "matrix": [[0.0, 1.0], [0.0, 0.0]]}}, "flow.matrix", "3×3"),
    ({"system": {"colour": "red"}}, "system.colour", "unknown key"),
    ({"levels": {"particles": {"skinn": 0.3}}}, "levels.particles.skinn", "allowed keys here: backend, skin"),
    ({"system": {"particles": 20, "density": 0.8}, "interaction": {"potential": "lj"}},
     "interaction.cutoff", "half the smallest cell width"),
    ({"flow": {"kind": "planar_extension", "rate": 0.5}, "time": {"end": 3.0}}, "time.end", "t* = 2"),
    ({"flow": {"kind": "isotropic_expansion", "rate": -0.25}, "time": {"end": 5.0}}, "time.end", "t* = 4"),
    ({"interaction": {"scaling": "boltzmann_grad"}}, "interaction.range", "required"),
    ({"interaction": {"potential": "maxwell"}}, "interaction.potential", "no particle-level pair form"),
    ({"system": {"dimension": 2}, "flow": {"kind": "uniaxial_extension", "rate": 0.1}}, "flow.kind", "≥ 3"),
    ({"initial": {"kind": "bkw"}}, "initial.kind", "not available at the particle level"),
    ({"initial": {"kind": "product", "equilibration": 1.0}, "interaction": {"potential": "gaussian"}},
     "initial.equilibration", "never equilibrated"),
    ({"initial": {"kind": "file", "path": "/no/such/file.xyz"}}, "initial.path", "existing"),
])
def test_each_bad_value_is_named_with_its_allowed_range(data, key, words):
    found = problems(data)
    assert key in found, found
    assert words in found[key]


def test_all_problems_are_reported_at_once():
    found = problems({"system": {"density": -1, "particles": 0, "dimension": 7},
                      "time": {"step": 0}, "bogus": 1})
    assert {"system.density", "system.particles", "system.dimension", "time.step", "bogus"} <= set(found)


def test_cutoff_check_uses_the_boltzmann_grad_range():
    # rc = 2^(1/6) ε: fits although the unscaled WCA cut-off would not
    cfg = validate({"system": {"particles": 8, "density": 1.0},
                    "interaction": {"scaling": "boltzmann_grad", "range": 0.5}})
    assert cfg.interaction.range == 0.5
    assert "interaction.cutoff" in problems({"system": {"particles": 8, "density": 1.0}})


def test_skin_is_not_refused_where_only_the_cutoff_fits():
    # N = 108 LJ at ρ = 0.8442: half width 2.52 ≥ r_c = 2.5 although r_c + skin does not fit
    cfg = validate({"system": {"particles": 108, "density": 0.8442}, "interaction": {"potential": "lj"}})
    assert cfg.levels.particles.skin == 0.3


def test_kinetic_only_potential_is_fine_without_the_particle_level():
    cfg = validate({"interaction": {"potential": "hard_sphere"}, "levels": {"boltzmann": {}}})
    assert cfg.levels.enabled() == ["boltzmann"]


def test_every_bundled_example_validates():
    from bbgky.scenarios import examples

    names = examples.names()
    assert "default" in names and len(names) >= 4
    for name in names:
        assert examples.load(name).title


def test_boltzmann_grad_step_must_resolve_a_collision():
    """V = U(r/ε)/ε: collision time ∝ ε^(3/2); a step above a third of it is refused with the bound."""
    base = {"system": {"particles": 500, "density": 10.0},
            "interaction": {"scaling": "boltzmann_grad", "range": 0.05}}
    found = problems({**base, "time": {"step": 0.005}})
    assert "time.step" in found and "≤ 0.00048" in found["time.step"]
    validate({**base, "time": {"step": 0.0004}})


def test_one_initial_temperature_law_for_the_kinetic_and_hydro_levels():
    """θ0 comes from ``Config.initial_temperature_tensor`` alone: the Boltzmann grid's initial law
    has covariance θ0 (in units of c0² = tr θ0 / d) and the hydrodynamic levels start from
    tr(θ0)/d; a tensor given without kind = 'anisotropic' is not the initial law."""
    import numpy as np

    from bbgky import core
    from bbgky.kinetic.boltzmann.level import initial_grid_distribution
    from bbgky.kinetic.boltzmann.spectral import Grid

    T = [[1.3, 0.1, 0.0], [0.1, 1.0, 0.0], [0.0, 0.0, 0.7]]
    cfg = validate({"system": {"density": 0.8, "temperature": 1.0},
                    "interaction": {"potential": "maxwell"},
                    "initial": {"kind": "anisotropic", "temperature_tensor": T},
                    "time": {"end": 0.2, "step": 0.1, "save_every": 0.1},
                    "levels": {"boltzmann": {"method": "spectral", "grid": 24}, "euler": {}}})
    assert np.array_equal(cfg.initial_temperature_tensor(), np.asarray(T))
    assert cfg.initial_temperature() == pytest.approx(1.0, rel=1e-15)
    grid = Grid(24, 9.0, 3)
    G, c0 = initial_grid_distribution(cfg, grid)
    x = grid.mesh().reshape(3, -1)
    covariance = c0**2 * (x * G.ravel()) @ x.T * grid.cell
    assert np.allclose(covariance, np.asarray(T), rtol=0, atol=1e-7)  # grid quadrature of the Gaussian
    euler, state = core.build("hydro", "euler", cfg)
    assert float(euler.observe(state)["temperature"]) == pytest.approx(1.0, rel=1e-15)
    iso = Config.model_validate({"system": {"temperature": 2.0}, "initial": {"temperature_tensor": T}})
    assert np.array_equal(iso.initial_temperature_tensor(), 2.0 * np.eye(3))
