"""Level 3: hydrodynamics — Chapman–Enskog transport, homo-energetic Euler and Navier–Stokes."""
