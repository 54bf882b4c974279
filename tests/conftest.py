"""Tests run in float64 (the CLI's precision); the library itself never flips this on import."""

import jax

jax.config.update("jax_enable_x64", True)
