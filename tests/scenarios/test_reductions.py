"""The hierarchy walk of the report: differences, uncertainties, expectations, flags; sections that
cannot be computed say why; every markdown table parses with its column count."""

import numpy as np
import pytest
from markdown_tables import table_after, tables
from test_report import fake_level

from bbgky.config import validate
from bbgky.scenarios import reductions
from bbgky.scenarios.report import independent_components, write_report

SHEAR = {"flow": {"kind": "simple_shear", "rate": 0.5},
         "levels": {"particles": {}, "boltzmann": {"kernel": "maxwell"}, "navier_stokes": {}, "euler": {}}}


def _levels(t):
    """Fake particle/DSMC/NS/Euler results: DSMC with replica standard errors, particles 1 % hotter."""
    kin = fake_level("boltzmann", 1 + 0.1 * t, t)
    kin["temperature_stderr"] = ("time", np.full(t.size, 0.002))
    kin["pressure_tensor_stderr"] = (("time", "i", "j"), np.full((t.size, 3, 3), 0.001))
    kin.attrs.update(replicas=4, samples_per_replica=1000)
    return {"particles": fake_level("particles", 1.01 * (1 + 0.1 * t), t), "boltzmann": kin,
            "navier_stokes": fake_level("navier_stokes", 1 + 0.12 * t, t),
            "euler": fake_level("euler", np.ones(t.size), t)}


def test_short_four_level_run_writes_a_report_that_says_why(tmp_path):
    """The 4-level shear run shorter than 5 collision times: no traceback, the Knudsen section
    says why, the Boltzmann → NS rows are flagged as initial layer, Euler in shear flagged."""
    cfg = validate(SHEAR)
    t = np.linspace(0, 0.5, 6)
    text = write_report(cfg, _levels(t), tmp_path).read_text()
    knudsen = text.split("## Error against the local Knudsen number")[1].split("\n## ")[0]
    assert "Not computed for this run: the kinetic run spans" in knudsen and "collision times" in knudsen
    head, rows = table_after(text, "Walking down the hierarchy")
    assert head == ["reduction", "quantity", "upper", "lower", "difference", "1σ", "expected", "verdict"]
    by = {(r[0], r[1]): r for r in rows}
    theta = by[("particles → boltzmann", "θ (relative)")]
    assert float(theta[4]) == pytest.approx(0.01, rel=1e-3)
    # one particle realisation: the DSMC s.e. scaled to N (0.002 × (4·1000/1000)^½ = 0.004) ⊕ DSMC 0.002
    assert float(theta[5]) == pytest.approx(np.hypot(0.004, 0.002) / 1.05, rel=1e-2)
    assert theta[7].startswith("Within noise") or theta[7].startswith("Significant")
    assert "(P_xx − P_yy)/p" in {r[1] for r in rows}  # the Burnett normal-stress difference
    assert "Not a measurement" in by[("boltzmann → navier_stokes", "θ (relative)")][7]
    assert "initial layer" in by[("boltzmann → navier_stokes", "P_xy/p")][7]
    assert "Euler in simple shear" in by[("navier_stokes → euler", "P_xy/p")][7]
    for head, rows in tables(text):  # every table renders with its column count (| escaped in cells)
        assert rows and all(len(row) == len(head) for row in rows), head
    assert "## Glossary" in text and "[james_qi_wang]" in text.split("## References")[1]
    assert "N = 1000 particles" in text


def test_run_table_without_particles_does_not_show_n(tmp_path):
    cfg = validate({"levels": {"boltzmann": {"kernel": "maxwell"}, "euler": {}}})
    t = np.linspace(0, 1, 3)
    text = write_report(cfg, {"boltzmann": fake_level("boltzmann", 1 + 0 * t, t),
                              "euler": fake_level("euler", 1 + 0 * t, t)}, tmp_path).read_text()
    run = text.split("## The run")[1].split("\n## ")[0]
    assert "N = " not in run and "P_xy" not in run  # no flow: no shear stress column


def test_verdict_within_noise_and_significant():
    common = dict(upper="particles", lower="boltzmann", quantity="θ", value_upper=1.0, value_lower=1.0,
                  expected=0.01, expected_note="Enskog", flag="")
    within = reductions.Reduction(difference=0.01, sigma=0.02, **common).verdict()
    assert within.startswith("Within noise (0.5σ)")
    v = reductions.Reduction(difference=0.012, sigma=0.001, **common).verdict()
    assert v.startswith("Significant (12.0σ), of the expected size") and "finite size" in v
    assert "larger than expected" in reductions.Reduction(difference=0.2, sigma=0.001, **common).verdict()


def test_principal_stress_and_symmetry_allowed_components():
    shear = np.zeros((3, 3))
    shear[0, 1] = 1.0
    assert reductions.principal_stress(shear)[0] == "P_xy/p"
    assert independent_components(shear) == [(0, 0), (0, 1), (1, 1), (2, 2)]  # no P_xz, P_yz; no P_yx
    ext = np.diag([1.0, -1.0, 0.0])
    assert reductions.principal_stress(ext)[0] == "(P_xx − P_yy)/p"
    assert independent_components(ext) == [(0, 0), (1, 1), (2, 2)]
    assert reductions.principal_stress(np.eye(3)) is None  # isotropic expansion: no stress difference


def test_packing_fraction_and_enskog_excess():
    cfg = validate({"interaction": {"potential": "wca", "scaling": "boltzmann_grad", "range": 0.1},
                    "system": {"density": 10.0}, "time": {"step": 0.001}})
    phi, chi1 = reductions.packing_fraction(cfg)
    d = 2 ** (1 / 6) * 0.1
    assert phi == pytest.approx(10 * np.pi * d**3 / 6)
    assert chi1 == pytest.approx(2.5 * phi, rel=0.05)  # Carnahan–Starling: χ − 1 = 2.5φ + O(φ²)


def test_a_failing_section_is_reported_not_raised(tmp_path, monkeypatch):
    from bbgky.scenarios import particles_kinetic

    def broken(*_):
        raise ValueError("zero-size array")

    monkeypatch.setattr(particles_kinetic, "section", broken)
    t = np.linspace(0, 1, 3)
    text = write_report(validate({}), {"particles": fake_level("particles", 1 + t, t)}, tmp_path).read_text()
    assert "Not computed for this run: ValueError: zero-size array" in text


def test_html_is_self_contained_and_renders_in_chromium(tmp_path):
    """Images inline (opens offline from the file alone); headless Chromium renders a non-blank page
    (skipped without Chromium; the screenshot stays in the test's tmp folder as the artefact)."""
    from bbgky.scenarios.browser import chromium, screenshot

    t = np.linspace(0, 0.5, 6)
    write_report(validate(SHEAR), _levels(t), tmp_path)
    page = (tmp_path / "report.html").read_text()
    assert page.count("src='data:image/png;base64,") >= 2 and "src='temperature.png'" not in page
    if chromium() is None:
        pytest.skip("no chromium on PATH")
    from PIL import Image

    png = screenshot(tmp_path / "report.html", tmp_path / "report_screenshot.png", height=2400)
    pixels = np.asarray(Image.open(png).convert("L"), float)
    assert pixels.shape == (2400, 1200) and pixels.std() > 10  # text and plots, not a blank page


def test_scalar_pressure_row_against_the_enskog_excess(monkeypatch):
    """particles → Boltzmann compares p = tr P/3 itself: the difference, its 1σ from the particle
    replicas (``pressure_stderr``) and the DSMC θ s.e., and the Enskog excess 4φχ expected."""
    monkeypatch.setattr(reductions, "knudsen_state", lambda *a: (np.nan, np.nan))
    cfg = validate({**SHEAR, "system": {"density": 40.0}, "time": {"step": 0.001},
                    "interaction": {"potential": "wca", "scaling": "boltzmann_grad", "range": 0.1}})
    excess, note = reductions.enskog_pressure_excess(cfg)
    phi, chi1 = reductions.packing_fraction(cfg)
    assert excess == pytest.approx(4 * phi * (1 + chi1)) and "4φχ" in note
    assert 0.12 < excess < 0.14  # φ ≈ 0.03 at ρ = 40, d = 2^(1/6)·0.1
    t = np.linspace(0, 1, 3)
    levels = _levels(t)
    part, kin = levels["particles"], levels["boltzmann"]
    p_kin = 0.1 * (1 + 0.1 * t)
    part["temperature"] = kin["temperature"]
    part["pressure"] = ("time", p_kin * 1.13)
    part["pressure_stderr"] = ("time", np.full(t.size, 0.003))
    rows = {r.quantity: r for r in reductions.compare_pair(cfg, "particles", "boltzmann", part, kin)}
    p = rows["p (relative)"]
    assert p.difference == pytest.approx(0.13, rel=1e-9)
    assert p.sigma == pytest.approx(np.hypot(0.003, 0.1 * 0.002) / p_kin[-1], rel=1e-9)
    assert p.expected == excess
    assert p.verdict().startswith("Significant") and "of the expected size" in p.verdict()


def test_plane_map_averages_later_saves_on_merged_cells():
    """The report's g(r⃗) map: mean of the later half of the saves on 2×2 cells (40 bins → 20),
    NaN cells beyond r_max skipped, noise = √(Σ s.e.²)/count per cell."""
    import xarray as xr

    from bbgky.scenarios.report import _plane_map

    t = np.arange(5.0)
    x = np.linspace(-0.39, 0.39, 40)
    g = np.ones((5, 40, 40)) * t[:, None, None]  # g = t: the later saves 2, 3, 4 average to 3
    g[:, 0, 0] = np.nan
    ds = xr.Dataset({"pair_correlation_plane": (("time", "x", "y"), g),
                     "pair_correlation_plane_stderr": (("time", "x", "y"), np.full_like(g, 0.3))},
                    coords={"time": t, "x": x, "y": x})
    px, py, m, noise, t0, saves, k = _plane_map(ds)
    assert np.array_equal(px, py)
    assert (k, saves, t0, m.shape) == (2, 3, 2.0, (20, 20))
    assert np.allclose(m, 3.0) and np.allclose(px, x.reshape(20, 2).mean(1))
    assert noise == pytest.approx(0.3 / np.sqrt(12))  # 3 saves × 4 bins per cell
