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
$n_0 = 1/\ell^d$, the same ε, σ, θ₀ and $f_0 = n_0(1 + α\cos kx)M_{θ_0}(v)$ (``landau`` law of the
Vlasov level). The particle level takes minimum images with a cut-off at ℓ/2, the Vlasov level all
periodic images: :func:`check` requires the potential to be below 1e-8 ε there.

**Replicas per N (the stated rule).** Each N starts with one batch of ``n_study_replicas``
replicas; while the standard error of either distance at the fit time (the last save) exceeds a
fifth of the distance, the batch count grows to the R that s.e. ∝ R^{-1/2} predicts,
R ← ⌈1.1 R (5 s.e./D)²⌉ (rounded up to whole batches, at most ``n_study_max_replicas``; at most
four rounds). Whether the rule was met is stored per N (``stderr_rule_met``).

Writes ``statistics_n_study.nc`` and ``statistics_n_study.png``. 1D only: the Vlasov level's laws
match the product profile ρ₀(1 + α cos kx) with a Maxwellian in 1D1V only (its 2D ``landau`` law
perturbs both axes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from ..config import Config, memory_problem, to_toml
from ..config import validate as validate_schema
from ..errors import ConfigError, NumericalFailure
from ..output import write_atomic
from ..statistics.mean_field import (
    first_order_limit,
    fit_power_law,
    one_marginal_distance_of_means,
    pair_distance_of_summaries,
    replica_summaries,
    smooth_family,
)

FILE = "statistics_n_study.nc"
PLOT = "statistics_n_study.png"
#: the expected slope of both distances (tutorial: ‖f_{N,j} − f^{⊗j}‖ ≲ e^{Ct}/N).
EXPECTED_SLOPE = -1.0
#: rounds of the replica rule after the first batch.
ROUNDS = 4
#: |U(ℓ/2)|/ε at most this: minimum image (particles) and all images (Vlasov) then agree.
IMAGE_TOLERANCE = 1e-8


def box_side(cfg: Config) -> float:
    """ℓ = (N₀/ρ₀)^{1/d}: the configured system's box, kept for every N of the study."""
    return (cfg.system.particles / cfg.system.density) ** (1.0 / cfg.system.dimension)


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
    data["levels"] = {"vlasov": {"grid": list(s.n_study_grid), "velocity_max": s.n_study_velocity_max,
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
    if cfg.system.dimension != 1:
        out.append(("system.dimension", "the n_study's Vlasov reference matches the product profile "
                    "ρ0(1 + α cos kx) with a Maxwellian in 1D1V only; allowed: 1"))
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
    s = cfg.levels.statistics
    return smooth_family(x, v, box_side(cfg), s.n_study_modes, s.n_study_velocity_order)


def vlasov_reference(cfg: Config) -> dict[str, np.ndarray]:
    """⟨φ, f(t)⟩ for the family at every save of the Vlasov grid solution (f normalised to a
    probability), with how far f(t) is from f₀: ``change`` = max_φ |⟨φ, f(t)⟩ − ⟨φ, f₀⟩| and
    ``l1_change`` = ∫|f(t) − f₀| / ∫f₀; and ``field`` [steps + 1, modes]: the Fourier coefficients
    of its mean-field acceleration a = −∂ₓ(U * n) at every step (the force of the characteristics,
    :func:`characteristics`), from the level's own
    :func:`~bbgky.kinetic.vlasov.kernels.mean_field_acceleration`."""
    from ..driver import save_schedule
    from ..kinetic.vlasov.kernels import mean_field_acceleration, spectral_operators
    from ..kinetic.vlasov.steppers import GridStepper

    vcfg = vlasov_config(cfg)
    stepper = GridStepper(vcfg)
    grid = stepper.setup.grid
    uk, kd, _ = spectral_operators(stepper.setup.kernel, grid.n_x, grid.lengths)
    X, V = np.meshgrid(grid.x(0), grid.v(0), indexing="ij")
    phi, names = _family(cfg, X, V)
    per, saves = save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    state = stepper.initial()
    times, proj, l1, field = [], [], [], []
    f0 = None
    for step in range(saves * per + 1):
        if step:
            state = stepper.advance(state, 1)
        f = np.asarray(state.data.f)
        density = f.sum(axis=1) * grid.dv[0]
        field.append(np.fft.rfft(np.asarray(mean_field_acceleration(density, uk, kd)[0])) / grid.n_x[0])
        if step % per:
            continue
        if not np.all(np.isfinite(f)):
            raise NumericalFailure("the n_study's Vlasov reference is not finite", step=step,
                                   time=float(state.time))
        f0 = f if f0 is None else f0
        proj.append(np.einsum("xvf,xv->f", phi, f) / f.sum())
        l1.append(np.abs(f - f0).sum() / f0.sum())
        times.append(float(state.time))
    proj = np.asarray(proj)
    field = np.asarray(field)
    keep = np.abs(field).max(axis=0) > 1e-15 * np.abs(field).max()  # the Gaussian kernel's tail
    modes = int(np.nonzero(keep)[0].max()) + 1 if keep.any() else 1
    return {"time": np.asarray(times), "projection": proj, "names": np.asarray(names),
            "change": np.abs(proj - proj[0]).max(axis=1), "l1_change": np.asarray(l1),
            "field": field[:, :modes], "box": grid.lengths[0]}


def _acceleration(modes: np.ndarray, x: np.ndarray, box: float) -> np.ndarray:
    """a(x) = Re Σ_m c_m e^{i k_m x}, k_m = 2πm/ℓ, from the rfft coefficients (c_m, m ≥ 1, twice)."""
    k = 2 * np.pi * np.arange(len(modes)) / box
    weight = np.where(np.arange(len(modes)) == 0, 1.0, 2.0) * modes
    return np.real(np.exp(1j * x[..., None] * k) @ weight)


def characteristics(field: np.ndarray, box: float, x, v, dt: float, steps: int, every: int = 1):
    """Advance the mean-field characteristics ẋ = v, v̇ = a(t, x) of the Vlasov solution (its
    acceleration modes ``field`` at every step) by velocity Verlet, the particle level's scheme and
    step: started from the particles' own initial states, these are the coupled mean-field
    particles (Sznitman's coupling), i.i.d. with law f(t). Returns ``[(x, v)]`` at t = 0 and after
    every ``every`` steps."""
    x, v = np.array(x, dtype=float), np.array(v, dtype=float)
    a = _acceleration(field[0], x, box)
    out = [(x.copy(), v.copy())]
    for n in range(1, steps + 1):
        v = v + 0.5 * dt * a
        x = x + dt * v
        a = _acceleration(field[n], x, box)
        v = v + 0.5 * dt * a
        if n % every == 0:
            out.append((x.copy(), v.copy()))
    return out


def ensemble_batch(cfg: Config, n: int, first: int, count: int, ref: dict) -> dict[str, np.ndarray]:
    """Replicas ``first … first+count−1`` at N (replica r: key fold_in(replica_key(seed, r), N)),
    run by the particle level (JAX backend, all pairs), each particle coupled to the mean-field
    characteristic from its own initial state (:func:`characteristics`): per-replica summaries
    (:func:`replica_summaries`) at every save, ``means``/``pairs`` of the particles and
    ``mf_means``/``mf_pairs`` of their characteristics ([count, T, F] and [count, T, F, F])."""
    import jax

    from ..driver import save_schedule
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
        x, v = fr.position[..., 0], fr.peculiar_velocity[..., 0]
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(v))):
            raise NumericalFailure(f"the n_study ensemble at N = {n} is not finite", step=k * per,
                                   time=fr.time)
        if k == 0:
            mf = characteristics(ref["field"], ref["box"], x, v, cfg.time.step, saves * per, per)
        put("", x, v)
        put("mf_", *mf[k])
    return {key: np.stack(val, axis=1) for key, val in out.items()}


def _distances(b: dict[str, np.ndarray]) -> np.ndarray:
    """``[2, 2, T]``: (D₁, D₂) × (value, s.e.) at every time, each with the coupled mean-field
    particles as control variate (their expectations are known exactly: ⟨φ, f(t)⟩ and a pair
    residual of 0, since they are i.i.d.):
    D₁ = max_φ |E[m_N − m_MF]|, D₂ = max |E[P_N − P_MF] − (E m_N E m_Nᵀ − E m_MF E m_MFᵀ)|."""
    T = b["means"].shape[1]
    out = np.zeros((2, 2, T))
    for t in range(T):
        out[0, :, t] = one_marginal_distance_of_means(b["means"][:, t] - b["mf_means"][:, t], 0.0)
        out[1, :, t] = pair_distance_of_summaries(b["means"][:, t], b["pairs"][:, t],
                                                  b["mf_means"][:, t], b["mf_pairs"][:, t])
    return out


def replicas_needed(R: int, distance: np.ndarray, stderr: np.ndarray, batch: int, cap: int) -> int:
    """The rule of the module doc: R ← ⌈1.1 R max_j(5 s.e._j/D_j)²⌉ in whole batches, ≤ cap; R when
    every s.e. is already below D/5."""
    q = float(np.max(5 * np.asarray(stderr) / np.maximum(np.asarray(distance), 1e-300)))
    if q <= 1:
        return R
    want = math.ceil(1.1 * R * q * q)
    return min(cap, max(R + batch, batch * math.ceil(want / batch)))


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
            dist[n] = _distances(_merged(data[n]))
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
    return _dataset(cfg, ns, data, dist, ref)


def _merged(batches: list[dict]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


def _dataset(cfg: Config, ns, data, dist, ref) -> xr.Dataset:
    times, proj, names = ref["time"], ref["projection"], ref["names"]
    K, T, F = len(ns), len(times), len(names)
    D = np.stack([dist[n][:, 0] for n in ns])  # [K, 2, T]
    S = np.stack([dist[n][:, 1] for n in ns])
    reps = np.array([sum(b["means"].shape[0] for b in data[n]) for n in ns])
    scaled, scaled_se = np.zeros((K, F, T)), np.zeros((K, F, T))
    check_z = np.zeros(K)  # the coupled characteristics against the grid: E φ(Z_MF) − ⟨φ, f⟩
    for i, n in enumerate(ns):
        b = _merged(data[n])
        R = b["means"].shape[0]
        diff = b["means"] - b["mf_means"]  # [R, T, F]
        scaled[i] = (n * diff.mean(axis=0)).T
        scaled_se[i] = (n * diff.std(axis=0, ddof=1) / math.sqrt(R)).T
        se = b["mf_means"][:, 1:].std(axis=0, ddof=1) / math.sqrt(R)
        check_z[i] = np.max(np.abs(b["mf_means"][:, 1:].mean(axis=0) - proj[1:]) / se)
    slope, slope_se = np.full((2, T), np.nan), np.full((2, T), np.nan)
    for j in range(2):
        for t in range(1, T):
            if np.all(D[:, j, t] > 0) and np.all(S[:, j, t] > 0):
                fit = fit_power_law(ns, D[:, j, t], S[:, j, t])
                slope[j, t], slope_se[j, t] = fit.slope, fit.slope_stderr
    limit = np.array([first_order_limit(ns, scaled[:, f, -1], scaled_se[:, f, -1]) for f in range(F)])
    met = np.all(5 * S[:, :, -1] <= D[:, :, -1], axis=1)
    unit_note = "reduced units (ε = m = σ = 1): test functions τ(x)·v^p carry (ε/m)^(p/2)"
    ds = xr.Dataset(
        {
            "marginal_distance": (("n", "order", "time"), D, {
                "units": "1", "long_name": "order 1: max_phi |<phi, f_N1> - <phi, f>|; order 2: "
                "max_phi,psi |<phi x psi, f_N2 - f_N1 x f_N1>| (f: Vlasov grid solution); " + unit_note}),
            "marginal_distance_stderr": (("n", "order", "time"), S, {
                "units": "1", "long_name": "standard error (delete-one jackknife over replicas) of "
                "marginal_distance"}),
            "replicas": (("n",), reps, {"units": "1", "long_name": "independent replicas at this N"}),
            "stderr_rule_met": (("n",), met.astype(np.int8), {
                "units": "1", "long_name": "1 when both standard errors at the fit time are below a "
                "fifth of the distances"}),
            "scaled_one_marginal_deviation": (("n", "test_function", "time"), scaled, {
                "units": "1", "long_name": "N (<phi, f_N1> - <phi, f>): tends to the first-order "
                "(Bogolyubov) correction <phi, h1>; " + unit_note}),
            "scaled_one_marginal_deviation_stderr": (("n", "test_function", "time"), scaled_se, {
                "units": "1", "long_name": "standard error over replicas of scaled_one_marginal_deviation"}),
            "first_order_correction": (("test_function",), limit[:, 0], {
                "units": "1", "long_name": "N -> infinity limit of scaled_one_marginal_deviation at the fit "
                "time (weighted fit of c + b/N)"}),
            "first_order_correction_stderr": (("test_function",), limit[:, 1], {
                "units": "1", "long_name": "standard error of first_order_correction"}),
            "characteristics_check": (("n",), check_z, {
                "units": "1", "long_name": "max over phi and t > 0 of |mean phi(coupled mean-field "
                "particles) - <phi, f>_grid| / its standard error (independent check of the reference)"}),
            "vlasov_projection": (("time", "test_function"), proj, {
                "units": "1", "long_name": "<phi, f(t)> of the Vlasov grid solution (probability)"}),
            "vlasov_change": (("time",), ref["change"], {
                "units": "1", "long_name": "max_phi |<phi, f(t)> - <phi, f0>| of the Vlasov solution"}),
            "vlasov_l1_change": (("time",), ref["l1_change"], {
                "units": "1", "long_name": "int |f(t) - f0| / int f0 of the Vlasov solution"}),
            "slope": (("order", "time"), slope, {
                "units": "1", "long_name": "fitted slope of log marginal_distance against log N "
                "(weighted least squares; expected -1)"}),
            "slope_stderr": (("order", "time"), slope_se, {"units": "1",
                                                          "long_name": "standard error of slope"}),
        },
        coords={
            "n": ("n", np.asarray(ns), {"units": "1", "long_name": "particles N"}),
            "order": ("order", np.array([1, 2]), {"long_name": "marginal order j"}),
            "time": ("time", times, {"units": "sigma (m/epsilon)^1/2", "long_name": "time",
                                     "standard_name": "time"}),
            "test_function": ("test_function", names.astype(str), {"long_name": "test function phi"}),
        },
    )
    s = cfg.levels.statistics
    ell = box_side(cfg)
    ds.attrs.update({
        "title": "bbgky statistics level: the 1/N study", "Conventions": "CF-1.10",
        "configuration": to_toml(cfg), "seed": int(cfg.system.seed),
        "fit_time": float(times[-1]),
        "slope_one_marginal": float(slope[0, -1]), "slope_one_marginal_stderr": float(slope_se[0, -1]),
        "slope_pair": float(slope[1, -1]), "slope_pair_stderr": float(slope_se[1, -1]),
        "expected_slope": EXPECTED_SLOPE,
        "box_length": ell, "vlasov_density": 1.0 / ell ** cfg.system.dimension,
        "test_family": f"{{1, cos(k_m x), sin(k_m x)}} x v^p, k_m = 2 pi m / {ell:.6g}, m <= "
                       f"{s.n_study_modes}, p <= {s.n_study_velocity_order}, the constant left out",
        "replica_rule": f"batches of {s.n_study_replicas}; while 5 s.e. > D for either distance at the fit "
                        f"time, R <- ceil(1.1 R (5 s.e./D)^2) in whole batches, at most "
                        f"{s.n_study_max_replicas}, at most {ROUNDS} rounds",
        "vlasov_grid": f"[{s.n_study_grid[0]}, {s.n_study_grid[1]}], v_max = {s.n_study_velocity_max:g}",
    })
    return ds


def run(cfg: Config, out: str | Path, progress: Callable[[str], None] | None = None) -> xr.Dataset:
    """Run the study of ``cfg``; write ``out/statistics_n_study.nc`` and its plot."""
    out = Path(out)
    ds = study(cfg, progress)
    write_atomic(ds, out / FILE)
    plot(ds, out / PLOT)
    return ds


def _most_deviating(ds: xr.Dataset) -> int:
    """The test function with the largest |N Δ_φ| at the largest N and the fit time."""
    return int(np.argmax(np.abs(ds.scaled_one_marginal_deviation.values[-1, :, -1])))


def plot(ds: xr.Dataset, path: str | Path) -> Path:
    """Left: both distances at the fit time against N (log–log, ±1 s.e.) with the fitted lines and
    the expected slope −1; right: N(⟨φ, f_{N,1}⟩ − ⟨φ, f⟩) against N for the test function with
    the largest deviation, and its fitted N → ∞ limit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = ds.n.values.astype(float)
    t = float(ds.attrs["fit_time"])
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.5, 4.0))
    grid = np.geomspace(n[0], n[-1], 50)
    for j, (label, color) in enumerate((("D₁ (one marginal)", "C0"), ("D₂ (pair residual)", "C3"))):
        D = ds.marginal_distance.values[:, j, -1]
        S = ds.marginal_distance_stderr.values[:, j, -1]
        s, se = float(ds.slope.values[j, -1]), float(ds.slope_stderr.values[j, -1])
        ax.errorbar(n, D, yerr=S, fmt="o", color=color, capsize=3, label=f"{label}: slope {s:.3f} ± {se:.3f}")
        w = (D / S) ** 2
        a = np.sum(w * (np.log(D) - s * np.log(n))) / np.sum(w)  # the fit's intercept at its slope
        ax.plot(grid, np.exp(a) * grid**s, "-", color=color, lw=1)
        mid = np.exp(np.mean(np.log(D)) - EXPECTED_SLOPE * np.mean(np.log(n)))
        ax.plot(grid, mid * grid**EXPECTED_SLOPE, ":", color=color, lw=1.2,
                label="expected slope −1" if j == 0 else None)
    ax.set(xscale="log", yscale="log", xlabel="N  [particles]",
           ylabel="distance to the Vlasov solution  [reduced units]",
           title=f"marginal distances at t = {t:.3g} σ(m/ε)^½")
    ax.legend(fontsize=8)
    for a in (ax, bx):  # the studied N as plain tick labels
        a.set_xscale("log")
        a.set_xticks(n, [str(int(v)) for v in n])
        a.minorticks_off()
    f = _most_deviating(ds)
    name = str(ds.test_function.values[f])
    y = ds.scaled_one_marginal_deviation.values[:, f, -1]
    ye = ds.scaled_one_marginal_deviation_stderr.values[:, f, -1]
    c, ce = float(ds.first_order_correction.values[f]), float(ds.first_order_correction_stderr.values[f])
    bx.errorbar(n, y, yerr=ye, fmt="o", color="C2", capsize=3, label=f"φ = {name}")
    bx.axhline(c, color="k", lw=1, ls="--", label=f"N → ∞ fit: {c:.3f} ± {ce:.3f}")
    bx.axhspan(c - ce, c + ce, color="0.85")
    bx.set(xlabel="N  [particles]", ylabel="N (⟨φ, f_N,1⟩ − ⟨φ, f⟩)  [reduced units]",
           title="first-order (Bogolyubov) correction")
    bx.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def summary(ds: xr.Dataset) -> list[str]:
    """Report lines: both slopes with their errors, the fit time, how far f moved, R per N."""
    t = float(ds.attrs["fit_time"])
    f = _most_deviating(ds)
    reps = ", ".join(f"{int(n)}: {int(r)}" for n, r in zip(ds.n.values, ds.replicas.values, strict=True))
    lines = [
        f"1/N law at t = {t:.3g}: D₁ ∝ N^({ds.attrs['slope_one_marginal']:.3f} ± "
        f"{ds.attrs['slope_one_marginal_stderr']:.3f}), D₂ ∝ N^({ds.attrs['slope_pair']:.3f} ± "
        f"{ds.attrs['slope_pair_stderr']:.3f}); expected −1 (Promislow tutorial, Golse).",
        "The Vlasov solution has moved from f₀ by max_φ |⟨φ, f(t) − f₀⟩| = "
        f"{float(ds.vlasov_change[-1]):.3g} "
        f"and ∫|f(t) − f₀|/∫f₀ = {float(ds.vlasov_l1_change[-1]):.3g}.",
        f"First-order correction N(⟨φ, f_N,1⟩ − ⟨φ, f⟩) → {float(ds.first_order_correction[f]):.4g} ± "
        f"{float(ds.first_order_correction_stderr[f]):.2g} for φ = {ds.test_function.values[f]}.",
        f"Replicas per N ({ds.attrs['replica_rule']}): {reps}.",
    ]
    if "characteristics_check" in ds:
        lines.append("Reference check: the coupled mean-field particles reproduce the grid solution's "
                     f"⟨φ, f(t)⟩ within {float(ds.characteristics_check.max()):.2f} standard errors "
                     "(max over φ, t and N).")
    if not bool(np.all(ds.stderr_rule_met.values)):
        bad = [int(n) for n, ok in zip(ds.n.values, ds.stderr_rule_met.values, strict=True) if not ok]
        lines.append(f"Warning: at N = {bad} a standard error is above a fifth of its distance "
                     "(n_study_max_replicas reached).")
    return lines


def section(out: Path):
    """The report section of ``out/statistics_n_study.nc`` (None when the file is absent)."""
    path = Path(out) / FILE
    if not path.exists():
        return None
    from .sections import Section

    with xr.open_dataset(path) as ds:
        ds = ds.load()
    if not (Path(out) / PLOT).exists():
        plot(ds, Path(out) / PLOT)
    return Section("The 1/N law (statistics level)", summary(ds), images=[PLOT])


__all__ = ["FILE", "PLOT", "box_side", "check", "ensemble_batch", "particle_config", "plot",
           "replicas_needed", "run", "section", "study", "summary", "vlasov_config", "vlasov_reference"]
