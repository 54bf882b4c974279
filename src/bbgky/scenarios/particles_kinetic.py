r"""The particle ↔ kinetic section of the report: the Boltzmann–Grad reduction, measured.

When a run has both the particle level and the DSMC Boltzmann level (the same system, e.g. WCA
under ``scaling = "boltzmann_grad"`` with ``kernel = "from_potential"``), the section compares, at
a few save times: θ(t), the pressure tensor, the speed moments ⟨|w|^k⟩ (k = 2, 4, 6, 8) with their
relative differences and DSMC standard errors, and the Wasserstein-1 distance between the
particle and DSMC peculiar-velocity laws (exact discrete OT on the saved samples,
:func:`bbgky.statistics.distances.w1_samples`) next to its **sampling floor**: W1 between two
independent DSMC replicas of the same size. A particle ↔ DSMC W1 at the floor means the
velocity laws agree within what m samples can resolve.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..statistics.distances import w1_samples
from .sections import TIME_LABEL, Section, fmt, pm

#: save times compared (evenly spread, first and last included)
TIMES = 6


def _particle_count(ds: xr.Dataset) -> int | None:
    """N from the configuration stored in the file (the saved velocity sample may be smaller)."""
    import tomllib

    try:
        return int(tomllib.loads(ds.attrs["configuration"])["system"]["particles"])
    except (KeyError, ValueError, TypeError):
        return ds.sizes.get("particle")


def compare(particles: xr.Dataset, kinetic: xr.Dataset, times: int = TIMES) -> dict[str, np.ndarray]:
    """Arrays over the compared save times: ``time``, θ, P, speed moments of both levels (DSMC with
    ``*_stderr``) and ``w1``, ``w1_floor`` (NaN without velocity samples)."""
    tk = kinetic.time.values
    common = [k for k, t in enumerate(particles.time.values) if np.any(np.isclose(tk, t, atol=1e-9))]
    pick = np.unique(np.round(np.linspace(0, len(common) - 1, min(times, len(common)))).astype(int))
    ip = np.asarray(common)[pick]
    ik = np.array([int(np.argmin(np.abs(tk - particles.time.values[k]))) for k in ip])
    out = {"time": particles.time.values[ip]}
    for name in ("temperature", "pressure_tensor", "speed_moment"):
        out[f"{name}_particles"] = particles[name].values[ip]
        out[f"{name}_kinetic"] = kinetic[name].values[ik]
        err = f"{name}_stderr"
        out[f"{name}_kinetic_stderr"] = (
            kinetic[err].values[ik] if err in kinetic else np.full_like(out[f"{name}_kinetic"], np.nan)
        )
    w1 = np.full(ip.size, np.nan)
    floor = np.full(ip.size, np.nan)
    for name in ("temperature", "pressure_tensor", "speed_moment"):
        err = f"{name}_stderr"  # particle replicas ([ensemble] replicas) give their own standard errors
        out[f"{name}_particles_stderr"] = (
            particles[err].values[ip] if err in particles else np.full_like(out[f"{name}_particles"], np.nan)
        )
    R, M = kinetic.attrs.get("replicas"), kinetic.attrs.get("samples_per_replica")
    n_particles = _particle_count(particles)
    if "temperature_stderr" not in particles and R and M and n_particles:
        # one realisation: its θ noise is the DSMC replica spread scaled from M samples to N particles
        # (the same one-particle fluctuations to leading order in the Boltzmann–Grad limit)
        out["temperature_particles_stderr"] = out["temperature_kinetic_stderr"] * np.sqrt(R * M / n_particles)
    if (
        "velocity_sample" in particles
        and "temperature_stderr" not in particles
        and particles.velocity_sample.ndim == 3
    ):
        rho = particles.density.values[ip]
        for n, a in enumerate(ip):
            w = particles.velocity_sample.values[a]
            r2 = np.sum(w * w, axis=1)
            root_m = np.sqrt(len(w))
            ww = w[:, :, None] * w[:, None, :]
            out["pressure_tensor_particles_stderr"][n] = rho[n] * ww.std(0) / root_m
            # k ≥ 4 only: θ (hence ⟨|w|²⟩) starts at its set value and changes by the energy balance,
            # so an iid spread would overstate its error
            out["speed_moment_particles_stderr"][n, 1:] = [(r2 ** (k // 2)).std() / root_m for k in (4, 6, 8)]
    if "velocity_sample" in particles and "velocity_sample" in kinetic:
        for n, (a, b) in enumerate(zip(ip, ik, strict=True)):
            wp = particles.velocity_sample.values[a].reshape(-1, particles.sizes["i"])  # replicas pooled
            wk = kinetic.velocity_sample.values[b]
            m = min(len(wp), wk.shape[1])
            w1[n] = w1_samples(wp[:m], wk[0, :m])
            if wk.shape[0] > 1:
                floor[n] = w1_samples(wk[0, :m], wk[1, :m])
    out["w1"], out["w1_floor"] = w1, floor
    return out


def section(datasets: dict[str, xr.Dataset], out: Path) -> Section | None:
    """The report section (None unless both the particle and the 3D DSMC Boltzmann level ran)."""
    p, k = datasets.get("particles"), datasets.get("boltzmann")
    if p is None or k is None or p.sizes.get("i") != 3 or "temperature_stderr" not in k:
        return None
    c = compare(p, k)
    head = [
        "t",
        "θ particles",
        "θ DSMC",
        "Δθ/θ",
        "P_xy particles",
        "P_xy DSMC",
        "max |ΔP_ij|/p",
        *(f"Δ⟨|w|^{o}⟩/⟨|w|^{o}⟩" for o in (2, 4, 6, 8)),
        "W1",
        "W1 floor",
    ]
    rows = []
    for n, t in enumerate(c["time"]):
        th, P, M = (
            [
                c[f"{name}_{kind}"][n]
                for kind in ("particles", "particles_stderr", "kinetic", "kinetic_stderr")
            ]
            for name in ("temperature", "pressure_tensor", "speed_moment")
        )
        pres = np.trace(P[2]) / 3

        def rel(a, o=()):  # (particles − DSMC)/DSMC ± both standard errors
            err = np.sqrt(np.nansum([a[1][o] ** 2, a[3][o] ** 2]))  # a missing error counts as 0
            return pm((a[0][o] - a[2][o]) / a[2][o], err / abs(a[2][o]))

        rows.append(
            [
                fmt(t),
                pm(th[0], th[1]),
                pm(th[2], th[3]),
                rel(th),
                pm(P[0][0, 1], P[1][0, 1]),
                pm(P[2][0, 1], P[3][0, 1]),
                fmt(np.abs(P[0] - P[2]).max() / pres),
                *(rel(M, o) for o in range(4)),
                fmt(c["w1"][n]),
                fmt(c["w1_floor"][n]),
            ]
        )
    image = _plot(c, out)
    text = [
        "The particle level against the DSMC solution of the Boltzmann equation for the same system "
        f"(kernel {k.attrs.get('kernel', '?')}). Relative differences are (particles − DSMC)/DSMC ± the "
        "combined standard error: DSMC over replicas, particles from the spread of the saved velocity "
        "sample (one realisation of N particles: for P_xy (kinetic part) and ⟨|w|^k⟩, k ≥ 4) and, for θ, "
        "the DSMC replica spread scaled from M samples to N particles (s.e. × (R M/N)^½); with particle "
        "replicas their own standard errors. W1: exact optimal "
        "transport between the particle and DSMC peculiar-velocity samples "
        "(POT emd2); W1 floor: the same distance between two independent DSMC replicas of the same "
        "size — differences below the floor are sampling noise."
    ]
    return Section("Particles ↔ kinetic (Boltzmann–Grad)", text, (head, rows), [image])


def _plot(c: dict[str, np.ndarray], out: Path) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = c["time"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    axes[0].plot(t, c["temperature_particles"], "o-", label="particles")
    axes[0].errorbar(
        t, c["temperature_kinetic"], 2 * c["temperature_kinetic_stderr"], fmt="s--", label="DSMC ± 2 s.e."
    )
    axes[0].set(xlabel=TIME_LABEL, ylabel="θ  [ε/k_B]", title="temperature")
    axes[1].plot(t, c["pressure_tensor_particles"][:, 0, 1], "o-", label="particles")
    axes[1].errorbar(
        t,
        c["pressure_tensor_kinetic"][:, 0, 1],
        2 * c["pressure_tensor_kinetic_stderr"][:, 0, 1],
        fmt="s--",
        label="DSMC ± 2 s.e.",
    )
    axes[1].set(xlabel=TIME_LABEL, ylabel="P_xy  [ε σ^-3]", title="shear stress")
    axes[2].plot(t, c["w1"], "o-", label="W1(particles, DSMC)")
    axes[2].plot(t, c["w1_floor"], "k:", label="floor: W1(DSMC, DSMC)")
    axes[2].set(xlabel=TIME_LABEL, ylabel="W1  [(ε/m)^½]", title="velocity law")
    for ax in axes:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "particles_kinetic.png", dpi=110)
    plt.close(fig)
    return "particles_kinetic.png"
