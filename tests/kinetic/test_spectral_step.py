"""The automatic time step of the grid methods (time.step omitted) and the user's override."""

import numpy as np
import pytest

from bbgky import config
from bbgky.kinetic.boltzmann import moments as mo
from bbgky.kinetic.boltzmann import selfsimilar as ss
from bbgky.kinetic.boltzmann import spectral as sp
from bbgky.kinetic.boltzmann.steppers import GridStepper
from bbgky.models import kernels


def shear_stepper(time, rate=0.5):
    """Maxwell molecules (ν = ρ/2), simple shear a = 0.5 (a* = 1), a 12³ spectral grid."""
    return GridStepper(config.validate({
        "title": "automatic step", "system": {"density": 1.0, "temperature": 1.0, "seed": 1},
        "interaction": {"potential": "maxwell"}, "flow": {"kind": "simple_shear", "rate": rate},
        "time": time, "levels": {"boltzmann": {"method": "spectral", "grid": 12, "velocity_extent": 7.0,
                                               "sphere_degree": 5}}}))


def pressure(stepper, state):
    return stepper.observe(state)["pressure_tensor"]


def test_automatic_step_is_used_without_time_step_and_is_stable():
    """Without time.step the stepper takes min(½ stable, accurate) from the loss rate ρΣ = 1 and
    |L| = 0.5: Δt = min(½·2.7/(0.5·π·12 + 1), 0.17/1.5) ≈ 0.068, 14× the default time.step. To t = 1
    the run stays bounded and its P agrees with a run at the fixed Δt = 0.025 to 1e-5 of p (the time-step
    error) and with the exact moment ODE as well as that run does (the grid error dominates)."""
    auto = shear_stepper({"end": 1.0, "save_every": 0.5})
    state = auto.initial()
    assert auto.auto_step and auto.attrs()["time_step_rule"].startswith("automatic")
    h = auto.step_size(state.data)
    assert h == pytest.approx(sp.automatic_step("rk4", auto.grid, 0.5, 1.0), rel=1e-12)
    assert h == pytest.approx(min(0.5 * 2.7 / (0.5 * np.pi * 12 + 1), 0.17 / 1.5), rel=1e-12)
    assert h > 10 * auto.dt
    end_auto = auto.advance(state, round(1.0 / auto.dt))
    end_fixed = state.replace(data=auto.solver.advance(state.data, 40, 0.025))  # the same jitted solver
    assert float(end_auto.time) == pytest.approx(1.0, abs=1e-12)
    G = np.asarray(end_auto.data.G)
    assert np.all(np.isfinite(G)) and np.abs(G).max() < 1.5 * np.abs(np.asarray(state.data.G)).max()
    P, Pf = pressure(auto, end_auto), pressure(auto, end_fixed)
    Pm = mo.solve_second_moments(np.eye(3), auto.A, 1.0, np.array([0.0, 1.0]),
                                 mo.maxwell_rate(kernels.maxwell())).pressure_tensor[-1]
    print("max |ΔP|: automatic vs Δt = 0.025", np.abs(P - Pf).max(), "; vs moments: automatic",
          np.abs(P - Pm).max(), "Δt = 0.025", np.abs(Pf - Pm).max())
    assert np.abs(P - Pf).max() < 1e-5
    assert np.abs(P - Pm).max() < 1.01 * np.abs(Pf - Pm).max() + 1e-6


def test_configured_step_overrides_and_is_subdivided_only_when_unstable():
    ok = shear_stepper({"end": 1.0, "step": 0.05, "save_every": 0.5})
    assert not ok.auto_step
    assert ok.step_size(ok.initial().data) == 0.05
    assert ok.attrs()["time_step_rule"].startswith("time.step")
    big = shear_stepper({"end": 1.0, "step": 0.5, "save_every": 0.5})
    h = big.step_size(big.initial().data)
    assert h == pytest.approx(0.5 / 4)  # stable bound 2.7/(0.5·π·12 + 1) = 0.136: four equal steps


# slow: the constants come from validation/boltzmann_spectral_step.py --accuracy; the automatic
# step's use and stability stay in the default suite
@pytest.mark.slow
def test_automatic_step_of_heun_and_ssprk3_meets_the_shear_table_accuracy():
    """The accuracy constants of the lower-order schemes (spectral.ACCURACY, measured at N = 16 by
    validation/boltzmann_spectral_step.py --accuracy): on a 12³ grid under simple shear a* = 0.5 the
    automatic step is the accuracy term a/(ν + |L|) (not the stability bound), and P/p and θ(t) at νt = 1
    stay within the shear table's 0.1 % of an RK4 run at Δt = 1/32 (measured: heun 2.3e-4, ssprk3
    2.6e-4; heun at 0.03, 1.5× its constant, already 4.7e-4, at 0.05 1.2e-3)."""
    t_end, rate, flow = 2.0, 1.0, 0.25  # νt = 1, ν = 1/2; loss rate ρΣ = 1; |L| = a*ν

    def end(problem, n, dt):  # (mean growth rate of θ, P_xy/p, P_xx/p, P_yy/p), as the validation
        state = problem.solver.advance(problem.solver.init(problem.G0), n, dt)
        P0, P = (np.asarray(sp.grid_moments(G, problem.grid)[2]) for G in (problem.G0, state.G))
        p = np.trace(P) / 3
        growth = (2 * float(state.log_c) + np.log(np.trace(P) / np.trace(P0))) / (0.5 * t_end)
        return np.array([growth, P[0, 1] / p, P[0, 0] / p, P[1, 1] / p])

    ref = end(ss.shear_ray_problem(0.5, 12, 9.0, 11), 64, t_end / 64)
    for scheme in ("heun", "ssprk3"):
        problem = ss.shear_ray_problem(0.5, 12, 9.0, 11, scheme=scheme)
        h = sp.automatic_step(scheme, problem.grid, flow, rate)
        assert h == pytest.approx(sp.ACCURACY[scheme] / (rate + flow), rel=1e-12)
        n = int(np.ceil(t_end / h))
        err = np.abs(end(problem, n, t_end / n) / ref - 1).max()
        print(scheme, "Δt", t_end / n, "max rel. error", err)
        assert err < 1e-3
