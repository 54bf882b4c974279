r"""The homo-energetic hydrodynamic closures as registered steppers (:mod:`bbgky.core`), built by
``core.build("hydro", method, cfg)``: ``euler`` (eq. 19 of James–Qi–Wang (OMD kinetic paper),
exact), ``navier_stokes`` (dimensional eq. 20) and ``grad13`` (the 13-moment pressure-tensor
closure); the formulas live in :mod:`.homoenergetic`, μ(θ) as configured in
``[levels.navier_stokes]`` (:func:`.level.viscosity_of`). One step integrates from t to t + time.step.

Every closure keeps the mass of a material volume, ρ det(I + tA) = ρ0 (the first universal law);
the Euler closure is isentropic: θ det(I + tA)^{2/d} stays θ0.
"""

from __future__ import annotations

import numpy as np

from .. import core
from ..config import Config
from ..errors import ConfigError
from ..models import flows
from . import homoenergetic
from .level import viscosity_of


def _example(level: str, time: dict | None = None) -> dict:
    """Shear (rate 1) with expansion of a hard-sphere gas at unit density and temperature."""
    A = [[0.2, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.1]]
    return {"title": "registry example", "system": {"density": 1.0, "temperature": 1.0, "seed": 1},
            "interaction": {"potential": "hard_sphere"}, "flow": {"kind": "matrix", "matrix": A},
            "time": time or {"end": 1.0, "step": 0.25, "save_every": 0.5},
            "levels": {level: {"transport": "hard_sphere"}}}


class ClosureStepper(core.Stepper):
    """One homo-energetic closure; the state holds θ (euler, navier_stokes) or P (grad13)."""

    backend = "numpy"

    def __init__(self, cfg: Config, closure: str):
        self.cfg, self.closure = cfg, closure
        self.A = cfg.velocity_gradient()
        self.d = self.A.shape[0]
        self.rho0, self.theta0 = float(cfg.system.density), cfg.initial_temperature()
        self.dt = cfg.time.step
        self.conserves = {"mass": 0.0}
        if closure == "euler":
            self.order_note = "exact closed form θ = θ0 det(I + tA)^(-2/d): no time-step error"
            self.conserves["entropy"] = 0.0
            self.viscosity = None
        else:
            if closure == "navier_stokes" and self.d != 3:
                raise ConfigError([("system.dimension", "the Navier–Stokes closure needs dimension 3 "
                                    f"(Chapman–Enskog transport of a 3D gas); got {self.d}")])
            self.order_note = ("adaptive DOP853 (rtol 1e-11 on log θ, 1e-12 on P): the error is set by the "
                               "tolerance, not by time.step")
            self.viscosity, self.transport = viscosity_of(cfg)

    def initial(self) -> core.State:
        data = ({"P": self.rho0 * self.theta0 * np.eye(self.d)} if self.closure == "grad13"
                else {"theta": np.asarray(self.theta0)})
        return core.new_state(data, 0.0, core.seed_key(self.cfg.system.seed), numpy=True)

    def _series(self, t0: float, t1: float, data: dict) -> dict[str, np.ndarray]:
        times = np.array([t0, t1])
        if self.closure == "euler":
            J0 = float(flows.volume_ratio(self.A, t0))
            # θ det^{2/d} is invariant: start the exact law from the state's θ at t0
            theta0 = float(data["theta"]) * J0 ** (2 / self.d)
            return homoenergetic.euler(self.A, times, rho0=self.rho0, theta0=theta0)
        if self.closure == "navier_stokes":
            return homoenergetic.navier_stokes(self.A, times, rho0=self.rho0, theta0=float(data["theta"]),
                                               viscosity=self.viscosity, start=t0)
        P = data["P"]
        return homoenergetic.grad13(self.A, times, rho0=self.rho0, theta0=float(np.trace(P)) / self.d,
                                    viscosity=self.viscosity, pressure0=P)

    def advance(self, state: core.State, n: int) -> core.State:
        t0 = float(state.time)
        res = self._series(t0, t0 + n * self.dt, state.data)
        data = ({"P": res["pressure_tensor"][-1]} if self.closure == "grad13"
                else {"theta": np.asarray(res["temperature"][-1])})
        return state.replace(data=data, time=np.asarray(res["time"][-1]), step=state.step + n)

    def observe(self, state: core.State) -> dict[str, np.ndarray]:
        t = np.array([float(state.time)])
        if self.closure == "euler":
            res = homoenergetic.euler(self.A, t, rho0=self.rho0, theta0=self._entropy(state))
        elif self.closure == "navier_stokes":
            res = homoenergetic.navier_stokes_fields(self.A, t, np.ravel(state.data["theta"]), rho0=self.rho0,
                                                     viscosity=self.viscosity)
        else:
            P = state.data["P"]
            rho = flows.density(self.rho0, self.A, float(t[0]))
            theta = float(np.trace(P)) / (self.d * rho)
            res = {"density": [rho], "temperature": [theta], "internal_energy": [0.5 * self.d * theta],
                   "pressure_tensor": [P], "heat_flux": [np.zeros(self.d)]}
        return {k: np.asarray(v[0]) for k, v in res.items() if k != "time"}

    def _entropy(self, state: core.State) -> float:
        """θ det(I + tA)^{2/d} (= θ0 for the Euler closure)."""
        J = float(flows.volume_ratio(self.A, float(state.time)))
        return float(state.data["theta"]) * J ** (2 / self.d)

    def invariants(self, state: core.State) -> dict[str, np.ndarray]:
        t = float(state.time)
        J = float(flows.volume_ratio(self.A, t))
        out = {"mass": np.asarray(flows.density(self.rho0, self.A, t) * J)}
        if "entropy" in self.conserves:
            out["entropy"] = np.asarray(self._entropy(state))
        return out

    def health(self, state: core.State) -> str | None:
        values = np.concatenate([np.ravel(v) for v in state.data.values()])
        return None if np.all(np.isfinite(values)) else f"the {self.closure} closure became NaN/inf"


def _builder(closure: str):
    def build(cfg: Config) -> tuple[ClosureStepper, core.State]:
        s = ClosureStepper(cfg, closure)
        return s, s.initial()

    build.__name__ = f"build_{closure}"
    return build


for _name, _level in (("euler", "euler"), ("navier_stokes", "navier_stokes"), ("grad13", "navier_stokes")):
    core.register("hydro", _name, examples={"shear_expansion": _example(_level)})(_builder(_name))
