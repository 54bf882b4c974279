r"""The dipolar solvent of the Promislow tutorial (§"Continuum Models from Polar Solvent:
Stockmeyer Model" to §"BBGKY: Marginal Evolution"): rigid 2D molecules with two partial charges.

**Conventions** (chosen here; the tutorial's printed equations have sign and index typos, so
forces and torques are never typed by hand: they are $-\nabla_{x_i}U$ and $-\partial_{\theta_i}U$
by automatic differentiation of the energies below).

* Molecule $i$: centre $\mathbf x_i \in \mathbb R^2$, angle $\theta_i$, director
  $\mathbf d(\theta) = (\cos\theta, \sin\theta)$; charge $+q$ at
  $\mathbf x_i^+ = \mathbf x_i + \frac\ell2\mathbf d(\theta_i)$ and $-q$ at
  $\mathbf x_i^- = \mathbf x_i - \frac\ell2\mathbf d(\theta_i)$; dipole moment
  $\mathbf p_i = q\ell\,\mathbf d(\theta_i)$ (points from $-$ to $+$); polarisation
  $\mathbf M = \sum_i \mathbf p_i$.
* Hamiltonian $H = U_E + U_\Phi + \sum_i (|\mathbf p_i^{\rm lin}|^2/2m + L_i^2/2I)$, $L_i = I\omega_i$,
  $I = m\ell^2/4$ by default; $k_B = m = 1$.
* Electrostatics: $-\varepsilon_0\Delta\psi = \sigma$ with the zero-mean periodic Green's function
  (:mod:`.electrostatics`; tin-foil boundary), $E = -\nabla\psi$.
  ``charges``: $U_E = \frac{1}{2\varepsilon_0}\sum_{a,b} q_aq_b\tilde G(\mathbf r_a-\mathbf r_b)$
  over all $2N$ charges, with $\tilde G = G$ between different molecules, $\tilde G = G_{\rm reg}$
  (the bare $-\frac1{2\pi}\ln r$ removed) for the pair inside a molecule and for a charge with
  itself: every charge sees all images, a molecule never sees its own bare intramolecular
  Coulomb term (a constant for a rigid molecule).
  ``point_dipoles``: $U_E = -\frac{1}{2\varepsilon_0}\sum_{i,j}\mathbf p_i^{\sf T}
  \nabla\nabla\tilde G(\mathbf x_i - \mathbf x_j)\mathbf p_j$ — the tutorial's
  $G(x-x^+) - G(x-x^-) \approx \ell\nabla G\cdot d$ at fixed $p = q\ell$; the finite-charge energy
  tends to it as $O(\ell^2)$ (odd orders cancel by the $\pm$ symmetry; tested).
  The tutorial's $\mathcal E_E$ (a double sum with a $+$ sign and no $\frac12$) is not used.
* Short range: $\Phi(r, \Delta\theta) = (r^{-\alpha} - b(\Delta\theta))e^{-r^2}$,
  $b = (1 - \cos\Delta\theta)^2/4$, $\Delta\theta = \theta_i - \theta_j$,
  $U_\Phi = \sum_{i<j}[\Phi(r_{ij},\Delta\theta_{ij}) - \Phi(r_c, \Delta\theta_{ij})]$ for
  $r_{ij} < r_c$ (each pair once — the tutorial's double sum counts it twice; energy continuous at
  the cut-off $r_c = 3$ by default, where $|\partial_r\Phi| \le 2r_ce^{-r_c^2} < 10^{-3}$ is the
  force jump).
* A uniform applied field $\mathbf E_0$ adds $-\mathbf M\cdot\mathbf E_0$ (tin-foil: the field
  inside is $\mathbf E_0$ plus the periodic field).

For a neighbour-list MD code the electrostatic energy is split as Ewald does: a pair energy of
$(\mathbf r_{ij}, \theta_i, \theta_j)$ (real space, cut at $r_c^E$, molecules within
$r_c^E + \ell$) and a long-range energy of all positions and angles (reciprocal sum, self and
intramolecular terms, applied field); :func:`electrostatic_energy` is the same sum over all pairs
and images, the reference for the split.

**Dielectric constant** (2D, tin-foil): linear response to a uniform field $\mathbf E_0$ gives
$\langle\mathbf M\rangle = \beta\langle\delta\mathbf M\delta\mathbf M^{\sf T}\rangle\mathbf E_0 =
\frac{\beta}{2}\langle|\delta\mathbf M|^2\rangle\mathbf E_0$ (isotropy, two components); with
tin-foil boundaries the Maxwell field equals $\mathbf E_0$ and $\langle\mathbf M\rangle/A =
\varepsilon_0(\varepsilon - 1)\mathbf E_0$, so
$$\varepsilon = 1 + \frac{\langle|\delta\mathbf M|^2\rangle}{2\varepsilon_0 A k_BT}.$$
Ideal rotor gas: $\langle|\delta\mathbf M|^2\rangle = Np^2$,
$\varepsilon - 1 = \rho p^2/(2\varepsilon_0 k_BT)$.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import ConfigError
from . import electrostatics as es
from .oriented import OrientedPair

ELECTROSTATICS = ("charges", "point_dipoles", "none")


def director(theta):
    """$\\mathbf d(\\theta) = (\\cos\\theta, \\sin\\theta)$, shape ``[..., 2]``."""
    return jnp.stack([jnp.cos(theta), jnp.sin(theta)], axis=-1)


def charge_sites(positions, theta, charge, bond_length):
    """The $2N$ charges: sites ``[2N, 2]`` ($\\mathbf x^+$ of all molecules, then $\\mathbf x^-$)
    and charges ``[2N]``."""
    half = 0.5 * bond_length * director(theta)
    sites = jnp.concatenate([positions + half, positions - half])
    n = positions.shape[0]
    charges = jnp.concatenate([jnp.full(n, charge), jnp.full(n, -charge)]).astype(positions.dtype)
    return sites, charges


def bend(dtheta):
    """$b(\\Delta\\theta) = (1 - \\cos\\Delta\\theta)^2/4$: zero aligned, one antiparallel."""
    return (1 - jnp.cos(dtheta)) ** 2 / 4


def short_range_phi(r2, dtheta, exponent):
    """$\\Phi(r, \\Delta\\theta) = (r^{-\\alpha} - b(\\Delta\\theta))e^{-r^2}$ of $r^2$."""
    return (r2 ** (-0.5 * exponent) - bend(dtheta)) * jnp.exp(-r2)


def short_range_pair_energy(dr, theta_i, theta_j, exponent, cutoff):
    """$\\Phi(r) - \\Phi(r_c)$ for $r < r_c$, else 0 (``dr = x_i - x_j``, shape ``[..., 2]``)."""
    r2 = jnp.sum(dr**2, axis=-1)
    inside = r2 < cutoff**2
    dtheta = theta_i - theta_j
    safe = jnp.where(inside, r2, cutoff**2)
    return jnp.where(inside, short_range_phi(safe, dtheta, exponent)
                     - short_range_phi(cutoff**2, dtheta, exponent), 0.0)


#: ``accuracy`` δ is the target for the relative RMS error of the molecules' electrostatic forces
#: and torques. A molecular force is the small difference of the forces on its two sites (and a
#: dipole's force decays fast), so its relative error exceeds the per-charge figures: measured
#: (tests/test_particle_mesh.py: N 100, ρ 0.5, q 2, ℓ 0.3) it is ≈ 3.4 × the Ewald tail
#: e^{-s²} and 15–25 × the SPME estimate R (SPME errors vary on the grid spacing, shorter than
#: ℓ, so they cancel less between the two sites). The splitting therefore asks these fractions
#: of δ.
EWALD_TAIL_FRACTION = 0.1
MESH_ERROR_FRACTION = 0.02


@dataclass(frozen=True)
class DipolarModel:
    """Parameters of the model ([interaction] keys: charge, bond_length, permittivity,
    core_exponent, electrostatics, accuracy, ewald_method, inertia; mass m = 1)."""

    charge: float = 1.0
    bond_length: float = 0.3
    permittivity: float = 1.0
    core_exponent: float = 12.0
    electrostatics: str = "charges"
    accuracy: float = 1e-5
    ewald_method: str = "ewald"
    short_range_cutoff: float = 3.0
    mass: float = 1.0
    inertia: float | None = None
    applied_field: tuple[float, float] = (0.0, 0.0)

    @property
    def dipole(self) -> float:
        """$p = q\\ell$."""
        return self.charge * self.bond_length

    @property
    def moment_of_inertia(self) -> float:
        """$I$, default $m\\ell^2/4$ (two point masses m/2 at ±ℓ/2)."""
        return self.mass * self.bond_length**2 / 4 if self.inertia is None else self.inertia

    @property
    def reach(self) -> float:
        """Extent added to a site-site cut-off to get the centre-centre one."""
        return self.bond_length if self.electrostatics == "charges" else 0.0

    def ewald(self, cell, *, r_cut: float | None = None, alpha: float | None = None,
              deforming: bool = False, key: str = "interaction.accuracy",
              particles: int | None = None) -> es.EwaldParameters:
        """Ewald parameters for ``cell``: real-space cut-off ``r_cut`` (default the short-range
        cut-off) limited so that molecules within $r_c + \\ell$ stay inside half the smallest
        cell width (the minimum image suffices). ``deforming``: the (reduced) cell of a flow
        changes; widths are taken 2/3 as wide and the reciprocal box is sized for lattice
        vectors 1.5× as long (LLL-reduced sheared cells stay within both). ``ewald_method =
        "pme"``: the reciprocal sum on a particle-mesh grid chosen for the same accuracy
        (``particles``: N, for the cost model of :func:`.particle_mesh.choose_mesh`)."""
        if deforming:
            cell = 1.5 * np.asarray(cell, float)
            widths = es.perpendicular_widths(cell) / 2.25
        else:
            widths = es.perpendicular_widths(cell)
        limit = 0.5 * widths.min() - self.reach
        if limit <= 0:
            raise ConfigError([("interaction.bond_length",
                                f"bond length {self.bond_length} does not fit half the cell width "
                                f"{0.5 * widths.min():.4g}")])
        r_cut = min(self.short_range_cutoff if r_cut is None else r_cut, limit)
        tail = max(EWALD_TAIL_FRACTION * self.accuracy, es.MIN_ACCURACY)
        s = math.sqrt(math.log(1 / tail)) if tail < 1 else 0.0
        if alpha is None and s > 0:
            alpha = s / r_cut
        sites = None
        if particles is not None:
            sites = 2 * particles if self.electrostatics == "charges" else particles
        return es.ewald_parameters(cell, tail, alpha=alpha, max_r_cut=limit, key=key,
                                   method=self.ewald_method, sites=sites,
                                   mesh_accuracy=MESH_ERROR_FRACTION * self.accuracy,
                                   dipoles=self.electrostatics == "point_dipoles")

    @classmethod
    def from_config(cls, inter) -> DipolarModel:
        """From the ``[interaction]`` table (keys of the same names)."""
        return cls(charge=inter.charge, bond_length=inter.bond_length,
                   permittivity=inter.permittivity, core_exponent=inter.core_exponent,
                   electrostatics=inter.electrostatics, accuracy=inter.accuracy,
                   ewald_method=inter.ewald_method, inertia=inter.inertia,
                   applied_field=tuple(inter.applied_field))


#: rotation resolved when a thermal rotor turns at most this angle (rad) per step.
MAX_ANGLE_PER_STEP = 0.1


def rotation_step_limit(model: DipolarModel, temperature: float) -> float:
    """$h_{\\max} = 0.1\\sqrt{I/k_BT}$: a rotor at the thermal angular speed $\\sqrt{k_BT/I}$
    turns at most 0.1 rad per step. Because $I = m\\ell^2/4 \\ll m$ this is the binding limit
    (the libration frequencies of the electrostatic and short-range torques,
    $\\sqrt{pE/I}$ and $\\sqrt{\\partial_\\theta^2\\Phi/I}$, are below the thermal one at the
    default parameters); the energy error of the kick–drift–kick is then second order in h."""
    return MAX_ANGLE_PER_STEP * math.sqrt(model.moment_of_inertia / temperature)


def check(cfg) -> list[tuple[str, str]]:
    """Every problem of a dipolar configuration, as ``(key, message)`` (exit status 2)."""
    inter, out = cfg.interaction, []
    if cfg.system.dimension != 2:
        out.append(("system.dimension", f"potential = 'dipolar' is a 2D model; allowed: 2 (got "
                    f"{cfg.system.dimension})"))
    if not inter.bond_length > 0:
        out.append(("interaction.bond_length", f"must be > 0 (got {inter.bond_length})"))
    if not (es.MIN_ACCURACY <= inter.accuracy < 1):
        out.append(("interaction.accuracy", f"allowed: [{es.MIN_ACCURACY:g}, 1) (got "
                    f"{inter.accuracy})"))
    if len(inter.applied_field) != 2:
        out.append(("interaction.applied_field", "must have 2 components"))
    if cfg.initial.kind not in ("maxwellian", "lattice", "file"):
        out.append(("initial.kind", f"{cfg.initial.kind!r}: the dipolar model starts from "
                    "'maxwellian', 'lattice' or 'file'"))
    if out:
        return out
    model = DipolarModel.from_config(inter)
    limit = rotation_step_limit(model, cfg.system.temperature)
    if cfg.time.step > limit:
        out.append(("time.step", f"{cfg.time.step} does not resolve the rotation: allowed ≤ "
                    f"{limit:.4g} = 0.1·sqrt(I/θ0) (I = {model.moment_of_inertia:.4g})"))
    side = (cfg.system.particles / cfg.system.density) ** 0.5
    if model.short_range_cutoff > 0.5 * side:
        out.append(("system.particles", f"the cell side {side:.4g} is below twice the short-range "
                    f"cut-off {model.short_range_cutoff}; more particles or a higher density"))
    elif model.electrostatics != "none":
        try:
            model.ewald(side * np.eye(2), deforming=cfg.flow is not None,
                        particles=cfg.system.particles)
        except ConfigError as exc:
            out += exc.problems
    return out


def _molecules(positions, theta, model: DipolarModel):
    return charge_sites(positions, theta, model.charge, model.bond_length)


def polarization(theta, model: DipolarModel):
    """$\\mathbf M = \\sum_i q\\ell\\,\\mathbf d(\\theta_i)$."""
    return model.dipole * jnp.sum(director(theta), axis=0)


# ---------------------------------------------------------------- point dipoles
def dipole_pair_kernel(dr, p_i, p_j, alpha):
    """$-\\mathbf p_i^{\\sf T}\\nabla\\nabla g(\\mathbf r)\\mathbf p_j$ for the screened kernel
    $g = E_1(\\alpha^2r^2)/4\\pi$ (``alpha = 0``: the bare $-\\frac1{2\\pi}\\ln r$):
    $-\\frac{e^{-\\alpha^2r^2}}{2\\pi r^2}[(2 + 2\\alpha^2r^2)(\\mathbf p_i\\cdot\\hat r)
    (\\mathbf p_j\\cdot\\hat r) - \\mathbf p_i\\cdot\\mathbf p_j]$."""
    r2 = jnp.sum(dr**2, axis=-1)
    pir = jnp.sum(p_i * dr, axis=-1)
    pjr = jnp.sum(p_j * dr, axis=-1)
    pij = jnp.sum(p_i * p_j, axis=-1)
    u = alpha**2 * r2
    return -jnp.exp(-u) / (2 * np.pi * r2) * ((2 + 2 * u) * pir * pjr / r2 - pij)


def dipole_reciprocal_energy(positions, dipoles, cell, params: es.EwaldParameters, permittivity):
    """$\\frac{1}{2\\varepsilon_0 A}\\sum_{\\mathbf k\\ne0}\\frac{e^{-k^2/4\\alpha^2}}{k^2}
    |\\sum_j(\\mathbf k\\cdot\\mathbf p_j)e^{i\\mathbf k\\cdot\\mathbf x_j}|^2$."""
    return es.structure_sums(positions, None, cell, params, dipoles=dipoles) / (2 * permittivity)


def _dipole_self(dipoles, params, permittivity):
    # real-space regular Hessian at 0 is (α²/2π) I
    return -params.alpha**2 / (2 * np.pi) * jnp.sum(dipoles**2) / (2 * permittivity)


def point_dipole_energy(positions, theta, cell, model: DipolarModel,
                        params: es.EwaldParameters | None = None):
    """Ewald energy of point dipoles $\\mathbf p_i = q\\ell\\mathbf d(\\theta_i)$, all pairs and
    images (reference; O(N²))."""
    params = params or es.ewald_parameters(np.asarray(cell), 1e-12)
    return _point_dipole_energy(positions, theta, jnp.asarray(cell, positions.dtype), model,
                                params)


@partial(jax.jit, static_argnums=3)
def _point_dipole_energy(positions, theta, cell, model, params):
    p = model.dipole * director(theta)
    shifts = es.image_shifts(cell, params.images)
    dr = es.minimum_image(positions[:, None, :] - positions[None, :, :], cell)
    r = dr[None] + shifts[:, None, None, :]  # [S, N, N, 2]
    r2 = jnp.sum(r**2, axis=-1)
    same = (jnp.arange(len(shifts)) == 0)[:, None, None] & jnp.eye(len(theta), dtype=bool)[None]
    inside = (r2 < params.r_cut**2) & ~same
    safe = jnp.where(inside[..., None], r, 1.0)
    e = dipole_pair_kernel(safe, p[None, :, None, :], p[None, None, :, :], params.alpha)
    eps0 = model.permittivity
    return (jnp.sum(jnp.where(inside, e, 0.0)) / (2 * eps0)
            + dipole_reciprocal_energy(positions, p, cell, params, eps0)
            + _dipole_self(p, params, eps0))


# ---------------------------------------------------------------- finite charges
def charges_energy(positions, theta, cell, model: DipolarModel,
                   params: es.EwaldParameters | None = None):
    """Ewald energy of the finite-charge molecules, all pairs and images (reference; O(N²)):
    the point-charge sum of :func:`.electrostatics.ewald_energy_2d` minus each molecule's bare
    intramolecular term $-q^2G_0(\\ell)/\\varepsilon_0$, $G_0 = -\\frac1{2\\pi}\\ln r$."""
    params = params or es.ewald_parameters(np.asarray(cell), 1e-12)
    sites, charges = _molecules(positions, theta, model)
    eps0 = model.permittivity
    # one compiled sum serves every q, ℓ and ε0 (they enter through the sites and charges)
    total = es.ewald_sum(sites, charges, jnp.asarray(cell, positions.dtype), params, eps0)
    bare = -model.charge**2 * (-np.log(model.bond_length) / (2 * np.pi)) / eps0
    return total - positions.shape[0] * bare


def electrostatic_energy(positions, theta, cell, model: DipolarModel,
                         params: es.EwaldParameters | None = None):
    """$U_E$ (and the applied-field term) by all pairs and images — the reference."""
    field = -jnp.dot(polarization(theta, model), jnp.asarray(model.applied_field))
    if model.electrostatics == "charges":
        return charges_energy(positions, theta, cell, model, params) + field
    if model.electrostatics == "point_dipoles":
        return point_dipole_energy(positions, theta, cell, model, params) + field
    return field


# ---------------------------------------------------------------- the split for MD
def electrostatic_pair_energy(dr, theta_i, theta_j, model: DipolarModel,
                              params: es.EwaldParameters):
    """Real-space energy of a pair of different molecules, counted once; ``dr = x_i - x_j``
    (minimum image), zero beyond the site cut-off $r_c^E$."""
    eps0 = model.permittivity
    if model.electrostatics == "point_dipoles":
        r2 = jnp.sum(dr**2, axis=-1)
        inside = r2 < params.r_cut**2
        safe = jnp.where(inside[..., None], dr, params.r_cut)
        p_i, p_j = model.dipole * director(theta_i), model.dipole * director(theta_j)
        return jnp.where(inside, dipole_pair_kernel(safe, p_i, p_j, params.alpha), 0.0) / eps0
    if model.electrostatics != "charges":
        return jnp.zeros(dr.shape[:-1], dr.dtype)
    half = 0.5 * model.bond_length
    d_i, d_j = director(theta_i), director(theta_j)
    total = 0.0
    for s in (1.0, -1.0):
        for t in (1.0, -1.0):
            r = dr + half * (s * d_i - t * d_j)
            r2 = jnp.sum(r**2, axis=-1)
            inside = r2 < params.r_cut**2
            g = es.real_space_kernel(jnp.where(inside, r2, params.r_cut**2), params.alpha)
            total = total + s * t * jnp.where(inside, g, 0.0)
    return model.charge**2 * total / eps0


def pair_energy(dr, theta_i, theta_j, model: DipolarModel, params: es.EwaldParameters | None):
    """Short-range $\\Phi$ (shifted) plus the real-space electrostatics of one pair."""
    short = short_range_pair_energy(dr, theta_i, theta_j, model.core_exponent,
                                    model.short_range_cutoff)
    if params is None or model.electrostatics == "none":
        return short
    return short + electrostatic_pair_energy(dr, theta_i, theta_j, model, params)


def pair_cutoff(model: DipolarModel, params: es.EwaldParameters | None) -> float:
    """Centre-centre cut-off of :func:`pair_energy`."""
    if params is None or model.electrostatics == "none":
        return model.short_range_cutoff
    return max(model.short_range_cutoff, params.r_cut + model.reach)


def long_range_energy(positions, theta, cell, model: DipolarModel, params: es.EwaldParameters):
    """Reciprocal sum, self and intramolecular terms, and $-\\mathbf M\\cdot\\mathbf E_0$.

    Together with :func:`pair_energy` over pairs within :func:`pair_cutoff` this is
    :func:`electrostatic_energy` up to the stated accuracy (images of a molecule's own charges lie
    beyond $r_c^E + \\ell$, see :meth:`DipolarModel.ewald`)."""
    eps0 = model.permittivity
    field = -jnp.dot(polarization(theta, model), jnp.asarray(model.applied_field))
    if model.electrostatics == "point_dipoles":
        p = model.dipole * director(theta)
        return (dipole_reciprocal_energy(positions, p, cell, params, eps0)
                + _dipole_self(p, params, eps0) + field)
    if model.electrostatics != "charges":
        return field
    sites, charges = _molecules(positions, theta, model)
    intra = -model.charge**2 / eps0 * es.regular_real_space_kernel(model.bond_length**2,
                                                                   params.alpha)
    return (es.reciprocal_energy(sites, charges, cell, params, eps0)
            + es.self_energy(charges, cell, params, eps0)
            + positions.shape[0] * intra + field)


def split_energy(positions, theta, cell, model: DipolarModel, params: es.EwaldParameters):
    """All-pairs (minimum image) sum of :func:`pair_energy` plus :func:`long_range_energy`:
    the total potential energy as the MD split computes it (reference for tests, O(N²))."""
    n = positions.shape[0]
    dr = es.minimum_image(positions[:, None, :] - positions[None, :, :], cell)
    off = ~jnp.eye(n, dtype=bool)
    safe = jnp.where(off[..., None], dr, 1.0)
    e = pair_energy(safe, theta[:, None], theta[None, :], model, params)
    return 0.5 * jnp.sum(jnp.where(off, e, 0.0)) + long_range_energy(positions, theta, cell,
                                                                       model, params)


def oriented_pair(model: DipolarModel, params: es.EwaldParameters | None) -> OrientedPair:
    """The particle level's pair interaction: :func:`pair_energy` with :func:`pair_cutoff`."""
    return OrientedPair(f"dipolar ({model.electrostatics})", pair_cutoff(model, params),
                        partial(pair_energy, model=model, params=params))


def long_range_hook(model: DipolarModel, params: es.EwaldParameters | None):
    """``fn(position, orientation, cell) -> E`` for ``System(long_range=fn)``, or None."""
    if params is None and not any(model.applied_field):
        return None

    def energy(position, orientation, cell):
        if params is None:
            return -jnp.dot(polarization(orientation, model), jnp.asarray(model.applied_field))
        return long_range_energy(position, orientation, cell, model, params)

    return energy


# ---------------------------------------------------------------- dielectric constant
def dielectric_constant(polarization_series, area: float, temperature: float,
                        permittivity: float = 1.0, blocks: int = 10) -> tuple[float, float]:
    """Static $\\varepsilon = 1 + \\langle|\\delta\\mathbf M|^2\\rangle/(2\\varepsilon_0Ak_BT)$
    (2D, tin-foil; module docstring) from a series ``[T, 2]`` of polarisations, and its standard
    error from ``blocks`` block averages of $|\\delta\\mathbf M|^2$ (deviations from the mean of
    the whole series; the spread of the per-block estimates / √blocks; NaN with fewer than four
    samples). Blocks must be longer than the correlation time of $\\mathbf M$ for the error to
    hold."""
    M = np.asarray(polarization_series, float)
    dM2 = np.sum((M - M.mean(axis=0)) ** 2, axis=1)
    scale = 2 * permittivity * area * temperature
    nb = min(blocks, len(M) // 2)
    if nb < 2:
        return float(1 + dM2.mean() / scale), float("nan")
    per_block = [1 + b.mean() / scale for b in np.array_split(dM2, nb)]
    return float(1 + dM2.mean() / scale), float(np.std(per_block, ddof=1) / math.sqrt(nb))
