"""The output of the 1/N study (:mod:`bbgky.scenarios.n_study`): the dataset
``statistics_n_study.nc`` with the fitted slopes, its plot, and its report section."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import xarray as xr

from ..config import Config, to_toml
from ..statistics.mean_field import bootstrap_slope_stderr, first_order_limit, fit_power_law

FILE = "statistics_n_study.nc"
PLOT = "statistics_n_study.png"
#: the expected slope of both distances (tutorial: ‖f_{N,j} − f^{⊗j}‖ ≲ e^{Ct}/N).
EXPECTED_SLOPE = -1.0
#: rounds of the replica rule after the first batch.
ROUNDS = 4
#: bootstrap resamples of the replicas for the slopes' standard error with the max-selection noise.
BOOTSTRAP_RESAMPLES = 200


def box_side(cfg: Config) -> float:
    """ℓ = (N₀/ρ₀)^{1/d}: the configured system's box, kept for every N of the study."""
    return (cfg.system.particles / cfg.system.density) ** (1.0 / cfg.system.dimension)


def dataset(cfg: Config, ns, merged: list[dict], dist: dict, ref: dict) -> xr.Dataset:
    """``statistics_n_study.nc`` of a study: ``merged[i]`` the per-replica summaries at ``ns[i]``
    (:func:`bbgky.scenarios.n_study.ensemble_batch`, all batches), ``dist[n]`` their distances
    (:func:`~bbgky.statistics.mean_field.coupled_distances`), ``ref`` the Vlasov reference
    (:func:`bbgky.scenarios.n_study.vlasov_reference`); the slopes fitted at every save."""
    times, proj, names = ref["time"], ref["projection"], ref["names"]
    K, T, F = len(ns), len(times), len(names)
    D = np.stack([dist[n][:, 0] for n in ns])  # [K, 2, T]
    S = np.stack([dist[n][:, 1] for n in ns])
    reps = np.array([b["means"].shape[0] for b in merged])
    scaled, scaled_se = np.zeros((K, F, T)), np.zeros((K, F, T))
    check_z = np.zeros(K)  # the coupled characteristics against the grid: E φ(Z_MF) − ⟨φ, f⟩
    for i, (n, b) in enumerate(zip(ns, merged, strict=True)):
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
    boot_se = bootstrap_slope_stderr(ns, merged, S, BOOTSTRAP_RESAMPLES, seed=int(cfg.system.seed))
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
            "slope_stderr": (("order", "time"), slope_se, {"units": "1", "long_name": "standard error of "
                             "slope from the jackknife errors of the points (the choice of the maximising "
                             "phi not included)"}),
            "slope_bootstrap_stderr": (("order", "time"), boot_se, {
                "units": "1", "long_name": f"standard error of slope by {BOOTSTRAP_RESAMPLES} bootstrap "
                "resamples of the replicas within each N (max over phi and fit recomputed; fit weights "
                "and replicas per N fixed)"}),
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
        "slope_one_marginal_bootstrap_stderr": float(boot_se[0, -1]),
        "slope_pair_bootstrap_stderr": float(boot_se[1, -1]),
        "bootstrap_resamples": BOOTSTRAP_RESAMPLES,
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
        *_bootstrap_line(ds),
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


def _bootstrap_line(ds: xr.Dataset) -> list[str]:
    if "slope_one_marginal_bootstrap_stderr" not in ds.attrs:  # files written before the bootstrap
        return []
    return [f"Slope errors with the choice of the maximising φ included (bootstrap over replicas, "
            f"{int(ds.attrs['bootstrap_resamples'])} resamples, R per N fixed): D₁ ± "
            f"{ds.attrs['slope_one_marginal_bootstrap_stderr']:.3f}, D₂ ± "
            f"{ds.attrs['slope_pair_bootstrap_stderr']:.3f}."]


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


__all__ = ["BOOTSTRAP_RESAMPLES", "EXPECTED_SLOPE", "FILE", "PLOT", "ROUNDS", "box_side", "dataset", "plot",
           "section", "summary"]
