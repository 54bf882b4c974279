"""'Results against theory': each check recovers its reference from data that obey it, and flags
data that do not. (The physics of the examples themselves is asserted at small size in
tests/kinetic/test_vlasov.py — Landau rate and frequency, two-stream growth — and the BKW tests of
tests/kinetic/test_spectral*.py and test_boltzmann_level.py; the flagship in test_flagship.py.)"""

import numpy as np
import xarray as xr

from bbgky.config import validate
from bbgky.kinetic.vlasov.analysis import dispersion_root
from bbgky.scenarios import demonstrations

LANDAU = {
    "system": {"dimension": 1, "density": 1.0},
    "interaction": {"potential": "coulomb", "scaling": "mean_field"},
    "initial": {"kind": "landau", "amplitude": 0.01, "wavenumber": 0.5},
    "time": {"end": 30.0, "step": 0.1, "save_every": 0.1},
    "levels": {"vlasov": {"grid": [32, 64]}},
}


def test_landau_fit_recovers_the_dispersion_root(tmp_path):
    cfg = validate(LANDAU)
    w = dispersion_root(4.0, 0.5)
    t = np.arange(0, 30.0, 0.05)
    energy = 1e-4 * np.exp(2 * w.imag * t) * np.cos(w.real * t) ** 2 + 1e-30
    section = demonstrations.section(
        cfg, {"vlasov": xr.Dataset({"field_energy": ("time", energy)}, coords={"time": t})}, tmp_path
    )
    rows = section.table[1]
    assert rows[0][0] == "Landau damping rate γ" and rows[0][4].startswith("agrees")
    assert abs(float(rows[1][1]) - w.real) < 0.03 * w.real
    assert (tmp_path / "theory.png").stat().st_size > 1000
    slow = 1e-4 * np.exp(w.imag * t) * np.cos(w.real * t) ** 2  # half the rate: must be flagged
    rows = demonstrations.section(
        cfg, {"vlasov": xr.Dataset({"field_energy": ("time", slow)}, coords={"time": t})}, tmp_path
    ).table[1]
    assert rows[0][4].startswith("differs")


def test_bkw_and_expansion_and_nve(tmp_path):
    cfg = validate(
        {
            "system": {"dimension": 2, "density": 1.0},
            "initial": {"kind": "bkw", "start": 6.5},
            "levels": {"boltzmann": {"kernel": "maxwell"}},
        }
    )
    t = np.linspace(0, 5, 11)
    m4 = 8 * (1 - np.exp(-(6.5 + t) / 4))
    ds = xr.Dataset(
        {
            "speed_moment": (("time", "order"), np.stack([2 + 0 * t, m4, m4, m4], 1)),
            "speed_moment_stderr": (("time", "order"), np.full((11, 4), 1e-3)),
        },
        coords={"time": t, "order": [2, 4, 6, 8]},
    )
    row = demonstrations.section(cfg, {"boltzmann": ds}, tmp_path).table[1][0]
    assert row[0].startswith("BKW") and row[4].startswith("agrees")

    cfg = validate({"flow": {"kind": "isotropic_expansion", "rate": 0.5}, "levels": {"euler": {}}})
    theta = (1 + 0.5 * t) ** -2.0  # θ0 det(I + tA)^(−2/3), det = (1 + t/2)³
    rows = demonstrations.section(
        cfg, {"euler": xr.Dataset({"temperature": ("time", theta)}, coords={"time": t})}, tmp_path
    ).table[1]
    assert rows[0][4].startswith("agrees")
    hot = demonstrations.section(
        cfg,
        {"euler": xr.Dataset({"temperature": ("time", theta * (1 + 0.05 * t))}, coords={"time": t})},
        tmp_path,
    )
    assert hot.table[1][0][4].startswith("differs")

    nve = validate({"levels": {"particles": {}}})
    e = 1.5 + 1e-6 * np.sin(t)
    rows = demonstrations.section(
        nve, {"particles": xr.Dataset({"internal_energy": ("time", e)}, coords={"time": t})}, tmp_path
    ).table[1]
    assert float(rows[0][1]) < 1e-6 and "NVE" in rows[0][0]
