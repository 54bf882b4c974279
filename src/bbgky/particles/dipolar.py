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
writes ``fields.nc``, which also holds the time averages of the orientational pair correlation

$$g(r, \Delta\theta) = \frac{\langle\#\{(i, j): |r_{ij}| \in [r, r + dr),\
|\Delta\theta_{ij}| \in [\Delta\theta, \Delta\theta + d\Delta\theta)\}\rangle}
{N\rho\,2\pi r\,dr\cdot d\Delta\theta/\pi}$$

(ordered pairs, $|\Delta\theta|$ folded to $[0, \pi]$; 1 for an ideal gas of uniform angles) and
the distribution of bond counts with the criterion stated in :data:`BOND_DISTANCE`,
:data:`BOND_ANGLE` (the tutorial's defect statistics: ``fraction_few_bonds`` = fraction of
molecules with ≤ 2 bonds, with its standard error over saves).
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
        params = model.ewald(H0, deforming=cfg.flow is not None, particles=cfg.system.particles)
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


#: two molecules are bonded when closer than this (about the position of the attractive
#: minimum of Φ for antiparallel pairs, r ≈ 1.1, plus its width) ...
BOND_DISTANCE = 1.5
#: ... and when their relative angle |Δθ| is at least this (b(Δθ) ≥ 9/16: the attractive part).
BOND_ANGLE = 2 * math.pi / 3
PAIR_BINS, ANGLE_BINS, MAX_BONDS = 30, 12, 8


def pair_geometry(position, theta, cell):
    """Minimum-image distances ``[N, N]`` and folded relative angles |Δθ| ∈ [0, π]."""
    dr = position[:, None, :] - position[None, :, :]
    sfrac = dr @ np.linalg.inv(cell).T
    dr = (sfrac - np.round(sfrac)) @ cell.T
    r = np.sqrt(np.sum(dr**2, axis=-1))
    dth = np.abs(np.angle(np.exp(1j * (theta[:, None] - theta[None, :]))))
    np.fill_diagonal(r, np.inf)
    return r, dth


def orientational_histogram(position, theta, cell, r_max):
    """Counts of ordered pairs in (r, |Δθ|) bins and the bond count of every molecule."""
    r, dth = pair_geometry(position, theta, cell)
    hist, _, _ = np.histogram2d(r.ravel(), dth.ravel(), bins=(PAIR_BINS, ANGLE_BINS),
                                range=((0, r_max), (0, np.pi)))
    bonds = np.sum((r < BOND_DISTANCE) & (dth >= BOND_ANGLE), axis=1)
    return hist, bonds


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
        side = math.sqrt(cfg.system.particles / cfg.system.density)
        self.r_max = min(3.0, 0.45 * side)

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
        hist = np.zeros((PAIR_BINS, ANGLE_BINS))
        counts = np.zeros(MAX_BONDS + 1)
        for r in range(R):
            h, bonds = orientational_histogram(frame.position[r], theta[r], frame.cell,
                                               self.r_max)
            hist += h / R
            counts += np.bincount(np.minimum(bonds, MAX_BONDS), minlength=MAX_BONDS + 1) / (R * n)
        return {"pair_hist": hist, "bond_counts": counts,
                "polarization": M, "temperature": T, **{f"field_{k}": v for k, v in f.items()}}

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
        n, rho = self.cfg.system.particles, self.cfg.system.density
        edges = np.linspace(0, self.r_max, PAIR_BINS + 1)
        shell = np.pi * (edges[1:] ** 2 - edges[:-1] ** 2)
        hist = np.asarray(records["pair_hist"]).mean(axis=0)
        g = hist / (n * rho * shell[:, None] / ANGLE_BINS)
        bonds = np.asarray(records["bond_counts"])  # [T, MAX_BONDS + 1]
        few = bonds[:, :3].sum(axis=1)
        fields = xr.Dataset(
            {k: (("time", *FIELD_VARS[k][0]), v, {"units": FIELD_VARS[k][1],
                                                   "long_name": FIELD_VARS[k][2]})
             for k, v in data.items()},
            coords={"time": ("time", np.asarray(times, float), {"units": "sigma (m/epsilon)^1/2"})},
            attrs={"grid": self.grid, "note": "cells of the current (deformed) cell in fractional "
                   "coordinates; replicas pooled; NaN means an empty grid cell",
                   "bond_criterion": f"|r_ij| < {BOND_DISTANCE} and |dtheta| >= "
                   f"{BOND_ANGLE:.6g} rad"})
        fields["r"] = ("r", 0.5 * (edges[1:] + edges[:-1]), {"units": "sigma"})
        fields["dtheta"] = ("dtheta", (np.arange(ANGLE_BINS) + 0.5) * np.pi / ANGLE_BINS,
                            {"units": "rad"})
        fields["pair_correlation_orientational"] = (("r", "dtheta"), g, {
            "units": "1", "long_name": "g(r, |dtheta|), time average (1 for an ideal gas)"})
        fields["bond_count_distribution"] = (("bonds",), bonds.mean(axis=0), {
            "units": "1", "long_name": f"fraction of molecules with k bonds (last bin: ≥ {MAX_BONDS})"})
        fields["fraction_few_bonds"] = ((), few.mean(), {
            "units": "1", "long_name": "fraction of molecules with ≤ 2 bonds (time average)"})
        fields["fraction_few_bonds_stderr"] = ((), few.std(ddof=1) / math.sqrt(len(few))
                                               if len(few) > 1 else np.nan, {
            "units": "1", "long_name": "standard error over saves (correlated saves: a lower "
            "bound)"})
        output.write_atomic(fields, out / "fields.nc")
