"""Level 3: hydrodynamics — homo-energetic Euler and Navier–Stokes (transport from :mod:`bbgky.models.transport`)."""
