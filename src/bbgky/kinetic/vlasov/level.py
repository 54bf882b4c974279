"""The Vlasov level of a configured scenario: ``run(cfg, out, *, resume, progress) -> xr.Dataset``.

Without a ``[flow]`` table it solves the inhomogeneous mean-field equation on the phase-space grid
of ``[levels.vlasov]`` (1D1V or 2D2V) from ``initial.kind`` ∈ {maxwellian, landau, two_stream,
bump_on_tail} — or, with ``initial_samples = N``, from the kernel density estimate of N particles
drawn from that law with the level's key (the particle solver, with ``particles = N``, starts from
exactly these particles); optionally alongside it the N-particle mean-field system (``particles``: W1 to the
grid solution at every save) and the 1D or 2D Euler system (``closure``: the hydrodynamic limit,
its distance to the Vlasov moments at every save, max over the whole x-grid). With a ``[flow]`` it
solves the homogeneous eq. (16) on the velocity part of the grid and records the error against
the exact solution g0((I + tA)w).

Writes ``out/vlasov.nc``: the INTERFACE.md variables (density, temperature, internal_energy,
pressure_tensor — kinetic part —, heat_flux, speed_moment, electric_energy for Coulomb) plus mass,
total_energy and the diagnostics listed in :data:`EXTRA`. Checkpoints go to
``out/checkpoint/vlasov.npz``; ``resume=True`` continues bit-identically.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from ... import core
from ...config import Config, to_toml
from ...driver import Checkpoint, stack
from ...driver import run as drive
from ...errors import ConfigError
from ...output import level_dataset, write_atomic
from ...precision import warn_if_float32
from .limits import distances_to_grid
from .setup import check as problems
from .setup import schedule
from .steppers import EulerStepper, GridStepper, ParticleStepper

#: extra variables of vlasov.nc: name -> (dims after time, units, long_name).
EXTRA: dict[str, tuple[tuple[str, ...], str, str]] = {
    "momentum": (("i",), "m (epsilon/m)^1/2", "total momentum"),
    "kinetic_energy": ((), "epsilon", "total kinetic energy ½∫|v|²f"),
    "field_energy": ((), "epsilon", "mean-field energy ½∫n (U*n) dx"),
    "l1_norm": ((), "1", "∫|f| dx dv"),
    "l2_norm": ((), "1", "(∫f² dx dv)^(1/2)"),
    "entropy": ((), "k_B", "−∫ f log f over f > 0"),
    "f_min": ((), "1", "minimum of f on the grid (negative: interpolation undershoot)"),
    "boundary_mass": ((), "1", "|mass| in the outermost velocity cells (at ±v_max), relative"),
    "density_mode_re": ((), "1", "Re of the first Fourier mode of n(x₁)/n0 (n ≈ n0(1 + Re(m e^{ikx})))"),
    "density_mode_im": ((), "1", "Im of the first Fourier mode of n(x₁)/n0"),
    "density_profile": (("x",), "sigma-d", "number density n(x₁) (averaged over x₂ in 2D)"),
    "velocity_profile": (("x",), "(epsilon/m)^1/2", "bulk velocity U₁(x₁)"),
    "temperature_profile": (("x",), "epsilon k_B-1", "local temperature θ(x₁)"),
    "phase_space": (("x_snap", "v_snap"), "1", "f on the (x₁, v₁) plane (2D2V: integrated over x₂, v₂)"),
    "particle_temperature": ((), "epsilon k_B-1", "temperature of the N-particle system"),
    "particle_total_energy": ((), "epsilon", "total energy of the N-particle system (mesh field estimate)"),
    "particle_density_mode_re": ((), "1", "first Fourier mode of the particle density, real part"),
    "w1_position": ((), "sigma", "exact W1 between particle and grid x₁-marginals (circle)"),
    "w1_velocity": ((), "(epsilon/m)^1/2", "exact W1 between particle and grid v₁-marginals"),
    "sliced_w1_phase": ((), "1", "sliced W1 between particle and grid (x₁, v₁) laws (16 directions)"),
    "euler_density_profile": (("x",), "sigma-d", "density of the Euler (hydrodynamic-limit) solution "
                              "(averaged over x₂ in 2D)"),
    "euler_velocity_profile": (("x",), "(epsilon/m)^1/2", "velocity U₁ of the Euler solution (x₂-averaged)"),
    "hydro_density_error": ((), "sigma-d", "max_x |n_Vlasov − ρ_Euler| (all of x in 2D)"),
    "hydro_velocity_error": ((), "(epsilon/m)^1/2", "max_x,i |U_i,Vlasov − U_i,Euler|"),
    "density_exact": ((), "sigma-d", "homogeneous flow: ρ0/det(I + tA)"),
    "exact_solution_error": ((), "1", "homogeneous flow: max|g − g0((I + tA)w)| / max g0"),
}

_GRID_KEYS = ("mass", "momentum", "kinetic_energy", "field_energy", "total_energy", "l1_norm", "l2_norm",
              "entropy", "f_min", "boundary_mass", "density", "temperature", "pressure_tensor", "heat_flux",
              "speed_moment", "internal_energy", "density_mode_re", "density_mode_im")


def check(cfg: Config) -> None:
    """Every problem of ``[levels.vlasov]`` against the rest of the configuration (dimension,
    potential, velocity domain, stability of the time step), raised at once as a ConfigError;
    ``bbgky validate`` and the runner call it before anything runs."""
    found = problems(cfg)
    if found:
        raise ConfigError(found)


def run(cfg: Config, out: str | Path, *, resume: bool = False,
        progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Run the Vlasov level of ``cfg`` into ``out``; returns the dataset written to vlasov.nc."""
    check(cfg)
    warn_if_float32("the Vlasov level")
    out = Path(out)
    if cfg.flow is not None:
        return _run_homogeneous(cfg, out, resume, progress)
    return _run_grid(cfg, out, resume, progress)


def _write(cfg: Config, out: Path, records: list[dict], coords: dict, attrs: dict) -> xr.Dataset:
    data = stack(records)
    time = data.pop("time")
    ds = level_dataset(time, data, level="vlasov", config_toml=to_toml(cfg), seed=cfg.system.seed,
                       extra_vars=EXTRA, attrs=attrs)
    ds = ds.assign_coords({k: (k, v, {"long_name": k}) for k, v in coords.items() if k in ds.dims})
    write_atomic(ds, out / "vlasov.nc")
    return ds


def _profile(a: np.ndarray, d: int) -> np.ndarray:
    return a if d == 1 else a.mean(axis=tuple(range(1, d)))


class Coupled(core.Stepper):
    """The grid stepper with, when configured, the particle and Euler steppers alongside (same dt;
    the Euler system is advanced to the grid's time); ``state.data`` holds their states. Observes
    the level's record: the grid diagnostics, profiles, snapshot, and the distances between them."""

    def __init__(self, cfg: Config):
        lv = self.lv = cfg.levels.vlasov
        gs = self.grid = GridStepper(cfg)
        s = self.setup = gs.setup
        self.dt, self.order = gs.dt, gs.order
        self.particles = ParticleStepper(cfg, s) if lv.particles is not None else None
        self.euler = EulerStepper(cfg, s) if lv.closure is not None else None
        self.sx = max(1, -(-s.grid.n_x[0] // max(lv.snapshot_points, 1)))
        self.sv = max(1, -(-s.grid.n_v[0] // max(lv.snapshot_points, 1)))

    def initial(self) -> core.State:
        parts = {"grid": self.grid.initial()}
        if self.particles is not None:
            parts["particles"] = self.particles.initial()
        if self.euler is not None:
            samples = self.lv.initial_samples is not None
            parts["euler"] = self.euler.initial(self.grid.observe(parts["grid"]) if samples else None)
        return parts["grid"].replace(data=parts)

    def advance(self, state: core.State, n: int) -> core.State:
        st = state.data
        new = {"grid": self.grid.advance(st["grid"], n)}
        if self.particles is not None:
            new["particles"] = self.particles.advance(st["particles"], n)
        if self.euler is not None:
            new["euler"] = self.euler.advance_to(st["euler"], float(new["grid"].time), n)
        return state.replace(data=new, time=new["grid"].time, step=state.step + n)

    def health(self, state: core.State) -> str | None:
        return self.grid.health(state.data["grid"])

    def observe(self, state: core.State) -> dict:
        st, grid, lv = state.data, self.setup.grid, self.lv
        d = grid.dimension
        g = self.grid.observe(st["grid"])
        rec = {k: g[k] for k in _GRID_KEYS}
        rec["time"] = g["time"]
        rec["density_profile"] = _profile(g["density_profile"], d)
        rec["velocity_profile"] = _profile(g["velocity_profile"][0], d)
        rec["temperature_profile"] = _profile(g["temperature_profile"], d)
        if self.setup.kernel.name == "coulomb":
            rec["electric_energy"] = g["field_energy"]
        f = np.asarray(st["grid"].data.f)
        if lv.snapshot_points > 0:
            marg = f if d == 1 else f.sum(axis=(1, 3)) * grid.dx[1] * grid.dv[1]
            rec["phase_space"] = marg[::self.sx, ::self.sv]
        if self.particles is not None:
            p = self.particles.observe(st["particles"])
            rec["particle_temperature"] = p["temperature"]
            rec["particle_total_energy"] = p["total_energy"]
            rec["particle_density_mode_re"] = p["density_mode_re"]
            pst = st["particles"].data
            dist = distances_to_grid(pst.x, pst.v, f, grid, directions=16)
            rec.update({k: np.asarray(v) for k, v in dist.items()})
        if self.euler is not None:
            from .limits import hydro_profiles

            h = hydro_profiles(self.euler.euler, st["euler"].data, self.euler.refine)
            u_h = h["velocity"].reshape((d, *tuple(grid.n_x)))
            rec["euler_density_profile"] = _profile(h["density"], d)
            rec["euler_velocity_profile"] = _profile(u_h[0], d)
            rec["hydro_density_error"] = np.abs(g["density_profile"] - h["density"]).max()
            rec["hydro_velocity_error"] = np.abs(np.reshape(g["velocity_profile"], u_h.shape) - u_h).max()
        return rec


def _run_grid(cfg: Config, out: Path, resume: bool, progress) -> xr.Dataset:
    lv = cfg.levels.vlasov
    stepper = Coupled(cfg)
    s = stepper.setup
    grid = s.grid
    _, records = drive(stepper, stepper.initial(), saves=s.saves, steps_per_save=s.steps_per_save,
                       checkpoint=Checkpoint(out / "checkpoint", "vlasov"), resume=resume, progress=progress)
    coords = {"x": grid.x(0), "x_snap": grid.x(0)[::stepper.sx], "v_snap": grid.v(0)[::stepper.sv]}
    attrs = {"vlasov_grid": grid.describe(), "vlasov_potential": s.kernel.description,
             "vlasov_interpolation": lv.interpolation, "vlasov_splitting": lv.splitting,
             "vlasov_omega_max_dt": s.omega_max * s.dt}
    if stepper.particles is not None:
        attrs["vlasov_particles"] = f"N = {lv.particles}, {stepper.particles.particles.method} forces"
    return _write(cfg, out, records, coords, attrs)


def _run_homogeneous(cfg: Config, out: Path, resume: bool, progress) -> xr.Dataset:
    stepper, state = core.build("vlasov", "homogeneous", cfg)
    _, per, saves = schedule(cfg)
    _, records = drive(stepper, state, saves=saves, steps_per_save=per,
                       checkpoint=Checkpoint(out / "checkpoint", "vlasov"), resume=resume, progress=progress)
    attrs = {"vlasov_equation": "homogeneous mean-field eq. (16) under the flow A",
             "vlasov_velocity_gradient": str(np.asarray(cfg.velocity_gradient()).tolist())}
    return _write(cfg, out, records, {}, attrs)
