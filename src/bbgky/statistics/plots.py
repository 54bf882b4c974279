"""Plain plotting functions for the statistics level (the report section calls them; files only)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def _figure(path, figsize: tuple[float, float]) -> Iterator:
    """The axes of a new figure, written to ``path`` at the end of the block and closed."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    try:
        yield ax
        fig.tight_layout()
        fig.savefig(path, dpi=120)
    finally:
        plt.close(fig)


def plot_pair_correlation(r, g, stderr, path, *, expected: float | None = None, label: str = "g(r)",
                          expected_label: str = "ideal gas") -> Path:
    """g(r) with a ±2 s.e. band; ``expected`` draws a reference line, by default the ideal-gas value
    of the normalisation ((N−1)/N for "exact", 1 for "finite_size"), which a fluid's g(r) also
    approaches at large r."""
    with _figure(path, (5, 3.4)) as ax:
        ax.plot(r, g, lw=1.2, label=label)
        ax.fill_between(r, np.asarray(g) - 2 * np.asarray(stderr), np.asarray(g) + 2 * np.asarray(stderr),
                        alpha=0.3, label="±2 s.e. (replicas)")
        if expected is not None:
            ax.axhline(expected, color="k", ls="--", lw=0.8, label=f"{expected_label}: {expected:.4g}")
        ax.set_xlabel("r  [σ]")
        ax.set_ylabel("g(r)  [dimensionless]")
        ax.legend(fontsize=8)
    return Path(path)


def plot_momentum_balance(x, terms, mean, stderr, path, *,
                          title: str = "momentum balance along x (time average)") -> Path:
    """Every term of the momentum balance against x (``mean``/``stderr`` ``[term, x]``), the
    residual with its ±2 s.e. band. The terms are per unit length of x (``momentum_balance`` of
    statistics.nc: force per unit length, ε σ⁻² in every dimension); the legend sits beside the axes
    so that it hides no curve."""
    with _figure(path, (7.2, 3.6)) as ax:
        for name, m, se in zip(terms, mean, stderr, strict=True):
            if name == "residual":
                ax.fill_between(x, m - 2 * se, m + 2 * se, color="k", alpha=0.15, label="±2 s.e. of residual")
                ax.plot(x, m, "k.-", lw=1.0, label="residual (0 expected)")
            else:
                ax.plot(x, m, lw=1.2, label=name)
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_xlabel("x  [σ]")
        ax.set_ylabel("force per unit length of x  [ε σ⁻²]")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return Path(path)


def plot_pair_correlation_plane(x, y, g, path, *, title: str = "g(r⃗) in the flow plane") -> Path:
    """Heat map of g(r⃗) (NaN outside r_max left blank)."""
    with _figure(path, (4.4, 3.8)) as ax:
        im = ax.pcolormesh(x, y, np.asarray(g).T, shading="nearest", cmap="viridis")
        ax.figure.colorbar(im, ax=ax, label="g(r⃗)  [dimensionless]")
        ax.set_aspect("equal")
        ax.set_xlabel("x  [σ]")
        ax.set_ylabel("y  [σ]")
        ax.set_title(title, fontsize=9)
    return Path(path)


def plot_homework_convergence(errors, path, *, contraction: float | None = None) -> Path:
    """‖g_k − G_1‖_∞ against k (log scale) for the homework map iteration."""
    with _figure(path, (5, 3.4)) as ax:
        k = np.arange(len(errors))
        ax.semilogy(k, errors, "o-", ms=2, label="‖g_k − G₁‖∞")
        if contraction is not None:
            ax.semilogy(k, errors[0] * contraction**k, "k--", lw=0.8, label=f"{contraction:.4f}^k")
        ax.set_xlabel("iteration k")
        ax.set_ylabel("‖g_k − G₁‖∞  [dimensionless]")
        ax.set_title("homework map T(g) = R(g⊗g)/∫R(g⊗g), scale fixed", fontsize=9)
        ax.legend(fontsize=8)
    return Path(path)


__all__ = ["plot_homework_convergence", "plot_momentum_balance", "plot_pair_correlation",
           "plot_pair_correlation_plane"]
