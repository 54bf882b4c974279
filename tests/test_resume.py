"""Checkpoints and ``--resume`` (issues 13 and 16): self-describing checkpoints, a resume that
cannot corrupt a run (only a longer time.end; damaged or foreign checkpoints refused naming the
file), SIGINT/SIGKILL during a run leave a checkpoint that resumes bit-identically, and I/O errors
answered with the path. On a tiny 1D Vlasov–Poisson run (seconds)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from bbgky import driver
from bbgky.cli import app

CONFIG = """title = "resume test [/bold] \\u001b[31m [link=x]y"
[system]
dimension = 1
density = 1.0
[interaction]
potential = "coulomb"
scaling = "mean_field"
[initial]
kind = "landau"
amplitude = 0.05
wavenumber = 0.5
[time]
end = {end}
step = 0.1
save_every = 0.2
[levels.vlasov]
grid = [16, 32]
velocity_max = 6.0
snapshot_points = 0
"""


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def config(tmp_path: Path, end: float = 0.8, **replace: str) -> Path:
    text = CONFIG.format(end=end)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / f"c{abs(hash((end, tuple(replace.items()))))}.toml"
    path.write_text(text)
    return path


def data(path: Path) -> dict[str, np.ndarray]:
    with xr.open_dataset(path) as ds:
        return {k: ds[k].values for k in ds.data_vars} | {"time": ds.time.values}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One long run (end 0.8) and one short run (end 0.4) continued to 0.8 with --resume."""
    tmp = tmp_path_factory.mktemp("resume")
    long_run = invoke("run", config(tmp), "--out", tmp / "long")
    assert long_run.exit_code == 0, long_run.output
    (tmp / "long.log").write_text(long_run.output)
    short = invoke("run", config(tmp, end=0.4), "--out", tmp / "short")
    assert short.exit_code == 0, short.output
    resumed = invoke("run", config(tmp), "--out", tmp / "short", "--resume")
    assert resumed.exit_code == 0, resumed.output
    return tmp


def test_a_longer_end_gives_the_numbers_of_one_long_run(runs):
    a, b = data(runs / "long" / "vlasov.nc"), data(runs / "short" / "vlasov.nc")
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name]), name
    np.testing.assert_allclose(b["time"], 0.2 * np.arange(5), rtol=1e-12)  # one time axis
    with xr.open_dataset(runs / "short" / "vlasov.nc") as ds:  # the file holds the resumed configuration
        assert "end = 0.8" in ds.attrs["configuration"]
    assert "end = 0.8" in (runs / "short" / "config.toml").read_text()


def test_checkpoints_are_self_describing(runs):
    ck = driver.read_checkpoint(runs / "long" / "checkpoint" / "vlasov.npz")
    meta = ck["meta"]
    assert meta["format"] == driver.CHECKPOINT_FORMAT and meta["version"] == driver.CHECKPOINT_VERSION
    assert meta["chunk"] == 4 and meta["records"] == 5 and meta["step"] == 8
    assert meta["time"] == pytest.approx(0.8)
    assert not any(name.startswith("leaf_") for name in ck["state"])
    assert set(ck["state"]) == set(meta["leaves"])
    manifest = json.loads((runs / "long" / "checkpoint" / driver.MANIFEST).read_text())
    assert meta["config_hash"] == manifest["config_hash"]
    assert ck["records"]["mass"].shape[0] == 5


@pytest.mark.parametrize(("replace", "keys"), [
    ({"density = 1.0": "density = 1.0\ntemperature = 1.2"}, ["system.temperature"]),
    ({"step = 0.1": "step = 0.05"}, ["time.step"]),
    ({'potential = "coulomb"': 'potential = "gaussian"'}, ["interaction.potential"]),
    ({"dimension = 1": "dimension = 2", "[16, 32]": "[16, 16, 16, 16]"},
     ["system.dimension", "levels.vlasov.grid"]),
])
def test_resume_refuses_a_changed_configuration_naming_the_keys(runs, replace, keys):
    res = invoke("run", config(runs, **replace), "--out", runs / "long", "--resume")
    assert res.exit_code == 2, res.output
    for key in keys:
        assert key in res.output
    assert "Traceback" not in res.output


def test_resume_refuses_a_shorter_end(runs):
    res = invoke("run", config(runs, end=0.4), "--out", runs / "long", "--resume")
    assert res.exit_code == 2 and "time.end" in res.output


@pytest.mark.parametrize("damage", ["truncated", "empty", "foreign_npz", "garbage", "no_manifest"])
def test_damaged_or_foreign_checkpoints_are_refused_naming_the_file(runs, tmp_path, damage):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(runs / "long", out)
    ck = out / "checkpoint" / "vlasov.npz"
    if damage == "truncated":
        ck.write_bytes(ck.read_bytes()[:600])
    elif damage == "empty":
        ck.write_bytes(b"")
    elif damage == "foreign_npz":
        np.savez(ck, x=np.zeros(3))
    elif damage == "garbage":
        ck.write_bytes(os.urandom(2000))
    else:
        (out / "checkpoint" / driver.MANIFEST).unlink()
    res = invoke("run", config(runs), "--out", out, "--resume")
    assert res.exit_code == 2, res.output
    assert ("vlasov.npz" if damage != "no_manifest" else "checkpoint") in res.output
    assert "Traceback" not in res.output


def test_an_empty_checkpoint_folder_is_not_silently_restarted(tmp_path):
    (tmp_path / "out" / "checkpoint").mkdir(parents=True)
    res = invoke("run", config(tmp_path), "--out", tmp_path / "out", "--resume")
    assert res.exit_code == 2 and "nothing to resume" in res.output


def test_output_location_errors_name_the_path(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    for out in (afile, afile / "sub"):
        res = invoke("run", config(tmp_path), "--out", out)
        assert res.exit_code == 2, res.output
        assert "--out" in res.output and "afile" in res.output and "Traceback" not in res.output


def test_markup_and_escapes_in_the_title_are_printed_literally(runs):
    printed = (runs / "long.log").read_text()  # the title holds markup and an ANSI escape
    assert "[/bold]" in printed and "\x1b" not in printed and "\\x1b[31m" in printed


# ------------------------------------------------------------------------------ signals and kills
_CHILD = """
import sys, time
from bbgky import driver
save = driver.Checkpoint.save
def slow(self, *a, **k):  # a slower run, so that the kill lands mid-run; the numbers are unchanged
    save(self, *a, **k)
    time.sleep(0.15)
driver.Checkpoint.save = slow
from bbgky.cli import app
app(sys.argv[1:], prog_name="bbgky")
"""


def _start(cfg: Path, out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.Popen([sys.executable, "-c", _CHILD, "run", str(cfg), "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True)


def _wait_for_chunk(out: Path, chunk: int, proc: subprocess.Popen, timeout: float = 240) -> None:
    path = out / "checkpoint" / "vlasov.npz"
    start = time.time()
    while time.time() - start < timeout and proc.poll() is None:
        try:
            if driver.read_checkpoint(path)["meta"]["chunk"] >= chunk:
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint with chunk ≥ {chunk} (process status {proc.poll()})")


def test_sigint_and_sigkill_leave_a_checkpoint_that_resumes_bit_identically(runs, tmp_path):
    cfg = config(tmp_path, end=2.0)
    kills = {"sigint": signal.SIGINT, "sigkill": signal.SIGKILL}
    procs = {name: _start(cfg, tmp_path / name) for name in kills}  # in parallel
    reference = invoke("run", cfg, "--out", tmp_path / "reference")
    assert reference.exit_code == 0, reference.output
    for k, (name, sig) in enumerate(kills.items()):
        _wait_for_chunk(tmp_path / name, 2 + 3 * k, procs[name])
        procs[name].send_signal(sig)
        text, _ = procs[name].communicate(timeout=60)
        if sig == signal.SIGINT:
            assert procs[name].returncode == 130, text
            assert "resume with: bbgky run" in text and "--resume" in text and "vlasov.npz" in text
        else:
            assert procs[name].returncode == -signal.SIGKILL
        resumed = invoke("run", cfg, "--out", tmp_path / name, "--resume")
        assert resumed.exit_code == 0, resumed.output
        a, b = data(tmp_path / "reference" / "vlasov.nc"), data(tmp_path / name / "vlasov.nc")
        for var in a:
            assert np.array_equal(a[var], b[var]), (name, var)


def test_temporary_files_left_by_a_kill_are_ignored(runs, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(runs / "short", out)
    (out / "checkpoint" / "vlasov.npz.tmp").write_bytes(b"half a checkpoint")
    (out / "checkpoint" / "vlasov.tmp.npz").write_bytes(b"half a checkpoint (older name)")
    res = invoke("run", config(runs, end=1.0), "--out", out, "--resume")
    assert res.exit_code == 0, res.output
