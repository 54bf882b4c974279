"""Faults during a run (issue 13 item 4, issue 16): every one answered with exit 3 (or 130/143 for
signals) and a message naming what and where, never a traceback; a numerical failure leaves the
saves before it in the level's netCDF file. The run itself is replaced by the fault (fast)."""

import errno

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from bbgky.cli import app
from bbgky.errors import NumericalFailure
from bbgky.scenarios import runner

CONFIG = "[system]\nparticles = 32\n[time]\nend = 0.2\nsave_every = 0.1\n"


def _run_with(monkeypatch, tmp_path, fault):
    def run(cfg, out, **kwargs):
        out.mkdir(parents=True, exist_ok=True)
        (out / "checkpoint").mkdir(exist_ok=True)
        (out / "checkpoint" / "particles.npz").write_bytes(b"")
        raise fault

    monkeypatch.setattr(runner, "run", run)
    path = tmp_path / "c.toml"
    path.write_text(CONFIG)
    return CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])


def test_ctrl_c_exits_130_with_the_resume_command(monkeypatch, tmp_path):
    res = _run_with(monkeypatch, tmp_path, KeyboardInterrupt())
    assert res.exit_code == 130
    assert "particles.npz" in res.output and "--resume" in res.output and "Traceback" not in res.output


def test_a_full_disk_during_the_run_exits_3_naming_the_path(monkeypatch, tmp_path):
    fault = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out" / "particles.nc"))
    res = _run_with(monkeypatch, tmp_path, fault)
    assert res.exit_code == 3
    assert "particles.nc" in res.output and "No space left" in res.output and "Traceback" not in res.output


def test_an_unexpected_error_exits_3_without_traceback(monkeypatch, tmp_path):
    res = _run_with(monkeypatch, tmp_path, RuntimeError("[bold]boom\x1b[0m"))
    assert res.exit_code == 3
    assert "RuntimeError" in res.output and "[bold]boom" in res.output and "\x1b" not in res.output
    assert "Traceback" not in res.output


def test_a_numerical_failure_names_step_time_checkpoint_and_partial_file(monkeypatch, tmp_path):
    fault = NumericalFailure("blow-up", step=17, time=0.085, checkpoint="out/checkpoint/particles.npz")
    fault.partial = "out/particles.nc"
    res = _run_with(monkeypatch, tmp_path, fault)
    assert res.exit_code == 3
    for words in ("blow-up", "step 17", "t = 0.085", "particles.npz", "out/particles.nc"):
        assert words in res.output


def test_the_partial_file_holds_every_save_before_the_failure(tmp_path):
    cfg = runner.validate({"time": {"end": 1.0, "save_every": 0.1}})
    fault = NumericalFailure("blow-up", step=70, time=0.35)
    fault.records = [{"time": np.asarray(0.1 * k), "temperature": np.asarray(1.0 + k),
                      "pressure_tensor": np.eye(3) * k, "not_declared": np.zeros(2)} for k in range(4)]
    path = runner.write_partial(cfg, "particles", fault, tmp_path)
    with xr.open_dataset(path) as ds:
        np.testing.assert_allclose(ds.time, [0.0, 0.1, 0.2, 0.3])
        np.testing.assert_array_equal(ds.temperature, [1.0, 2.0, 3.0, 4.0])
        assert ds.pressure_tensor.shape == (4, 3, 3) and ds.temperature.attrs["units"]
        assert "blow-up" in ds.attrs["partial"] and ds.attrs["omitted_observables"] == "not_declared"


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "default.toml", ""])
def test_examples_show_only_bundled_names(name):
    res = CliRunner().invoke(app, ["examples", "--show", name])
    assert res.exit_code == 2 and "--show" in res.output


def test_an_unreadable_particle_file_is_refused_without_quoting_it(tmp_path):
    private = tmp_path / "private.txt"
    private.write_text("secret first line\n")
    link = tmp_path / "start.xyz"
    link.symlink_to(private)
    path = tmp_path / "c.toml"
    path.write_text(f'[initial]\nkind = "file"\npath = "{link}"\n')
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "initial.path" in res.output
    assert "secret" not in res.output and "Traceback" not in res.output


def test_resume_refuses_a_longer_end_that_changes_a_derived_parameter(tmp_path):
    from bbgky import driver
    from bbgky.errors import ConfigError

    data = {"system": {"particles": 64}, "interaction": {"potential": "gaussian", "scaling": "mean_field"},
            "flow": {"kind": "simple_shear", "rate": 0.5}, "time": {"end": 0.2, "save_every": 0.1}}
    driver.write_manifest(runner.validate(data), tmp_path / "checkpoint")
    longer = runner.validate({**data, "time": {"end": 0.4, "save_every": 0.1}})
    with pytest.raises(ConfigError) as info:
        runner.run(longer, tmp_path, resume=True, report=False)
    assert info.value.problems[0][0] == "time.end" and "cut-off" in info.value.problems[0][1]
