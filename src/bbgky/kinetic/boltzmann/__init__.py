"""Homo-energetic Boltzmann equation (James–Qi–Wang eq. 6): ∂t g − (L(t)w)·∇w g = Q(g, g).

Solvers: :mod:`.moments` (exact moment ODE of Maxwell molecules), :mod:`.spectral` (fast spectral
method), :mod:`.dsmc` (direct simulation Monte Carlo), :mod:`.bgk` (BGK model); :mod:`.level` runs
the configured level and writes ``boltzmann.nc``.
"""
