"""The DSMC warm-up runs only where it can overlap with an earlier level and compile what the
Boltzmann level will call (its run end to end: tests/scenarios/test_flagship.py)."""

import pytest

from bbgky.config import validate
from bbgky.scenarios import warmup


@pytest.mark.parametrize(("levels", "launched"), [
    ({"particles": {}, "boltzmann": {"backend": "numba"}}, True),
    ({"boltzmann": {"backend": "numba"}}, False),  # nothing runs before it: nothing to overlap
    ({"particles": {}, "boltzmann": {"backend": "jax"}}, False),  # XLA programs: JAX's own cache
    ({"particles": {}, "boltzmann": {"method": "spectral", "grid": 8, "velocity_extent": 10.0}}, False),
])
def test_the_warm_up_starts_only_where_it_helps(tmp_path, monkeypatch, levels, launched):
    started = []
    monkeypatch.setattr(warmup.subprocess, "Popen", lambda args, **kw: started.append(args) or "proc")
    monkeypatch.delenv("BBGKY_NO_CACHE", raising=False)
    proc = warmup.start(validate({"levels": levels}), tmp_path)
    assert (proc == "proc") is launched and len(started) == launched
    if launched:
        assert started[0][1:] == ["-m", "bbgky.scenarios.warmup", str(tmp_path / "config.toml")]


def test_no_warm_up_without_a_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BBGKY_NO_CACHE", "1")
    assert warmup.start(validate({"levels": {"particles": {}, "boltzmann": {"backend": "numba"}}}),
                        tmp_path) is None
