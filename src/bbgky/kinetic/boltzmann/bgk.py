r"""BGK model of the homo-energetic Boltzmann equation, on the spectral solver's grid.

$\partial_t g - (Lw)\cdot\nabla_w g = \nu\,(\rho\,\mathcal M_\theta - g)$, with $\mathcal M_\theta$ the
unit-mass Maxwellian of g's temperature (zero mean velocity). **Collision frequency**: matched to
the kernel's Chapman–Enskog shear viscosity, $\nu = p/\mu(\theta) = \rho\theta/\mu(\theta)$ — for
Maxwell molecules $\nu = \frac{d}{2(d-1)}\rho\Lambda$, the exact relaxation rate of the stress, so BGK's
second moments obey exactly the moment ODE of Maxwell molecules (:mod:`.moments`); for hard spheres
$\nu = \rho\theta/\mu_{HS}(\theta) \propto \rho\sqrt\theta$.

In the scaled variables of :mod:`.spectral` ($g = \rho c^{-d}G(w/c)$, d = 2 or 3) the relaxation term is
$\nu(\rho, c^2\theta_G)\,(\mathcal M_{\theta_G} - G)$; the discrete Maxwellian is corrected by the
same conservation projection as Q, so mass, momentum and energy are relaxed to round-off.
"""

from __future__ import annotations

import jax.numpy as jnp

from ...models.kernels import Kernel
from .spectral import Grid, _conservation_projector


class BGKCollision:
    """Relaxation term for :class:`~.spectral.HomoEnergeticSolver` (``needs_scale``: it is called
    as ``collision(G, c, ρ)`` and returns the whole collision term)."""

    needs_scale = True

    def __init__(self, grid: Grid, kernel: Kernel):
        self.grid, self.kernel = grid, kernel
        self._x = jnp.asarray(grid.mesh())
        self._r2 = jnp.sum(self._x**2, axis=0)
        self._proj = _conservation_projector(grid)

    def frequency(self, rho, theta):
        """ν = ρθ/μ(θ) (the kernel's viscosity accepts traced arrays)."""
        return rho * theta / self.kernel.viscosity(theta)

    def __call__(self, G, c, rho):
        h, d = self.grid.cell, self.grid.dimension
        mass = jnp.sum(G) * h
        theta_G = jnp.sum(self._r2 * G) * h / (d * mass)
        M = mass * (2 * jnp.pi * theta_G) ** (-d / 2) * jnp.exp(-self._r2 / (2 * theta_G))
        nu = self.frequency(rho, c**2 * theta_G)
        return nu * self._proj(M - G)
