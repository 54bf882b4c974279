r"""External (one-body) potentials: equilibrium inhomogeneous states of the particle system.

The cosine potential along the first axis (``[external] kind = "cosine"``),

$$ V(x) = V_0\cos(k\,x_1), \qquad F_{\rm ext}(x) = -\nabla V(x) , $$

adds $\sum_i V(x_i)$ to the energy of the N-particle Hamiltonian (Promislow tutorial, "Direct
Hydrodynamics from One-Marginal System": the forced Vlasov system with $F_{\rm ext}$; Diaw &
Murillo, PRE 92 013107 (2015)). Its force is $-\nabla V$ by autodiff (:func:`forces`), never a
hand-typed derivative. It is periodic in the cell when $k = 2\pi m/\ell$ (m a positive integer,
$\ell$ the cell length along the first axis), which the configuration checks; in equilibrium at
temperature θ its density profile obeys $\theta\,\partial_x\rho = \rho F_{\rm ext} + $ interactions.
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np


@dataclass(frozen=True)
class CosineExternal:
    """$V(x) = V_0\\cos(k x_1)$ (``amplitude`` V0, ``wavenumber`` k). Frozen and hashable: it is part
    of the particle level's static system, which keys the compiled functions."""

    amplitude: float
    wavenumber: float

    def energy(self, x):
        """V at positions ``x [..., d]`` (JAX), shape ``[...]``."""
        return self.amplitude * jnp.cos(self.wavenumber * x[..., 0])


def compatible_with_flow(A) -> bool:
    r"""Whether V(x₁) is the same at every periodic image under the flow A: the images of x sit at
    $x + (I + tA)H_0\nu$ (James–Qi–Wang (OMD kinetic paper) eq. 10), whose first component moves by
    $(H_0\nu)_1 + t\,(AH_0\nu)_1$; V is unchanged for every t iff the first row of A is zero (no flow
    velocity along the potential's axis; e.g. simple shear $u = (0, a x_1)$ with the gradient along
    $x_1$)."""
    A = np.asarray(A, dtype=float)
    return bool(np.all(A[0] == 0.0))


def total_energy(external, x):
    """$\\sum_i V(x_i)$ for positions ``x [N, d]`` (scalar)."""
    return jnp.sum(external.energy(x))


def forces(external, x):
    """$F_{\\rm ext}(x_i) = -\\nabla V(x_i)$, ``[N, d]`` (``[..., N, d]`` works as well), by reverse-mode
    autodiff of :func:`total_energy`."""
    return -jax.grad(total_energy, argnums=1)(external, x)


__all__ = ["CosineExternal", "compatible_with_flow", "forces", "total_energy"]
