"""Every bundled example's promised result, asserted at small size against its reference.

Each example (``bbgky examples``) either has a check here — the example's own configuration with
fewer particles, samples or steps (:data:`SMALL`), run through the scenario runner, and the result
its header comment promises asserted against an independent reference (:data:`CHECKS`) — or names
the test elsewhere that already asserts that result at small size (:data:`ELSEWHERE`; the first
test checks that each named test exists, so the map cannot go stale). The runs of the particle and
DSMC levels are marked slow (``-m slow``); the hydrodynamic ones run in the default suite.
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from bbgky.config import validate
from bbgky.scenarios import demonstrations, examples
from bbgky.scenarios.runner import run

TESTS = Path(__file__).resolve().parents[1]

#: example -> the test that asserts its promised result (file relative to tests/, function name)
ELSEWHERE = {
    "flagship_wca_shear":
        "scenarios/test_flagship.py::test_small_flagship_runs_every_level_and_reports_each_reduction",
    "particles_boltzmann_3d_wca_shear":
        "scenarios/test_particles_kinetic.py::test_tiny_particles_and_dsmc_run_reports_w1",
    "vlasov_1d_landau":
        "kinetic/test_vlasov.py::test_linear_landau_damping_rate_and_frequency",
    "vlasov_1d_two_stream":
        "kinetic/test_vlasov.py::test_two_stream_growth_rate",
    "vlasov_1d_limits":
        "kinetic/test_vlasov_particles.py::test_w1_study_from_a_configuration_gives_the_table_and_the_rate",
    "vlasov_2d_gaussian":
        "kinetic/test_vlasov_level.py::test_2d2v_gaussian_potential_with_particles",
    "boltzmann_2d_bkw":
        "kinetic/test_boltzmann_level.py::test_dsmc_2d_bkw_file",
    "particles_2d_dipolar_thermostat":
        "particles/test_dipolar_level.py::test_langevin_rotors_sample_the_canonical_law_with_equipartition",
    "particles_2d_dipolar_shear":
        "particles/test_dipolar_level.py::test_nve_run_conserves_energy_and_writes_dipolar_outputs",
    "particles_2d_rotor_gas":
        "test_dipolar_model.py::test_dielectric_estimator_on_independent_rotors",
    "statistics_cosine_trap":
        "statistics/test_balance_equilibrium.py::test_trapped_balance_closes",
    "statistics_gaussian_core_n_study":
        "statistics/test_n_study.py::test_small_study_follows_the_one_over_n_law",
}

#: example -> changes to its configuration (tables merged key by key) that make it small
SMALL = {
    "default": {"system": {"particles": 64}, "time": {"end": 2.0, "save_every": 0.25},
                "initial": {"equilibration": 0.0}},
    "particles_3d_lj_nve": {"system": {"particles": 108}, "time": {"end": 1.0, "save_every": 0.1},
                            "initial": {"equilibration": 0.0}},
    "particles_3d_wca_expansion": {"system": {"particles": 64}, "time": {"end": 2.0, "save_every": 0.25}},
    "particles_3d_wca_planar_extension": {"system": {"particles": 64},
                                          "time": {"end": 2.0, "save_every": 0.2}},
    "hydro_3d_isotropic_expansion": {"time": {"end": 2.0, "save_every": 0.5},
                                     "levels": {"boltzmann": {"samples": 2000}}},
    "hydro_3d_hard_sphere_shear": {"time": {"end": 2.0, "save_every": 0.5},
                                   "levels": {"boltzmann": {"samples": 2000}}},
    "hydro_3d_planar_extension": {"levels": {"boltzmann": None}},
    "hydro_3d_lj_gas_T07": {},
    "hydro_3d_lj_gas_T4": {},
    "statistics_3d_lj_liquid_gr": {"system": {"particles": 108}, "ensemble": {"replicas": 1},
                                   "time": {"end": 0.1, "save_every": 0.1},
                                   "levels": {"statistics": {"pair_range": 2.5}}},
}


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def small_run(name: str, tmp_path):
    cfg = validate(_merge(tomllib.loads(examples.text(name)), SMALL[name]))
    return cfg, run(cfg, tmp_path, report=False).datasets


def heating_ode(mu, cfg, times: np.ndarray) -> np.ndarray:
    """θ(t) of Navier–Stokes in the configured homo-energetic flow (L(t) = A(I + tA)^−1,
    ρ(t) = ρ0/det(I + tA)): the energy equation with the Navier–Stokes stress P = p I − 2μD°,
    dθ/dt = −(2/3) θ tr L + (2/(3ρ)) μ(θ) 2D°:D° (compression and viscous heating)."""
    from scipy.integrate import solve_ivp

    A, rho0 = cfg.velocity_gradient(), cfg.system.density
    one = np.eye(3)

    def rate(t, y):
        L = A @ np.linalg.inv(one + t * A)
        D = 0.5 * (L + L.T)
        D0 = D - np.trace(D) / 3 * one
        rho = rho0 / np.linalg.det(one + t * A)
        return [-2 / 3 * y[0] * np.trace(L) + 2 / (3 * rho) * mu(y[0]) * 2 * np.sum(D0 * D0)]

    sol = solve_ivp(rate, (0, times[-1]), [cfg.system.temperature], t_eval=times, rtol=1e-10, atol=1e-12)
    return sol.y[0]


def neufeld_lj_viscosity(theta: float) -> float:
    """First Chapman–Enskog viscosity of the LJ gas (σ = ε = m = 1), μ = (5/16)√(πθ)/(π Ω^(2,2)*),
    with Neufeld, Janzen & Aziz's fit of Ω^(2,2)* (J. Chem. Phys. 57, 1100 (1972)) — a reference
    independent of the quadrature in bbgky.models.collision_integrals."""
    omega = (1.16145 * theta**-0.14874 + 0.52487 * math.exp(-0.77320 * theta)
             + 2.16178 * math.exp(-2.43787 * theta))
    return 5 / 16 * math.sqrt(math.pi * theta) / (math.pi * omega)


def check_default(cfg, ds, out):
    """Viscous heating of the sheared WCA gas: θ grows, P_xy < 0, and the energy balance
    de/dt = −(a/ρ) P_xy (the work of the shear, exact for homogeneous shear) holds along the run."""
    p = ds["particles"]
    t, e, pxy = p.time.values, p.internal_energy.values, p.pressure_tensor.values[:, 0, 1]
    a, rho = cfg.flow.rate, cfg.system.density
    assert p.temperature.values[-1] > 1.1 * p.temperature.values[0]
    assert pxy[len(pxy) // 2:].mean() < 0
    work = -a / rho * np.concatenate([[0], np.cumsum(0.5 * (pxy[1:] + pxy[:-1]) * np.diff(t))])
    np.testing.assert_allclose(e - e[0], work, atol=0.05 * abs(work[-1]))


def check_nve(cfg, ds, out):
    """The LJ liquid conserves its energy (velocity Verlet: no secular drift)."""
    row = demonstrations.nve(cfg, ds["particles"])[0][0]
    assert float(row[1]) < 1e-3


def check_expansion(cfg, ds, out):
    """θ = θ0 det(I + tA)^(−2/3) at every level (the report's 'Results against theory' rows)."""
    rows = demonstrations.expansion(cfg, ds)[0]
    assert len(rows) == len(ds) and all(r[4].startswith("agrees") for r in rows), rows


def check_expansion_particles(cfg, ds, out):
    """θ = θ0 det(I + tA)^(−2/3) for the particles: 64 particles exchange a few % of their kinetic
    energy with the pair energy during collisions, so the law is asserted on the mean of θ/θ_exact
    over the saves (2 %) and each save within 6 %; at the example's N = 1000 the report's row agrees
    within 2 %."""
    p = ds["particles"]
    A = cfg.velocity_gradient()
    det = np.array([np.linalg.det(np.eye(3) + s * A) for s in p.time.values])
    ratio = p.temperature.values / (p.temperature.values[0] * det ** (-2 / 3))
    assert abs(ratio[1:].mean() - 1) < 0.02 and np.all(np.abs(ratio - 1) < 0.06), ratio


def check_planar_extension_particles(cfg, ds, out):
    """ρ(t) = ρ0/det(I + tA) exactly, and the stretched axis cools while the compressed one heats
    (w' = −A w between collisions: P_xx < P_yy)."""
    p = ds["particles"]
    A = cfg.velocity_gradient()
    det = np.array([np.linalg.det(np.eye(3) + s * A) for s in p.time.values])
    np.testing.assert_allclose(p.density.values, cfg.system.density / det, rtol=1e-10)
    P = p.pressure_tensor.values[-1]
    assert P[0, 0] < P[1, 1]


def check_hard_sphere_shear(cfg, ds, out):
    """Navier–Stokes captures the viscous heating Euler misses: after the initial layer the DSMC
    temperature is much closer to Navier–Stokes than to Euler."""
    tb, tn, te = (ds[k].temperature.values[-1] for k in ("boltzmann", "navier_stokes", "euler"))
    assert te == pytest.approx(cfg.system.temperature)  # Euler: no viscous heating in shear
    assert tn > 1.5 * te
    assert abs(tb - tn) < 0.2 * abs(tn - te)


def _hard_sphere_mu(theta):
    # Chapman–Enskog hard-sphere viscosity, converged Sonine factor 1.016034 (Chapman–Cowling)
    return 1.016034 * 5 / (16 * math.sqrt(math.pi)) * math.sqrt(theta)


def check_planar_extension_hydro(cfg, ds, out):
    """Navier–Stokes heats as θ' = (8/3)μ(θ)a²/ρ at t = 0 (then with L(t) = A(I + tA)^−1) with the
    hard-sphere μ; Euler has no viscous heating."""
    ns, eu = ds["navier_stokes"], ds["euler"]
    expected = heating_ode(_hard_sphere_mu, cfg, ns.time.values)
    np.testing.assert_allclose(ns.temperature.values, expected, rtol=2e-3)
    inviscid = heating_ode(lambda theta: 0.0, cfg, eu.time.values)  # tr L ≠ 0 once the flow ages
    np.testing.assert_allclose(eu.temperature.values, inviscid, rtol=1e-6)


def check_lj_gas(cfg, ds, out):
    """Navier–Stokes heating with the Lennard-Jones Chapman–Enskog viscosity (against the Neufeld
    fit of Ω^(2,2)*, first approximation: within 1 %); Euler does not heat."""
    ns, eu = ds["navier_stokes"], ds["euler"]
    expected = heating_ode(neufeld_lj_viscosity, cfg, ns.time.values)
    heat, heat_ref = ns.temperature.values - cfg.system.temperature, expected - cfg.system.temperature
    np.testing.assert_allclose(heat[1:], heat_ref[1:], rtol=1e-2)
    np.testing.assert_allclose(eu.temperature.values, cfg.system.temperature, rtol=1e-10)


def check_lj_liquid_gr(cfg, ds, out):
    """The LJ liquid's g(r) (Verlet, Phys. Rev. 165, 201 (1968)): first peak ≈ 3 near r ≈ 1.1,
    then a minimum below 1 near r ≈ 1.5."""
    import xarray as xr

    with xr.open_dataset(out / "statistics.nc") as st:
        last = st.isel(time=-1)
        r, g = last.r.values, last.pair_correlation.values
    k = int(np.nanargmax(g))
    assert 1.0 < r[k] < 1.25 and 2.3 < g[k] < 3.8, (r[k], g[k])
    shell = (r > 1.3) & (r < 1.8)
    assert 1.35 < r[shell][np.argmin(g[shell])] < 1.75 and g[shell].min() < 0.9


CHECKS = {
    "default": check_default,
    "particles_3d_lj_nve": check_nve,
    "particles_3d_wca_expansion": check_expansion_particles,
    "particles_3d_wca_planar_extension": check_planar_extension_particles,
    "hydro_3d_isotropic_expansion": check_expansion,
    "hydro_3d_hard_sphere_shear": check_hard_sphere_shear,
    "hydro_3d_planar_extension": check_planar_extension_hydro,
    "hydro_3d_lj_gas_T07": check_lj_gas,
    "hydro_3d_lj_gas_T4": check_lj_gas,
    "statistics_3d_lj_liquid_gr": check_lj_liquid_gr,
}


def test_every_example_has_its_result_asserted_here_or_in_a_named_test():
    assert set(CHECKS) == set(SMALL) and not set(CHECKS) & set(ELSEWHERE)
    assert set(CHECKS) | set(ELSEWHERE) == set(examples.names())
    for name, where in ELSEWHERE.items():
        path, func = where.split("::")
        assert re.search(rf"^def {func}\(", (TESTS / path).read_text(), re.M), f"{name}: {where} not found"


#: runs of the particle or DSMC level (compilation dominates: tens of seconds each on 2 cores): slow
SLOW = {"default", "particles_3d_lj_nve", "particles_3d_wca_expansion", "particles_3d_wca_planar_extension",
        "hydro_3d_isotropic_expansion", "hydro_3d_hard_sphere_shear", "statistics_3d_lj_liquid_gr"}


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n
                                  for n in sorted(CHECKS)])
def test_example_shows_its_result_at_small_size(name, tmp_path):
    cfg, datasets = small_run(name, tmp_path)
    CHECKS[name](cfg, datasets, tmp_path)
