r"""The 1/N study: distances of the N-particle marginals to the Vlasov solution against N.

Promislow tutorial, "Rigorous Mean Field Limit" (after Golse's lecture notes, Thm 1.6.3): for
tensor-product data $f_N(0) = f_0^{\otimes N}$ and a smooth pair force in mean-field scaling,
$\lVert f_{N,j}(t) - f(t)^{\otimes j}\rVert_* \lesssim e^{Ct}/N$, f the Vlasov solution from $f_0$;
and "Corrections to Mean Field limit" (Duerinckx): $f_{N,1} = f + h_1/N + O(N^{-2})$, so
$N(\langle\phi, f_{N,1}\rangle - \langle\phi, f\rangle)$ tends to the first-order (Bogolyubov)
correction $\langle\phi, h_1\rangle$.

``[levels.statistics] n_study = [N…]`` measures, at every save time, over the stated test family
Φ = {1, cos k_m x, sin k_m x} × v^p (:func:`bbgky.statistics.mean_field.smooth_family`):

* $D_1 = \max_\phi |\langle\phi, f_{N,1}\rangle - \langle\phi, f\rangle|$, f the Vlasov **grid**
  solution of the same system (:mod:`bbgky.kinetic.vlasov`);
* $D_2 = \max_{\phi,\psi} |\langle\phi\otimes\psi, f_{N,2} - f_{N,1}^{\otimes 2}\rangle|$;

and fits both against N (weighted log–log; expected slope −1).

**The same system at every N.** The box is that of the configured system, ℓ = (N₀/ρ₀)^{1/d}
(N₀ = ``system.particles``), and stays fixed: run N has density N/ℓ^d. The pair potential is U/N
(``interaction.scaling = "mean_field"``, James–Qi–Wang (OMD kinetic paper) eq. 14), so the force
on a particle, $\frac1N\sum_{j\ne i}F(x_i - x_j)$, tends to $\int F(x - y)\rho_1(y)\,dy$ with
$\rho_1$ the one-particle probability density: the Vlasov reference has mean number density
$n_0 = 1/\ell^d$, the same ε, σ, θ₀ and $f_0 = n_0(1 + α\cos kx_1)M_{θ_0}(v)$ (the particle level's
product profile, along the first axis in 2D too; the Maxwellian of the Vlasov level's law). The
particle level takes minimum images with a cut-off at ℓ/2, the Vlasov level all periodic images:
:func:`check` requires the potential to be below 1e-8 ε there.

**Replicas per N (the stated rule).** Each N starts with one batch of ``n_study_replicas``
replicas; while the standard error of either distance at the fit time (the last save) exceeds a
fifth of the distance, the batch count grows to the R that s.e. ∝ R^{-1/2} predicts,
R ← ⌈1.1 R (5 s.e./D)²⌉ (rounded up to whole batches, at most ``n_study_max_replicas``; at most
four rounds). Whether the rule was met is stored per N (``stderr_rule_met``).

Writes ``statistics_n_study.nc`` and ``statistics_n_study.png``. 1D1V or 2D2V: in 2D the Vlasov
grid is ``n_study_grid`` = [N_x, N_v] on each axis, and the test family takes v₁^p v₂^q.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from ..config import Config, memory_problem
from ..config import validate as validate_schema
from ..errors import ConfigError, NumericalFailure
from ..output import write_atomic
from ..statistics.mean_field import coupled_distances, replica_summaries, replicas_needed, smooth_family
from .n_study_output import EXPECTED_SLOPE, FILE, PLOT, ROUNDS, box_side, dataset, plot, section, summary

#: |U(ℓ/2)|/ε at most this: minimum image (particles) and all images (Vlasov) then agree.
IMAGE_TOLERANCE = 1e-8


def _profile(cfg: Config) -> tuple[float, float]:
    prof = cfg.initial.profile
    if prof is None or prof.amplitude == 0:
        return 0.0, 2 * math.pi / box_side(cfg)
    return float(prof.amplitude), float(prof.wavenumber)


def particle_config(cfg: Config, n: int, replicas: int) -> Config:
    """The particle level of the study at N: density N/ℓ^d in the configured box, R replicas."""
    data = cfg.model_dump(exclude_none=True)
    ell, d = box_side(cfg), cfg.system.dimension
    data["system"].update(particles=int(n), density=n / ell**d)
    data["ensemble"] = {"replicas": int(replicas)}
    data["levels"] = {"particles": data["levels"]["particles"]}
    data.pop("output", None)
    return validate_schema(data)


def vlasov_config(cfg: Config) -> Config:
    """The Vlasov reference: mean density 1/ℓ^d, f₀ = n₀(1 + α cos kx)M_θ₀, the n_study grid."""
    s = cfg.levels.statistics
    data = cfg.model_dump(exclude_none=True)
    ell, d = box_side(cfg), cfg.system.dimension
    alpha, k = _profile(cfg)
    data["system"].update(density=1.0 / ell**d)
    data["initial"] = {"kind": "landau", "amplitude": alpha, "wavenumber": k}
    grid = [s.n_study_grid[0]] * d + [s.n_study_grid[1]] * d
    data["levels"] = {"vlasov": {"grid": grid, "velocity_max": s.n_study_velocity_max,
                                 "box_length": ell, "snapshot_points": 0}}
    data.pop("output", None)
    data.pop("ensemble", None)
    return validate_schema(data)


def check(cfg: Config) -> None:
    """Every problem of ``levels.statistics.n_study``, raised at once as a ConfigError."""
    s = cfg.levels.statistics
    if s is None or s.n_study is None:
        return
    key = "levels.statistics.n_study"
    out: list[tuple[str, str]] = []
    ns = list(s.n_study)
    if len(ns) < 3 or any(b <= a for a, b in itertools.pairwise(ns)):
        out.append((key, f"needs at least 3 strictly increasing values of N to fit a slope, got {ns}"))
    if cfg.system.dimension not in (1, 2):
        out.append(("system.dimension", "the n_study's Vlasov reference runs in 1D1V or 2D2V; allowed: 1, 2"))
    if cfg.interaction.scaling != "mean_field":
        out.append(("interaction.scaling", "the 1/N law is the mean-field limit: allowed 'mean_field'"))
    if cfg.interaction.potential != "gaussian":
        out.append(("interaction.potential", "the n_study needs product data (no repulsive core) and a "
                    "mean-field limit at the Vlasov level: allowed 'gaussian'"))
    if cfg.initial.kind != "product":
        out.append(("initial.kind", "the 1/N law holds for tensor-product data f0^{⊗N}: allowed 'product'"))
    if cfg.flow is not None:
        out.append(("flow", "the n_study's Vlasov reference is the inhomogeneous grid solver, which runs "
                    "without a [flow]: remove the [flow] table"))
    if s.n_study_max_replicas < s.n_study_replicas:
        out.append(("levels.statistics.n_study_max_replicas", f"{s.n_study_max_replicas} is below "
                    f"n_study_replicas = {s.n_study_replicas}; allowed: ≥ {s.n_study_replicas}"))
    if out:
        raise ConfigError(out)
    ell, sig = box_side(cfg), cfg.interaction.sigma
    if math.exp(-((ell / (2 * sig)) ** 2)) > IMAGE_TOLERANCE:
        need = 2 * sig * math.sqrt(-math.log(IMAGE_TOLERANCE))
        out.append(("system.density", f"the box ℓ = N/ρ0 = {ell:.4g} is too small: the Gaussian core at "
                    f"ℓ/2 is {math.exp(-((ell / (2 * sig)) ** 2)):.2g} ε (minimum image vs all images); "
                    f"allowed: ℓ ≥ {need:.4g} (system.particles / system.density)"))
    try:
        vcfg = vlasov_config(cfg)
    except ConfigError as exc:
        raise ConfigError(out + [(key, f"its Vlasov reference is not valid: {k}: {m}")
                                 for k, m in exc.problems]) from None
    from ..kinetic.vlasov.setup import check as vlasov_problems

    out += [(key if k.startswith("levels.vlasov") else k, f"its Vlasov reference: {m}")
            for k, m in vlasov_problems(vcfg)]
    n_max = max(ns)
    # the all-pairs step of one batch: ~6 arrays of R·N²·d floats
    out += memory_problem("levels.statistics.n_study_replicas",
                          6.0 * s.n_study_replicas * n_max**2 * 8, "one batch of the n_study")
    if out:
        raise ConfigError(out)


def _family(cfg: Config, x, v):
    """The test family at positions and velocities ``[..., d]`` (x₁ the profile axis)."""
    s = cfg.levels.statistics
    v2 = v[..., 1] if cfg.system.dimension == 2 else None
    return smooth_family(x[..., 0], v[..., 0], box_side(cfg), s.n_study_modes, s.n_study_velocity_order, v2)


def _initial_law(cfg: Config, law, grid) -> np.ndarray:
    """f₀ = n₀(1 + α cos kx₁)M_θ₀(v) on the grid: the particle level's product law (its profile along
    the first axis only, where the Vlasov level's 2D ``landau`` law perturbs both)."""
    alpha, k = _profile(cfg)
    xs, vs = grid.phase_mesh()
    return law.density * (1.0 + alpha * np.cos(k * xs[0])) * law.velocity(vs)


def vlasov_reference(cfg: Config) -> dict[str, np.ndarray]:
    """⟨φ, f(t)⟩ for the family at every save of the Vlasov grid solution (f normalised to a
    probability), with how far f(t) is from f₀: ``change`` = max_φ |⟨φ, f(t)⟩ − ⟨φ, f₀⟩| and
    ``l1_change`` = ∫|f(t) − f₀| / ∫f₀; and ``field`` [steps + 1, modes]: the Fourier coefficients
    of its mean-field acceleration a = −∇(U * n) at every step (the force of the characteristics,
    :func:`~bbgky.kinetic.vlasov.characteristics.characteristics`, on the axis ``wavenumbers``), from
    the level's own :func:`~bbgky.kinetic.vlasov.kernels.mean_field_acceleration`."""
    from ..driver import save_schedule
    from ..kinetic.vlasov.characteristics import field_modes
    from ..kinetic.vlasov.kernels import mean_field_acceleration, spectral_operators
    from ..kinetic.vlasov.steppers import GridStepper

    vcfg = vlasov_config(cfg)
    stepper = GridStepper(vcfg)
    grid = stepper.setup.grid
    uk, kd, _ = spectral_operators(stepper.setup.kernel, grid.n_x, grid.lengths)
    d = grid.dimension
    xs, vs = grid.phase_mesh()
    phi, names = _family(cfg, np.stack(np.broadcast_arrays(*xs), -1), np.stack(np.broadcast_arrays(*vs), -1))
    phi = phi.reshape(-1, phi.shape[-1])
    per, saves = save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    state = stepper.initial(_initial_law(cfg, stepper.setup.law, grid))
    times, proj, l1, field = [], [], [], []
    f0 = None
    for step in range(saves * per + 1):
        if step:
            state = stepper.advance(state, 1)
        f = np.asarray(state.data.f)
        density = f.sum(axis=tuple(range(d, 2 * d))) * math.prod(grid.dv)
        field.append(field_modes(mean_field_acceleration(density, uk, kd)))
        if step % per:
            continue
        if not np.all(np.isfinite(f)):
            raise NumericalFailure("the n_study's Vlasov reference is not finite", step=step,
                                   time=float(state.time))
        f0 = f if f0 is None else f0
        proj.append(f.reshape(-1) @ phi / f.sum())
        l1.append(np.abs(f - f0).sum() / f0.sum())
        times.append(float(state.time))
    proj = np.asarray(proj)
    wavenumbers = [2 * np.pi * np.fft.fftfreq(n, d=L / n)
                   for n, L in zip(grid.n_x, grid.lengths, strict=True)]
    return {"time": np.asarray(times), "projection": proj, "names": np.asarray(names),
            "change": np.abs(proj - proj[0]).max(axis=1), "l1_change": np.asarray(l1),
            "field": np.asarray(field), "wavenumbers": wavenumbers, "box": grid.lengths[0]}


def ensemble_batch(cfg: Config, n: int, first: int, count: int, ref: dict) -> dict[str, np.ndarray]:
    """Replicas ``first … first+count−1`` at N (replica r: key fold_in(replica_key(seed, r), N)),
    run by the particle level (JAX backend, all pairs), each particle coupled to the mean-field
    characteristic from its own initial state (Sznitman's coupling,
    :func:`~bbgky.kinetic.vlasov.characteristics.characteristics`): per-replica summaries
    (:func:`replica_summaries`) at every save, ``means``/``pairs`` of the particles and
    ``mf_means``/``mf_pairs`` of their characteristics ([count, T, F] and [count, T, F, F])."""
    import jax

    from ..driver import save_schedule
    from ..kinetic.vlasov.characteristics import characteristics
    from ..particles import frames
    from ..particles.level import initial_state
    from ..particles.state import replica_key

    pcfg = particle_config(cfg, n, count)
    keys = [jax.random.fold_in(replica_key(cfg.system.seed, r), n) for r in range(first, first + count)]
    state, sim = initial_state(pcfg, "jax", keys=keys)
    per, saves = save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    out: dict[str, list] = {"means": [], "pairs": [], "mf_means": [], "mf_pairs": []}

    def put(prefix, x, v):
        m, p = replica_summaries(_family(cfg, x, v)[0])
        out[f"{prefix}means"].append(m)
        out[f"{prefix}pairs"].append(p)

    mf = []
    for k in range(saves + 1):
        if k:
            state = sim.advance(state, per)
        fr = frames.make_frame(sim.system, state)
        x, v = np.asarray(fr.position), np.asarray(fr.peculiar_velocity)
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
            raise NumericalFailure(f"the n_study ensemble at N = {n} is not finite", step=k * per,
                                   time=fr.time)
        if k == 0:
            mf = characteristics(ref["field"], ref["wavenumbers"], x, v, cfg.time.step, saves * per, per)
        put("", x, v)
        put("mf_", *mf[k])
    return {key: np.stack(val, axis=1) for key, val in out.items()}


def study(cfg: Config, progress: Callable[[str], None] | None = None) -> xr.Dataset:
    """The whole study (module doc) as a dataset (see :func:`run` for the file)."""
    s = cfg.levels.statistics
    say = progress or (lambda msg: None)
    ref = vlasov_reference(cfg)
    say(f"Vlasov reference: max change of ⟨φ, f⟩ = {ref['change'][-1]:.3g}")
    ns = [int(n) for n in s.n_study]
    B, cap = s.n_study_replicas, s.n_study_max_replicas
    data: dict[int, list] = {}
    dist: dict[int, np.ndarray] = {}
    for n in ns:
        data[n] = [ensemble_batch(cfg, n, 0, B, ref)]
    for round_ in range(ROUNDS + 1):
        grew = False
        for n in ns:
            dist[n] = coupled_distances(**_merged(data[n]))
            R = sum(b["means"].shape[0] for b in data[n])
            say(f"N = {n}: R = {R}, D1 = {dist[n][0, 0, -1]:.3g} ± {dist[n][0, 1, -1]:.2g}, "
                f"D2 = {dist[n][1, 0, -1]:.3g} ± {dist[n][1, 1, -1]:.2g}")
            target = replicas_needed(R, dist[n][:, 0, -1], dist[n][:, 1, -1], B, cap)
            if round_ < ROUNDS and target > R:
                for first in range(R, target, B):
                    data[n].append(ensemble_batch(cfg, n, first, min(B, target - first), ref))
                grew = True
        if not grew:
            break
    return dataset(cfg, ns, [_merged(data[n]) for n in ns], dist, ref)


def _merged(batches: list[dict]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def run(cfg: Config, out: str | Path, progress: Callable[[str], None] | None = None) -> xr.Dataset:
    """Run the study of ``cfg``; write ``out/statistics_n_study.nc`` and its plot."""
    out = Path(out)
    ds = study(cfg, progress)
    write_atomic(ds, out / FILE)
    plot(ds, out / PLOT)
    return ds


__all__ = ["EXPECTED_SLOPE", "FILE", "PLOT", "box_side", "check", "ensemble_batch", "particle_config",
           "plot", "replicas_needed", "run", "section", "study", "summary", "vlasov_config",
           "vlasov_reference"]
