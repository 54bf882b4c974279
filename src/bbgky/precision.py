"""Floating-point precision: float64 at the entry points, never flipped on import."""

from __future__ import annotations

import warnings

import jax


def enable_float64() -> None:
    """Switch JAX to float64. Called by the CLI and scenario runner, never on import."""
    jax.config.update("jax_enable_x64", True)


def float64_enabled() -> bool:
    return bool(jax.config.read("jax_enable_x64"))


def warn_if_float32(context: str) -> None:
    """Warn where float32 hurts (energy conservation, long runs, conservation checks)."""
    if not float64_enabled():
        warnings.warn(
            f"{context} runs in float32: energy drift and conservation checks are limited to "
            "~1e-6 relative; call bbgky.precision.enable_float64() for float64.",
            stacklevel=3,
        )
