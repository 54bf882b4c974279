"""What ``bbgky validate`` accepts, runs (issue 9 item 2, issue 13 item 2).

* Every combination of levels × dimension, on two base systems (a WCA gas; a Gaussian-core
  mean-field system that the Vlasov level also accepts), is validated; for the Gaussian base, each
  level of an accepted combination builds its solver and initial state and records t = 0 without a
  ConfigError (the steps themselves are exercised by each level's own tests; stopping at the first
  checkpoint keeps this test short; it is marked slow: run it with ``-m slow``).
* A property test (hypothesis, bounded and derandomised) over levels, dimensions, flows and
  potentials with hostile values — strings, booleans, huge integers, inf/nan, markup — in any
  field: validation refuses with every problem keyed, or accepts; for the cheap levels the accepted
  configuration is then run through the command line, whose exit status is 0, 2 or 3.
"""

import copy
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bbgky import driver
from bbgky.cli import app
from bbgky.config import to_toml
from bbgky.errors import ConfigError
from bbgky.scenarios import runner

LEVELS = ("particles", "boltzmann", "vlasov", "navier_stokes", "euler")
TINY = {  # the smallest sizes of each level
    "particles": {"backend": "jax", "velocity_samples": 4},
    "boltzmann": {"samples": 64, "replicas": 2, "backend": "jax", "velocity_samples": 4},
    "vlasov": {"grid": [16, 32], "velocity_max": 6.0, "snapshot_points": 4},
    "navier_stokes": {},
    "euler": {},
}
BASES = {
    "wca": {"system": {"particles": 32, "density": 0.1},
            "time": {"end": 0.02, "step": 0.01, "save_every": 0.01}, "initial": {"equilibration": 0.0}},
    "gaussian_mean_field": {"system": {"particles": 32, "density": 1.0},
                            "interaction": {"potential": "gaussian", "scaling": "mean_field"},
                            "time": {"end": 0.02, "step": 0.01, "save_every": 0.01},
                            "initial": {"equilibration": 0.0}},
}


#: the bases whose accepted combinations are also run (the WCA base is validated only: its
#: scattering tables and Chapman–Enskog integrals take ~10 s per level on a loaded machine; the
#: level tests run it).
RUN_BASES = ("gaussian_mean_field",)


class _Reached(Exception):
    """The level got as far as its first checkpoint: configuration, solver and initial state built."""


def _config(base: str, levels: tuple[str, ...], d: int) -> dict:
    data = copy.deepcopy(BASES[base])
    data["system"]["dimension"] = d
    data["levels"] = {name: copy.deepcopy(TINY[name]) for name in levels}
    if "vlasov" in levels and d == 2:
        data["levels"]["vlasov"]["grid"] = [16, 16, 16, 16]
    return data


def _run_levels_to_first_checkpoint(cfg, tmp_path, done: set) -> None:
    for name in cfg.levels.enabled():
        key = (name, cfg.system.dimension, cfg.interaction.potential, name in ("navier_stokes", "euler")
               and "boltzmann" in cfg.levels.enabled())
        if key in done:  # a level's run depends on the rest only through the keys above
            continue
        try:
            runner.level_runner(name)(cfg, tmp_path / "_".join(map(str, key)))
        except _Reached:
            pass
        done.add(key)


def _combinations():
    """(base, d, levels, cfg or None, problems) for every combination of levels × dimension."""
    for base, d, r in itertools.product(BASES, (1, 2, 3), range(1, len(LEVELS) + 1)):
        for levels in itertools.combinations(LEVELS, r):
            try:
                yield base, d, levels, runner.validate(_config(base, levels, d)), []
            except ConfigError as exc:
                yield base, d, levels, None, exc.problems


def test_every_combination_is_accepted_or_refused_with_keys():
    accepted, refused = [], []
    for base, d, levels, cfg, problems in _combinations():
        if cfg is None:
            assert problems and all(key for key, _ in problems)
            refused.append((base, d, levels, problems[0][0]))
        else:
            accepted.append((base, d, levels))
    # the combinations of issue 9: refused at validation, with the key named
    assert ("wca", 2, ("particles", "navier_stokes"), "system.dimension") in refused
    assert any(lv == ("particles", "boltzmann", "navier_stokes", "euler") for _, _, lv in accepted)
    assert {d for _, d, _ in accepted} == {1, 2, 3}
    assert len(accepted) >= 20 and len(refused) >= 20


@pytest.mark.slow  # ~30 s on a quiet machine: every level in each dimension builds its solver
def test_every_combination_that_validates_starts_running(tmp_path, monkeypatch):
    def stop(self, *args, **kwargs):
        raise _Reached

    monkeypatch.setattr(driver.Checkpoint, "save", stop)
    done: set = set()
    for base, _, _, cfg, _ in _combinations():
        if cfg is not None and base in RUN_BASES:
            _run_levels_to_first_checkpoint(cfg, tmp_path, done)  # no ConfigError may come out
    assert {key[0] for key in done} == set(LEVELS)


# ------------------------------------------------------------------------------------ property test
HOSTILE = st.one_of(
    st.text(max_size=12), st.sampled_from(["64", "1e3", "[bold]x[/bold]", "[/red]", "\x1b[31m", "nan"]),
    st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e300, -1e300, 1e-300, 0.0, -1.0]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
)
FIELDS = [("system", k) for k in ("dimension", "particles", "density", "temperature", "seed")] + [
    ("interaction", k) for k in ("potential", "sigma", "epsilon", "cutoff", "exponent", "range")] + [
    ("time", k) for k in ("end", "step", "save_every")] + [
    ("initial", k) for k in ("kind", "start", "amplitude", "wavenumber", "temperature_tensor")] + [
    ("flow", k) for k in ("kind", "rate", "matrix")] + [("title", None)]


@st.composite
def configurations(draw):
    levels = tuple(draw(st.sets(st.sampled_from(LEVELS), min_size=1, max_size=3)))
    data = _config(draw(st.sampled_from(sorted(BASES))), levels, draw(st.sampled_from([1, 2, 3])))
    if draw(st.booleans()):
        data["flow"] = {"kind": draw(st.sampled_from(["simple_shear", "planar_extension",
                                                      "isotropic_expansion"])),
                        "rate": draw(st.sampled_from([0.0, 0.1, -0.2, 1.0]))}
    if draw(st.booleans()):
        data["interaction"] = {"potential": draw(st.sampled_from(
            ["lj", "wca", "ipl", "gaussian", "yukawa", "coulomb", "hard_sphere", "maxwell"]))}
    for table, key in draw(st.lists(st.sampled_from(FIELDS), max_size=2)):
        value = draw(HOSTILE)
        if key is None:
            data[table] = value
        else:
            data.setdefault(table, {})[key] = value
    for name in levels:  # and one hostile value inside a level table
        if draw(st.booleans()):
            field = draw(st.sampled_from(sorted(TINY[name]) or ["bogus"]))
            data["levels"][name][field] = draw(HOSTILE)
    return data


CHEAP = {"navier_stokes", "euler"}


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=configurations())
def test_validate_refuses_with_keys_or_the_run_succeeds(data, tmp_path_factory):
    try:
        cfg = runner.validate(data)
    except ConfigError as exc:
        assert exc.problems and all(isinstance(k, str) and k for k, _ in exc.problems)
        assert "\x1b" not in _printed(exc)
        return
    if set(cfg.levels.enabled()) <= CHEAP:
        folder = tmp_path_factory.mktemp("run")
        path = folder / "config.in.toml"
        path.write_text(to_toml(cfg))
        res = CliRunner().invoke(app, ["run", str(path), "--out", str(folder / "out")])
        assert res.exit_code in (0, 2, 3), res.output
        assert "Traceback" not in res.output


def _printed(exc: ConfigError) -> str:
    from bbgky.cli import literal

    return literal(exc.render()).plain


@pytest.mark.parametrize("title", ["../../../etc/evil", "/abs/path", "x" * 5000, "[bold]", "\x1b[2J", ""])
def test_default_output_folder_stays_in_runs(title):
    cfg = runner.validate({"title": title})
    out = runner.default_out(cfg)
    assert out.parent.as_posix() == "runs" and len(out.name) < 100 and ".." not in out.parts
