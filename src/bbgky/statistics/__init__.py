"""Level 1: statistics of the N-particle law — marginals, correlations, distances."""

from .pair import pair_correlation

__all__ = ["pair_correlation"]
