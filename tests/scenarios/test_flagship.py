"""The flagship scenario end to end at small size: every level runs, one report walks down the
hierarchy with every reduction section, `bbgky cite` names the methods."""

import tomllib

from markdown_tables import table_after, tables

from bbgky import references
from bbgky.config import validate
from bbgky.scenarios import examples, warmup
from bbgky.scenarios.runner import run


def test_small_flagship_runs_every_level_and_reports_each_reduction(tmp_path, monkeypatch):
    raw = tomllib.loads(examples.text("flagship_wca_shear"))
    raw["system"]["particles"] = 64
    raw["time"].update(end=0.05, save_every=0.025)
    raw["initial"]["equilibration"] = 0.0
    raw["levels"]["particles"].update(velocity_samples=64, backend="jax")
    raw["levels"]["boltzmann"].update(samples=1000, replicas=2, velocity_samples=64)
    raw["ensemble"]["replicas"] = 2
    # the warm-up fills the compile cache, so it runs only with the cache on: a cold-suite timing
    # (BBGKY_NO_CACHE=1, see tests/conftest.py) must not fail this check
    monkeypatch.delenv("BBGKY_NO_CACHE", raising=False)
    finished = []  # the DSMC warm-up on the idle core ran to completion before the Boltzmann level
    wait = warmup.wait
    monkeypatch.setattr(warmup, "wait", lambda proc: (wait(proc), finished.append(proc.returncode)))
    res = run(validate(raw), tmp_path)
    assert finished == [0]
    assert list(res.datasets) == ["particles", "boltzmann", "navier_stokes", "euler"]
    text = res.report.read_text()
    _, rows = table_after(text, "Walking down the hierarchy")
    pairs = {r[0] for r in rows}
    assert pairs == {"particles → boltzmann", "boltzmann → navier_stokes", "navier_stokes → euler"}
    assert all(r[7] for r in rows)  # every row has its verdict sentence
    theta = next(r for r in rows if r[0] == "particles → boltzmann" and r[1].startswith("θ"))
    assert theta[5] != "—"  # its 1σ, from the particle replicas and the DSMC replicas
    assert "Particle noise (one realisation" not in text and "slot reserved" not in text
    assert "## Pair correlation (statistics level)" in text and "Flow distortion" in text
    assert (tmp_path / "pair_correlation_plane.png").is_file() and (tmp_path / "statistics.nc").is_file()
    for heading in ("Particles ↔ kinetic (Boltzmann–Grad)", "Error against the local Knudsen number",
                    "Glossary", "References"):
        assert f"## {heading}" in text
    assert "Not computed for this run: the kinetic run spans" in text  # too short for Chapman–Enskog
    for h, body in tables(text):
        assert all(len(r) == len(h) for r in body)
    assert set(references.used_by(res_cfg := validate(raw))) >= {"james_qi_wang", "bird", "wca", "lanford"}
    assert res_cfg.levels.boltzmann.kernel == "from_potential"
    assert (tmp_path / "report.html").stat().st_size > 10_000


def test_examples_list_their_levels_and_run_time():
    assert examples.levels("flagship_wca_shear") == ["particles", "statistics", "boltzmann", "navier_stokes",
                                                     "euler"]
    assert "s" in examples.run_time("flagship_wca_shear")
    assert all(examples.run_time(name) != "?" for name in examples.names())
