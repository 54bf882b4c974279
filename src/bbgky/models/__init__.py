"""Physics shared by every level: pair potentials and scalings, homogeneous flows, collision kernels,
two-body scattering, collision integrals Ω^(l,s) and Chapman–Enskog transport."""
