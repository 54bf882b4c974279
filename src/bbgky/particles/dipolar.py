r"""The dipolar solvent at the particle level (``[interaction] potential = "dipolar"``).

:func:`build_system` turns the configuration into a rotating 2D :class:`.state.System`: the
orientation-dependent pair energy (short-range $\Phi$ plus the real-space Ewald part) and the
long-range hook (reciprocal sum, self and intramolecular terms, applied field) of
:mod:`bbgky.models.dipolar`, inertia $I$ (default $m\ell^2/4$). Forces and torques are autodiff
of their sum (:mod:`.pairs`).

:class:`DipolarObserver` (a :class:`.frames.FrameObserver`) records, at every save, the
polarisation $\mathbf M = \sum_i q\ell\,\mathbf d(\theta_i)$, the translational temperature and
the gridded fields of the Promislow tutorial (§"Continuum Quantities", §"The Four Pressures") on a
$G\times G$ grid of the current cell (fractional coordinates, replicas pooled), cell $c$ of area
$A_c$ holding $n_c$ molecules:

$$\rho = \frac{n_c}{A_c},\quad U = \langle v\rangle_c,\quad D = \langle d(\theta)\rangle_c,\quad
\Omega = \langle\omega\rangle_c,$$
$$P^{vv} = \frac1{A_c}\sum_{i\in c}(v_i - U)\otimes(v_i - U),\quad
P^{dv} = \frac1{A_c}\sum_{i\in c}(d_i - D)\otimes(v_i - U),$$
$$P^{d\omega} = \frac1{A_c}\sum_{i\in c}(\omega_i - \Omega)(d_i - D),\quad
P^{\omega v} = \frac1{A_c}\sum_{i\in c}(\omega_i - \Omega)(v_i - U)$$

(the tutorial's densities $\rho U$, $\rho D$, $\rho\Omega$ are $\rho$ times these means). After the
run it adds ``polarization(time, i)``, ``dielectric_constant`` and its ``_stderr`` to
``particles.nc`` (:func:`bbgky.models.dipolar.dielectric_constant` at the measured mean
translational temperature, frames after $t_0$, replicas pooled around their own means) and
writes ``fields.nc``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import xarray as xr

from .. import output
from ..models import dipolar as model_dp
from .state import System


def build_system(cfg, H0: np.ndarray, method: str, skin: float) -> System:
    """The rotating system of a dipolar configuration (validated by
    :func:`bbgky.models.dipolar.check`)."""
    model = model_dp.DipolarModel.from_config(cfg.interaction)
    params = None
    if model.electrostatics != "none":
        params = model.ewald(H0, deforming=cfg.flow is not None)
    return System.make(model_dp.oriented_pair(model, params), cfg.velocity_gradient(), H0,
                       cfg.time.step, skin=skin, method=method,
                       inertia=model.moment_of_inertia,
                       long_range=model_dp.long_range_hook(model, params))


FIELD_VARS = {
    "density": (("x", "y"), "sigma-2", "number density rho of molecules"),
    "velocity": (("x", "y", "i"), "(epsilon/m)^1/2", "mean velocity U"),
    "displacement": (("x", "y", "i"), "1", "mean director D = <d(theta)> (rho D per area)"),
    "angular_velocity": (("x", "y"), "(epsilon/m)^1/2 sigma-1", "mean angular velocity Omega"),
    "pressure_vv": (("x", "y", "i", "j"), "epsilon sigma-2", "P^vv = sum (v-U)(v-U) / A_c"),
    "pressure_dv": (("x", "y", "i", "j"), "(epsilon/m)^1/2 sigma-2", "P^dv = sum (d-D)(v-U) / A_c"),
    "pressure_dw": (("x", "y", "i"), "(epsilon/m)^1/2 sigma-3", "P^dw = sum (w-Omega)(d-D) / A_c"),
    "pressure_wv": (("x", "y", "i"), "epsilon/m sigma-3", "P^wv = sum (w-Omega)(v-U) / A_c"),
}


def grid_fields(position, velocity, theta, omega, cell, grid: int) -> dict[str, np.ndarray]:
    """The fields of the module doc from ``[P, 2]`` positions, velocities and ``[P]`` angles,
    angular velocities (replicas pooled: densities are divided by the number of replicas by the
    caller)."""
    s = position @ np.linalg.inv(cell).T
    idx = np.floor((s - np.floor(s)) * grid).astype(int).clip(0, grid - 1)
    c = idx[:, 0] * grid + idx[:, 1]
    G2 = grid * grid
    area = abs(np.linalg.det(cell)) / G2
    d = np.stack([np.cos(theta), np.sin(theta)], axis=1)

    def csum(a):
        out = np.zeros((G2, *a.shape[1:]))
        np.add.at(out, c, a)
        return out

    n = csum(np.ones(len(c)))
    safe = np.where(n > 0, n, np.nan)
    U = csum(velocity) / safe[:, None]
    D = csum(d) / safe[:, None]
    W = csum(omega) / safe
    dv, dd, dw = velocity - U[c], d - D[c], omega - W[c]
    fields = {
        "density": n / area,
        "velocity": U, "displacement": D, "angular_velocity": W,
        "pressure_vv": csum(dv[:, :, None] * dv[:, None, :]) / area,
        "pressure_dv": csum(dd[:, :, None] * dv[:, None, :]) / area,
        "pressure_dw": csum(dw[:, None] * dd) / area,
        "pressure_wv": csum(dw[:, None] * dv) / area,
    }
    return {k: v.reshape(grid, grid, *v.shape[1:]) for k, v in fields.items()}


class DipolarObserver:
    """Polarisation, temperature and fields at every save (module doc)."""

    name = "dipolar"

    def __init__(self, cfg, system: System):
        self.cfg = cfg
        self.model = model_dp.DipolarModel.from_config(cfg.interaction)
        n = cfg.system.particles * cfg.ensemble.replicas
        self.grid = max(1, int(math.sqrt(n / 10)))  # about ten molecules per grid cell

    def observe(self, frame) -> dict[str, np.ndarray]:
        theta, omega = frame.orientation, frame.angular_velocity  # [R, N]
        p = self.model.dipole
        M = p * np.stack([np.cos(theta).sum(-1), np.sin(theta).sum(-1)], axis=-1)  # [R, 2]
        w = frame.peculiar_velocity
        n = w.shape[1]
        T = np.sum(w * w, axis=(1, 2)) / (2 * (n - 1))
        R = theta.shape[0]
        f = grid_fields(frame.position.reshape(-1, 2), frame.velocity.reshape(-1, 2),
                        theta.ravel(), omega.ravel(), frame.cell, self.grid)
        for k in ("density", "pressure_vv", "pressure_dv", "pressure_dw", "pressure_wv"):
            f[k] = f[k] / R
        return {"polarization": M, "temperature": T, **{f"field_{k}": v for k, v in f.items()}}

    def finish(self, times, records, out) -> None:
        out = Path(out)
        M = np.asarray(records["polarization"])  # [T, R, 2]
        T = float(np.mean(records["temperature"][1:]))
        area = self.cfg.system.particles / self.cfg.system.density
        fluct = (M[1:] - M[1:].mean(axis=0)).transpose(1, 0, 2).reshape(-1, 2)
        eps, err = model_dp.dielectric_constant(fluct, area, T, self.model.permittivity,
                                                blocks=min(10, len(fluct)))
        path = out / "particles.nc"
        with xr.open_dataset(path) as ds:
            ds = ds.load()
        ds["polarization"] = (("time", "i"), M.mean(axis=1), {
            "units": "q sigma", "long_name": "total polarisation M = sum q l d(theta_i)"
            + (" (replica mean)" if M.shape[1] > 1 else "")})
        ds["dielectric_constant"] = ((), eps, {
            "units": "1", "long_name": "static dielectric constant 1 + <|dM|^2>/(2 eps0 A k_B T) "
            f"(2D, tin-foil), T = measured mean translational temperature {T:.6g}"})
        ds["dielectric_constant_stderr"] = ((), err, {
            "units": "1", "long_name": "standard error of dielectric_constant (block averages)"})
        output.write_atomic(ds, path)
        data = {k[len("field_"):]: np.asarray(v) for k, v in records.items()
                if k.startswith("field_")}
        fields = xr.Dataset(
            {k: (("time", *FIELD_VARS[k][0]), v, {"units": FIELD_VARS[k][1],
                                                   "long_name": FIELD_VARS[k][2]})
             for k, v in data.items()},
            coords={"time": ("time", np.asarray(times, float), {"units": "sigma (m/epsilon)^1/2"})},
            attrs={"grid": self.grid, "note": "cells of the current (deformed) cell in fractional "
                   "coordinates; replicas pooled; NaN means an empty grid cell"})
        output.write_atomic(fields, out / "fields.nc")
