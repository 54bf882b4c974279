r"""The statistics level: estimators of the N-particle law streamed from the particle level.

``[levels.statistics]`` does not run on its own: :class:`StatisticsObserver` is a
:class:`bbgky.particles.frames.FrameObserver` handed to the particle level's ``run``
(:mod:`bbgky.scenarios.runner` does it), so that at $t_0$ and at every save it measures, from all
R replicas of ``[ensemble]`` (tutorial "Probabilistic Interpretation": expectations under $f_N(t)$
are averages over independent replicas; :mod:`.ensemble`),

* $g(r)$ (:func:`.pair.pair_correlation_replicas`), $g(\vec r)$ in the flow plane
  (:func:`.pair.pair_correlation_plane`) and its harmonics $g_l^{c,s}(r)$, l = 0, 2
  (:func:`.pair.pair_correlation_harmonics`);
* the density profile $n(x)$ along the first lattice vector (:func:`.marginals.density_profile`);
* the two-particle density residual $\rho_2(x_1, x_2) = n^{(2)} - \frac{N-1}{N}n\otimes n$ projected
  on the same axis (:func:`.marginals.pair_density_residual`, ``pair_density_bins`` per axis);
* the pair velocity covariance $K_{ij}(r)$ (:func:`.marginals.velocity_covariance`);
* the velocity marginals of each component of w (:func:`.marginals.velocity_marginals`), the bulk
  velocity U(x) and kinetic pressure $P_{\rm kin}(x)$ along the profile axis
  (:func:`.marginals.flow_profiles`);
* with R ≥ 4 replicas and a radial pair potential: the correlation force C(x)
  (:func:`.correlation_force.correlation_force`, from the first 2⌊R/2⌋ replicas) and the momentum
  balance term by term, every component of the peculiar momentum (:mod:`.balance`; per-block
  records, so that the time derivative and the time average get exact standard errors in
  ``finish``) — at rest, and under a flow whose velocity has no component across the profile planes
  (first row of A zero: the profile is then taken in the fixed cell of $t_0$; other flows: the
  profiles use the current cell and the balance is not measured, attribute ``momentum_balance``).

Each is the mean over replicas with its standard error (``<name>_stderr``; jackknife for the
covariance and ρ₂, ratios and products of means). Records travel in the particle level's
checkpoints, so a resumed run gives the same ``statistics.nc``. With R = 1 the standard errors
are 0 (no replicas to compare): use ``[ensemble] replicas`` ≥ 2 for error bars.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import numpy as np
import xarray as xr

from ..config import Config, to_toml
from ..errors import ConfigError
from ..models.potentials import REGISTRY
from ..output import level_dataset, write_atomic
from ..particles import lattice
from ..particles.frames import Frame
from ..particles.level import build_system, external_potential, replicas
from . import balance, correlation_force, marginals, pair
from .ensemble import mean_stderr

#: name -> (dimensions after ``time``, units, long_name) of statistics.nc (INTERFACE.md).
VARIABLES = {
    "pair_correlation": (("r",), "1", "pair correlation g(r), mean over replicas"),
    "pair_correlation_plane": (("x", "y"), "1", "pair correlation g(r) in the flow plane (x, y), "
                               "mean over replicas (NaN beyond pair_range)"),
    "pair_correlation_harmonic": (("l", "part", "r"), "1", "angular harmonic g_l^part(r) of g(r) "
                                  "(part 0: cos l phi, 1: sin l phi), mean over replicas"),
    "density_profile": (("x",), "sigma-1", "particles per unit length along the first lattice "
                        "vector, mean over replicas"),
    "pair_density_residual": (("x1", "x2"), "sigma-2", "two-particle density residual rho_2(x1, x2) = "
                              "n2(x1, x2) - (N-1)/N n(x1) n(x2) along the first lattice vector, pairs "
                              "per unit length squared (bin averages; jackknife over replicas)"),
    "velocity_covariance": (("r", "i", "j"), "epsilon/m", "pair covariance of peculiar velocities "
                            "<(w_a - u)_i (w_b - u)_j> of pairs at separation r"),
    "velocity_marginal": (("i", "v"), "(epsilon/m)^-1/2", "probability density of the component w_i "
                          "of the peculiar velocity (one-particle marginal), mean over replicas"),
    "bulk_velocity": (("x", "i"), "(epsilon/m)^1/2", "bulk velocity U_i(x) = j_i/n along the first "
                      "lattice vector (bin averages; jackknife over replicas)"),
    "kinetic_pressure": (("x", "i", "j"), "epsilon sigma-1", "kinetic pressure P_kin,ij(x) = "
                         "Pi_ij - j_i j_j/n per unit length along the first lattice vector (bin "
                         "averages; jackknife over replicas)"),
    "correlation_force": (("x",), "epsilon sigma-2", "correlation force C(x) = int F(x - x') "
                          "rho_2(x, x') dx' along the first lattice vector, per unit length (bin "
                          "averages; blocks of two replicas)"),
    "momentum_balance": (("term", "x"), "epsilon sigma-2", "momentum balance along the first lattice "
                         "vector, term by term (hat-smoothed, per unit length; residual = "
                         "time_derivative + flux_divergence - external - mean_field - correlation - "
                         "flow - thermostat)"),
    "momentum_balance_components": (("term", "i", "x"), "epsilon sigma-2", "balance of each Cartesian "
                                    "component i of the peculiar momentum along the first lattice "
                                    "vector, term by term (hat-smoothed, per unit length)"),
}

#: dimensions on the profile grid: renamed x -> x_profile in statistics.nc.
_ON_PROFILE = ("density_profile", "bulk_velocity", "kinetic_pressure", "correlation_force",
               "momentum_balance", "momentum_balance_components")


def _stderr_spec(name: str) -> tuple:
    dims, units, long_name = VARIABLES[name]
    return dims, units, f"standard error of: {long_name}"


def range_bound(cfg: Config) -> tuple[float, float | None]:
    """``(bound, t)``: half the smallest perpendicular width of the reduced periodic cell over
    [0, time.end] (:func:`bbgky.particles.lattice.best_width_over`, the same sampling as the
    particle level's cut-off check), and the first sampled time at which it is reached under a
    flow (None without one)."""
    H0 = cfg.box_length() * np.eye(cfg.system.dimension)
    if cfg.flow is None:
        return 0.5 * float(min(lattice.widths(H0))), None
    A, grid = cfg.velocity_gradient(), np.linspace(0.0, cfg.time.end, 65)
    best, when = np.inf, 0.0
    for t0, t1 in itertools.pairwise(grid):
        w = 0.5 * lattice.best_width_over(H0, A, t0, t1, samples=4)
        if w < best:
            best, when = w, t0
    return float(best), when


def pair_range(cfg: Config) -> float:
    """r_max: ``levels.statistics.pair_range``, or (default) just below :func:`range_bound`."""
    r = cfg.levels.statistics.pair_range
    return float(r) if r is not None else range_bound(cfg)[0] * (1 - 1e-6)


def check(cfg: Config) -> None:
    """``[levels.statistics]`` needs the particle level (it observes its frames) and a pair range
    within half the smallest cell width over the whole run (minimum images are exact there)."""
    stats = cfg.levels.statistics
    if stats is None:
        return
    if cfg.levels.particles is None:
        raise ConfigError([("levels.statistics", "the statistics level observes the particle level; "
                            "add [levels.particles] (or remove [levels.statistics])")])
    if stats.average_from >= cfg.time.end:
        raise ConfigError([("levels.statistics.average_from", f"{stats.average_from:g} leaves no save to "
                            f"average; allowed: 0 ≤ average_from < time.end = {cfg.time.end:g}")])
    if stats.closure_reference is not None:
        if cfg.flow is not None:
            raise ConfigError([("levels.statistics.closure_reference", "the closure is built along the "
                                "axis of a fixed cell; allowed: no [flow] with closure_reference")])
        _reference_pair_correlation(cfg)  # raises a ConfigError naming the key
    if cfg.initial.kind == "file" or stats.pair_range is None:
        return  # a file brings its own cell: the estimators check the range on every frame
    bound, when = range_bound(cfg)
    if stats.pair_range > bound * (1 + 1e-9):
        at = "" if when is None else f" (reached at t ≈ {when:.6g} under this flow, lattice reduction " \
            "included)"
        raise ConfigError([("levels.statistics.pair_range", f"{stats.pair_range:g} exceeds half the "
                            f"smallest cell width {bound:.6g}{at}; allowed: 0 < pair_range ≤ {bound:.6g} "
                            "(or more particles / a shorter time.end)")])


def _reference_pair_correlation(cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(r, g, s.e.)`` of ``levels.statistics.closure_reference``: the homogeneous g(r) averaged over
    its saves at t ≥ its ``average_from``, converted to the "exact" normalisation at this run's N (the
    closure uses g − (N−1)/N: :func:`.balance.axial_kernel`); its standard error is the mean of the
    saves' standard errors (the bound for fully correlated saves: conservative)."""
    key, path = "levels.statistics.closure_reference", cfg.levels.statistics.closure_reference
    allowed = ("allowed: the statistics.nc of a homogeneous run (no [external]) of the same potential, "
               "with a pair range reaching the interaction cut-off")
    try:
        with xr.open_dataset(path) as ds:
            late = ds.time.values >= float(ds.attrs.get("average_from", 0.0)) - 1e-9
            r, g = ds.r.values, ds.pair_correlation.values[late].mean(axis=0)
            # s.e. of the time average: at most the mean s.e. of the saves (fully correlated saves)
            g_se = ds.pair_correlation_stderr.values[late].mean(axis=0)
            norm = str(ds.attrs["normalization"])
            ref_cfg = tomllib.loads(str(ds.attrs["configuration"]))
            n_ref = int(ref_cfg["system"]["particles"])
    except Exception as exc:  # any reader error: the file is not what the key needs
        raise ConfigError([(key, f"{path!r} cannot be read as a statistics.nc ({type(exc).__name__}); "
                            f"{allowed}")]) from None
    if "external" in ref_cfg or ref_cfg.get("interaction", {}).get("potential") != cfg.interaction.potential:
        raise ConfigError([(key, f"{path!r} is not a homogeneous run of potential "
                            f"{cfg.interaction.potential!r}; {allowed}")])
    factor = (cfg.system.particles - 1) / cfg.system.particles
    if norm == "exact":  # to the ideal-gas value 1, then to this run's (N−1)/N
        factor *= n_ref / (n_ref - 1)
    return r, g * factor, g_se * factor


class StatisticsObserver:
    """The frame observer of ``[levels.statistics]`` (module docstring); ``finish`` writes
    ``out/statistics.nc``."""

    name = "statistics"

    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.stats = cfg.levels.statistics
        self.r_max = pair_range(cfg)
        self.d = cfg.system.dimension
        theta = max(cfg.system.temperature, cfg.thermostat.temperature if cfg.thermostat else 0.0)
        self.v_max = self.stats.velocity_range or 5.0 * float(np.sqrt(theta))
        self.paired = 2 * (replicas(cfg) // 2) if replicas(cfg) >= 4 else 0  # replicas in blocks
        self.potential = None
        if self.paired and cfg.interaction.potential in REGISTRY:
            self.potential = build_system(cfg).potential
        # the profile cell: fixed (the cell at t0) at rest and under a flow whose velocity has no
        # component across the profile planes; otherwise the current cell, and no balance
        self.A = cfg.velocity_gradient()
        self.fixed_cell, self.no_balance = None, None
        if cfg.flow is not None:
            H0 = cfg.box_length() * np.eye(self.d)
            if cfg.initial.kind != "file" and balance.invariant_profile(H0, self.A):
                self.fixed_cell = H0
            else:
                self.no_balance = ("not measured: the flow moves the profile planes (first row of A "
                                   "non-zero, or a cell from a file), see docs/statistics.md")
        self.balance = self.potential is not None and self.no_balance is None
        self.friction = float(cfg.thermostat.damping) if cfg.thermostat is not None else 0.0
        self.external = external_potential(cfg)
        self.reference = None
        if self.stats.closure_reference is not None and self.balance:
            self.reference = _reference_pair_correlation(cfg)

    def observe(self, frame: Frame) -> dict[str, np.ndarray]:
        s, x = self.stats, frame.position
        cell = frame.cell if self.fixed_cell is None else self.fixed_cell  # the profile cell
        out: dict[str, np.ndarray] = {}

        def put(name, per_replica, axis=0):
            out[name], out[f"{name}_stderr"] = mean_stderr(per_replica, axis=axis)

        r, g = pair.pair_correlation_replicas(x, frame.cell, s.pair_bins, self.r_max, s.normalization)
        put("pair_correlation", g)
        out["r"] = r
        if self.d >= 2:
            px, py, gp = pair.pair_correlation_plane(x, frame.cell, s.plane_bins, self.r_max)
            put("pair_correlation_plane", gp)
            out["plane_x"], out["plane_y"] = px, py
            _, gh = pair.pair_correlation_harmonics(x, frame.cell, s.pair_bins, self.r_max, orders=(0, 2))
            put("pair_correlation_harmonic", gh)
        xs, n = marginals.density_profile(x, cell, s.profile_bins)
        put("density_profile", n)
        out["profile_x"] = xs
        x12, rho2, rho2_se = marginals.pair_density_residual(x, cell, s.pair_density_bins)
        out["pair_density_residual"], out["pair_density_residual_stderr"] = rho2, rho2_se
        out["pair_density_x"] = x12
        rc, k, k_se = marginals.velocity_covariance(x, frame.peculiar_velocity, frame.cell,
                                                    s.covariance_bins, self.r_max)
        out["velocity_covariance"], out["velocity_covariance_stderr"] = k, k_se
        out["covariance_r"] = rc
        w = frame.peculiar_velocity
        v, f = marginals.velocity_marginals(w, s.velocity_bins, self.v_max)
        put("velocity_marginal", f)
        out["velocity_v"] = v
        flow = marginals.flow_profiles(x, w, cell, s.profile_bins)
        for name in ("bulk_velocity", "kinetic_pressure"):
            out[name], out[f"{name}_stderr"] = flow[name]
        if self.potential is not None:
            xb, wb, pot = x[: self.paired], w[: self.paired], self.potential
            forces = correlation_force.pair_forces(xb, frame.cell, pot.energy, pot.cutoff)
            cf = correlation_force.correlation_force(xb, cell, s.profile_bins, pot.energy, pot.cutoff,
                                                     forces=forces)
            out["correlation_force"], out["correlation_force_stderr"] = cf["correlation"]
            if self.balance:
                out["balance_blocks"] = balance.balance_blocks(
                    xb, wb, cell, s.profile_bins, pot.energy, pot.cutoff, self.external, self.friction,
                    forces=forces, L=None if self.cfg.flow is None else frame.L, force_cell=frame.cell)
                out["balance_axis"] = cell[:, 0] / np.linalg.norm(cell[:, 0])
        return out

    def _closure(self, x: np.ndarray, n: np.ndarray, n_se: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """C_qe and its s.e. at every save (:func:`.balance.quasi_equilibrium_force`,
        :func:`.balance.quasi_equilibrium_stderr`: the g part and the profile part in quadrature) from
        the mean density profile ``n [T, bins]`` with its s.e. and the reference g(r)."""
        length = self.cfg.box_length()
        area = length ** (self.d - 1)  # the cross-section V/ℓ of the cubic cell (no flow)
        r, g, g_se = self.reference
        args = (self.potential.energy, self.d, self.cfg.system.particles, self.potential.cutoff)
        c = np.stack([balance.quasi_equilibrium_force(x, nt, length, area, r, g, *args) for nt in n])
        se = np.stack([np.hypot(*balance.quasi_equilibrium_stderr(x, nt, st, length, area, r, g, g_se, *args))
                       for nt, st in zip(n, n_se, strict=True)])
        return c, se

    def finish(self, times: np.ndarray, records: dict[str, np.ndarray], out: Path) -> xr.Dataset:
        """Write ``out/statistics.nc`` (coordinates from the first frame; the profile axis is the
        first lattice vector at t0)."""
        rec = dict(records)
        coords = {"r": rec.pop("r")[0], "x_profile": rec.pop("profile_x")[0],
                  "r_covariance": rec.pop("covariance_r")[0], "v": rec.pop("velocity_v")[0]}
        coords["x1"] = coords["x2"] = rec.pop("pair_density_x")[0]
        average = None
        if "balance_blocks" in rec:  # per-block records -> mean and s.e., with ∂t(ρU) over frames
            per_block = balance.with_time_derivative(times, rec.pop("balance_blocks"))
            axis = rec.pop("balance_axis")[0]
            components = balance.summarise(per_block, times, self.stats.average_from)
            summary = balance.summarise(balance.along(per_block, axis), times, self.stats.average_from)
            rec["momentum_balance"], rec["momentum_balance_stderr"] = summary["momentum_balance"]
            rec["momentum_balance_components"], rec["momentum_balance_components_stderr"] = \
                components["momentum_balance"]
            average = summary["momentum_balance_average"], components["momentum_balance_average"]
        if "plane_x" in rec:
            coords["x"], coords["y"] = rec.pop("plane_x")[0], rec.pop("plane_y")[0]
        if self.reference is not None and "correlation_force" in rec:
            rec["correlation_force_closure"], rec["correlation_force_closure_stderr"] = self._closure(
                coords["x_profile"], rec["density_profile"], rec["density_profile_stderr"])
            # the reduction error of the closure: C_qe − C, the two s.e. in quadrature (the closure's
            # s.e. is an upper bound; the correlation through the shared n(x) is neglected)
            closure, measured = rec["correlation_force_closure"], rec["correlation_force"]
            rec["correlation_force_closure_error"] = closure - measured
            rec["correlation_force_closure_error_stderr"] = np.hypot(rec["correlation_force_closure_stderr"],
                                                                     rec["correlation_force_stderr"])
        spec = {**VARIABLES, **{f"{k}_stderr": _stderr_spec(k) for k in VARIABLES}}
        spec["correlation_force_closure"] = (("x_profile",), "epsilon sigma-2", "quasi-equilibrium "
                                             "closure C_qe(x) = int F(x - x') rho(x) rho(x') [g(|x - x'|) - "
                                             "(N-1)/N] dx' from the density profile and the g(r) of "
                                             "closure_reference")
        spec["correlation_force_closure_stderr"] = (
            ("x_profile",), "epsilon sigma-2", "standard error of: the quasi-equilibrium closure C_qe(x) "
            "(linear propagation of the s.e. of the reference g(r) and of the density profile)")
        spec["correlation_force_closure_error"] = (
            ("x_profile",), "epsilon sigma-2", "reduction error of the quasi-equilibrium closure: "
            "correlation_force_closure - correlation_force")
        spec["correlation_force_closure_error_stderr"] = (
            ("x_profile",), "epsilon sigma-2", "standard error of: the reduction error of the closure "
            "(the two standard errors in quadrature)")
        # the profile and covariance have their own grids: rename their dimensions
        rename = {**{name: {"x": "x_profile"} for name in _ON_PROFILE},
                  "velocity_covariance": {"r": "r_covariance"}}
        for base, mapping in rename.items():
            for name in (base, f"{base}_stderr"):
                dims, units, long_name = spec[name]
                spec[name] = (tuple(mapping.get(dim, dim) for dim in dims), units, long_name)
        R = replicas(self.cfg)
        attrs = {"replicas": R, "particles": self.cfg.system.particles, "pair_range": self.r_max,
                 "pair_bins": self.stats.pair_bins, "normalization": self.stats.normalization,
                 "average_from": self.stats.average_from,
                 "ensemble": f"{R} independent replicas; variables are means over replicas, "
                             "<name>_stderr their standard errors (jackknife for velocity_covariance, "
                             "pair_density_residual and the profile ratios)"}
        if self.potential is not None:
            attrs["blocks"] = (f"correlation_force and momentum_balance: {self.paired // 2} independent "
                               "blocks of two replicas (2m, 2m+1); the mean field from forces between "
                               "the two replicas of a block")
            if self.no_balance is not None:
                attrs["momentum_balance"] = self.no_balance
        ds = level_dataset(times, rec, level="statistics", config_toml=to_toml(self.cfg),
                           seed=self.cfg.system.seed, extra_vars=spec, attrs=attrs)
        if average is not None:  # stationary balance: the average over the saved times
            for base, values, dims in (("momentum_balance", average[0], ("term", "x_profile")),
                                       ("momentum_balance_components", average[1],
                                        ("term", "i", "x_profile"))):
                for name, value in zip((f"{base}_average", f"{base}_average_stderr"), values, strict=True):
                    what = "standard error of: " if name.endswith("stderr") else ""
                    ds[name] = (dims, value,
                                {"units": "epsilon sigma-2", "long_name": f"{what}{spec[base][2]}, "
                                 f"averaged over the saves at t >= {self.stats.average_from:g} (per block "
                                 "first: the s.e. includes correlation in time)"})
        units = {"r": "sigma", "x_profile": "sigma", "r_covariance": "sigma", "x": "sigma", "y": "sigma",
                 "v": "(epsilon/m)^1/2", "x1": "sigma", "x2": "sigma"}
        names = {"r": "pair separation |r| (bin centre)", "x_profile": "coordinate along the first "
                 "lattice vector (bin centre)", "r_covariance": "pair separation |r| of the velocity "
                 "covariance (bin centre)", "x": "flow-plane separation x (bin centre)",
                 "y": "flow-plane separation y (bin centre)", "v": "velocity component (bin centre)",
                 "x1": "coordinate x1 along the first lattice vector (bin centre of rho_2)",
                 "x2": "coordinate x2 along the first lattice vector (bin centre of rho_2)"}
        ds = ds.assign_coords({k: (k, np.asarray(v), {"units": units[k], "long_name": names[k]})
                               for k, v in coords.items()})
        if "pair_correlation_harmonic" in ds:
            ds = ds.assign_coords(l=("l", np.array([0, 2]), {"units": "1", "long_name": "angular order l"}),
                                  part=("part", np.array([0, 1]),
                                        {"units": "1", "long_name": "0: cos l phi, 1: sin l phi"}))
        if "momentum_balance" in ds:
            ds = ds.assign_coords(term=("term", np.array(balance.TERMS), {"long_name": "term of the "
                                  "momentum balance (docs/statistics.md)"}))
        write_atomic(ds, Path(out) / "statistics.nc")
        return ds


def observer(cfg: Config) -> StatisticsObserver:
    """The observer the runner hands to the particle level when ``[levels.statistics]`` is set."""
    return StatisticsObserver(cfg)


__all__ = ["VARIABLES", "StatisticsObserver", "check", "observer", "pair_range", "range_bound"]
