"""Level 3: hydrodynamics — homo-energetic Euler and Navier–Stokes (μ from :mod:`bbgky.models.transport`)."""
