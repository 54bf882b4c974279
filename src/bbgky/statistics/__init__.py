"""Level 1: statistics of the N-particle law — marginals, correlations, distances."""
