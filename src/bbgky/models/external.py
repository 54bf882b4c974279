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
import sympy as sp

#: the coordinate x₁ and the parameters of the symbolic V(x₁).
x1, V0, k = sp.symbols("x1 V0 k", real=True)

#: V(x₁) of ``kind = "cosine"``: the one definition that the JAX energy (forces by autodiff) and the
#: Numba kernel (:func:`numba_external_source`, its symbolic derivative) are generated from.
COSINE = V0 * sp.cos(k * x1)


@dataclass(frozen=True)
class CosineExternal:
    """$V(x) = V_0\\cos(k x_1)$ (``amplitude`` V0, ``wavenumber`` k). Frozen and hashable: it is part
    of the particle level's static system, which keys the compiled functions."""

    amplitude: float
    wavenumber: float

    def energy(self, x):
        """V at positions ``x [..., d]`` (JAX), shape ``[...]``."""
        return _JAX_COSINE(x[..., 0], self.amplitude, self.wavenumber)


_JAX_COSINE = sp.lambdify((x1, V0, k), COSINE, "jax")


def numba_external_source(external) -> str:
    """Python source (``import math`` only) of ``external(x1) -> (V(x₁), −V'(x₁))`` for the Numba
    kernels of the particle level (:func:`bbgky.particles.numba_backend.kernels`): the force is the
    symbolic derivative of :data:`COSINE`, never typed by hand, with the parameters written exactly
    (``repr`` of the floats); ``external=None`` gives V = 0."""
    if external is None:
        return "def external(x1):\n    return (0.0, 0.0)\n"
    v_code, f_code = (sp.pycode(e) for e in (COSINE, -sp.diff(COSINE, x1)))
    return (f"def external(x1):\n    V0 = {external.amplitude!r}\n    k = {external.wavenumber!r}\n"
            f"    return ({v_code}, {f_code})\n")


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


__all__ = ["CosineExternal", "compatible_with_flow", "forces", "numba_external_source", "total_energy"]
