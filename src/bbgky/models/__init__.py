"""Physics shared by every level: pair potentials and scalings, homogeneous flows, kernels."""
