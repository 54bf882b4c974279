"""bench/gpu.py, the prepared accelerator benchmark, runs here on the CPU at its --smoke sizes and
writes its JSON/markdown result; the CPU reference figures it compares with are read from
docs/performance.md."""

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture
def gpu(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import gpu

    return gpu


def _run(gpu, monkeypatch, tmp_path, *only):
    monkeypatch.setattr(sys, "argv", ["gpu.py", "--smoke", "--out", str(tmp_path), "--only", *only])
    gpu.main()
    result = json.loads((tmp_path / "gpu.json").read_text())
    assert (tmp_path / "gpu.md").read_text().count("\n| ") == len(result["rows"]) + 1
    return result


def test_cpu_reference_figures_are_read_from_the_docs(gpu):
    ref = gpu.cpu_reference()
    assert ref and all(v > 0 for v in ref.values())
    names = {"particles", "jax-md", "dsmc", "vlasov"} | {f"spectral N={n}" for n in (32, 64)}
    assert {k.rsplit(" ", 1)[0] for k in ref} <= names and {k.rsplit(" ", 1)[1] for k in ref} <= {
        "float32", "float64"}
    assert "particles float32" in ref


def test_smoke_spectral_and_vlasov_in_both_precisions(gpu, monkeypatch, tmp_path):
    result = _run(gpu, monkeypatch, tmp_path, "spectral", "vlasov")
    rows = {(r["name"], r["precision"]): r for r in result["rows"]}
    assert set(rows) == {(n, p) for n in ("spectral N=8", "vlasov") for p in ("float32", "float64")}
    assert all(r["value"] > 0 and r["unit"] in ("s/Q", "s/step") for r in rows.values())


@pytest.mark.slow
def test_smoke_particles_and_dsmc(gpu, monkeypatch, tmp_path):
    result = _run(gpu, monkeypatch, tmp_path, "particles", "dsmc", "jax-md")
    rows = {(r["name"], r["precision"]): r for r in result["rows"]}
    assert rows[("particles", "float32")]["status"] == 0 and rows[("particles", "float32")]["value"] > 0
    assert rows[("dsmc", "float64")]["value"] > 0
