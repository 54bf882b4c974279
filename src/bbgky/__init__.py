"""bbgky — one configured system at every level of the BBGKY hierarchy.

Levels (one sub-package each): ``particles`` (N-particle objective MD), ``statistics``
(marginals, correlations, distances), ``kinetic`` (Vlasov, homo-energetic Boltzmann, BGK),
``hydro`` (Euler, Navier–Stokes). ``models`` holds the physics shared by the levels (pair
potentials, collision kernels, flows, two-body scattering, collision integrals, Chapman–Enskog
transport); ``scenarios`` runs a configured system across levels and writes the reduction-error
report. The import layering (tested in ``tests/test_layering.py``) is ``models`` < ``particles`` <
``statistics`` < ``kinetic`` < ``hydro`` < ``scenarios`` < ``cli``.

Importing bbgky never changes JAX's global configuration; the command line and the scenarios
switch on float64 themselves (:func:`bbgky.precision.enable_float64`).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
