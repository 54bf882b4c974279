"""[levels.vlasov]: bad input is refused with the key and the allowed range."""

import copy

import pytest

from bbgky.config import validate
from bbgky.errors import ConfigError
from bbgky.scenarios.runner import check_levels

VP = {  # the standard normalised Vlasov–Poisson system (docs/references.md)
    "system": {"dimension": 1, "density": 1.0, "temperature": 1.0},
    "interaction": {"potential": "coulomb", "scaling": "mean_field"},
    "initial": {"kind": "landau", "amplitude": 0.01, "wavenumber": 0.5},
    "time": {"end": 1.0, "step": 0.1, "save_every": 0.5},
    "levels": {"vlasov": {"grid": [32, 64], "velocity_max": 6.0}},
}


def problems(changes: dict) -> dict[str, str]:
    data = copy.deepcopy(VP)
    for path, value in changes.items():
        *head, last = path.split(".")
        table = data
        for h in head:
            table = table.setdefault(h, {})
        table[last] = value
    with pytest.raises(ConfigError) as info:  # the schema, then the level's own check (bbgky validate)
        check_levels(validate(data))
    return dict(info.value.problems)


def test_the_reference_system_is_valid():
    cfg = validate(VP)
    check_levels(cfg)
    assert cfg.levels.vlasov.grid == [32, 64]


@pytest.mark.parametrize(("changes", "key", "words"), [
    ({"levels.vlasov.grid": [4, 64]}, "levels.vlasov.grid.0", "greater than or equal to 8"),
    ({"levels.vlasov.grid": [32, 64, 32]}, "levels.vlasov.grid", "2 entries"),
    ({"levels.vlasov.grid": [33, 64]}, "levels.vlasov.grid", "even"),
    ({"levels.vlasov.grid": [16, 16, 32, 32]}, "levels.vlasov.grid", "dimension = 1 needs 2 entries"),
    ({"levels.vlasov.velocity_max": 3.0}, "levels.vlasov.velocity_max", "≥ 5"),
    ({"system.temperature": 4.0}, "levels.vlasov.velocity_max", "≥ 10"),
    ({"time.step": 2.5, "time.save_every": 5.0, "time.end": 10.0}, "time.step", "time.step ≤ 1"),
    ({"levels.vlasov.stability_limit": 2.5}, "levels.vlasov.stability_limit", "less than 2"),
    ({"interaction.potential": "lj"}, "interaction.potential", "no mean-field limit"),
    ({"interaction.scaling": "boltzmann_grad", "interaction.range": 0.1}, "interaction.scaling",
     "mean_field"),
    ({"system.dimension": 3}, "system.dimension", "1 or 2"),
    ({"levels.vlasov.box_length": 10.0}, "initial.wavenumber", "whole number"),
    ({"levels.vlasov.knudsen": 0.1, "levels.vlasov.splitting": "triple_jump"}, "levels.vlasov.splitting",
     "strang"),
    ({"flow": {"kind": "isotropic_expansion", "rate": 0.1}}, "initial.kind", "maxwellian"),
    ({"initial.kind": "bkw"}, "initial.kind", "landau"),
    ({"levels.vlasov.particles": 1000, "levels.vlasov.knudsen": 0.1}, "levels.vlasov.particles",
     "collisionless"),
    ({"levels.vlasov.sample_bandwidth": 1.0}, "levels.vlasov.sample_bandwidth", "initial_samples"),
    ({"levels.vlasov.initial_samples": 1}, "levels.vlasov.initial_samples", "greater than or equal to 2"),
])
def test_bad_input_names_the_key_and_the_allowed_range(changes, key, words):
    found = problems(changes)
    assert key in found, found
    assert words in found[key], found[key]


def test_stability_uses_the_fastest_mode_of_the_configured_potential():
    """ω_max² = max_k n0 k² Û(k): with a dense, stiff Gaussian the same dt becomes unstable."""
    found = problems({"interaction.potential": "gaussian", "interaction.epsilon": 50.0,
                      "system.density": 10.0})
    assert "time.step" in found
