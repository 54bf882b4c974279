"""bbgky — one configured system at every level of the BBGKY hierarchy.

Levels (one sub-package each): ``particles`` (N-particle objective MD), ``statistics``
(marginals, correlations, distances), ``kinetic`` (Vlasov, homo-energetic Boltzmann, BGK),
``hydro`` (Euler, Navier–Stokes, Chapman–Enskog transport). ``models`` holds the physics shared
by the levels (pair potentials, collision kernels, flows); ``scenarios`` runs a configured system
across levels and writes the reduction-error report.

Importing bbgky never changes JAX's global configuration; the command line and the scenarios
switch on float64 themselves (:func:`bbgky.precision.enable_float64`).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
