"""The command line: exit statuses 0 / 2 / 3 and readable messages, never a traceback."""

import json

import pytest
from typer.testing import CliRunner

from bbgky import __version__
from bbgky.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args))


def test_version():
    res = invoke("--version")
    assert res.exit_code == 0
    assert __version__ in res.output


def test_examples_lists_the_default_scenario():
    res = invoke("examples")
    assert res.exit_code == 0
    assert "default" in res.output


def test_validate_accepts_the_default_example(tmp_path):
    path = tmp_path / "ok.toml"
    res = invoke("examples", "--show", "default")
    path.write_text(res.output)
    res = invoke("validate", str(path))
    assert res.exit_code == 0, res.output
    assert "valid" in res.output


@pytest.mark.parametrize(("toml", "key"), [
    ("[system]\ndensity = -1.0\n", "system.density"),
    ("[system]\nparticles = 1\n", "system.particles"),
    ("[system]\ndimension = 5\n", "system.dimension"),
    ("[interaction]\npotential = 'morse'\n", "interaction.potential"),
    ("[system]\nparticles = 10\ndensity = 0.9\n[interaction]\npotential = 'lj'\n", "interaction.cutoff"),
    ("[time]\nstep = 0.0\n", "time.step"),
    ("[flow]\nkind = 'matrix'\nmatrix = [[1.0, 0.0]]\n", "flow.matrix"),
    ("[system]\nunknown_key = 3\n", "system.unknown_key"),
    ("[flow]\nkind = 'planar_extension'\nrate = 1.0\n[time]\nend = 2.0\n", "time.end"),
    ("this is not toml", "CONFIG"),
])
def test_bad_input_exits_2_naming_the_key(tmp_path, toml, key):
    path = tmp_path / "bad.toml"
    path.write_text(toml)
    for command in ("validate", "run"):
        res = invoke(command, str(path))
        assert res.exit_code == 2, res.output
        assert key in res.output
        assert "Traceback" not in res.output


def test_missing_file_and_unknown_example_exit_2(tmp_path):
    assert invoke("validate", str(tmp_path / "nope.toml")).exit_code == 2
    res = invoke("run", "--example", "nope")
    assert res.exit_code == 2
    assert "available" in res.output


def test_resume_without_checkpoint_exits_2(tmp_path):
    res = invoke("run", "--example", "default", "--resume", "--out", str(tmp_path))
    assert res.exit_code == 2
    assert "--resume" in res.output


def test_transport_rejects_non_numeric_temperature():
    res = invoke("transport", "--potential", "lj", "--temperature", "1.0", "warm", "--json")
    assert res.exit_code == 2
    assert "not a number" in res.output


def test_transport_json_records():
    pytest.importorskip("bbgky.hydro.transport")
    res = invoke("transport", "--potential", "hard_sphere", "--temperature", "1.0", "2.0", "--json")
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    assert [r["temperature"] for r in records] == [1.0, 2.0]
    assert set(records[0]) >= {"temperature", "viscosity", "thermal_conductivity", "omega22"}
