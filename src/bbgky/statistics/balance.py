r"""The momentum balance along the profile axis, term by term on the ensemble, at rest and under an
objective (affine) flow, and the quasi-equilibrium closure of the correlation force with its
standard error.

**The balance** (Promislow tutorial, "Direct Hydrodynamics from One-Marginal System", after Diaw &
Murillo, PRE 92 013107 (2015); under a flow, the peculiar-velocity equations of motion of objective
MD, James–Qi–Wang (OMD kinetic paper) eq. 13). The particles move by

$$ \dot x_i = w_i + L(t)\,x_i, \qquad
   \dot w_i = F_i + F_{\rm ext}(x_i) - L(t)\,w_i \;[-\,\gamma w_i + \text{noise}], \qquad
   L(t) = A(I + tA)^{-1}, $$

with $F_i$ the interaction force on particle i and the bracket the Langevin thermostat. The profile
coordinate is $x = \ell\,(b\cdot x_i \bmod 1)$, $b$ the first row of $H^{-1}$ of the profile cell
(:mod:`.marginals`; at rest the cell itself). Under a flow the profile planes $b\cdot x$ = const
are *invariant* when $b^{\rm T}A = 0$ (no flow velocity across them: e.g. simple shear
$A = a\,e_2e_1^{\rm T}$, $u = (0, a x_1)$, with the profile along the gradient direction $x_1$);
then $b^{\rm T}L(t) = 0$, so the profile coordinate has no convective term,
$\dot x = \ell\,b\cdot w_i =: u_i$ (the coordinate moves with the peculiar velocity only), and the
cell of $t_0$ serves at every time (:func:`invariant_profile`). For each Cartesian component c of
the peculiar momentum and any $\phi(x)$, $\frac{d}{dt}\sum_i w_{i,c}\phi(x_i) = \sum_i w_{i,c}u_i
\phi'(x_i) + \sum_i (F_i + F_{\rm ext} - Lw_i - \gamma w_i)_c\,\phi(x_i)$ along the flow, whose
expectation is, per unit length of x ($\rho U$ = j the peculiar momentum density, every field per
unit length as in :mod:`.marginals`),

$$ \partial_t j_c + \partial_x\,\mathbb E\textstyle\sum_i w_{i,c}u_i\,\delta(x - x_i)
   - \rho F_{{\rm ext},c} - \rho\,(F * \rho)_c - C_c + (L\,j)_c + \gamma j_c = 0 . $$

The flow term $-(Lj)_c$ is the $-\rho A u$ of the peculiar momentum (the $-L(t)w\cdot\nabla_w$ of
James–Qi–Wang eq. 15 integrated against $w$): in simple shear it feeds the flow component,
$\partial_t j_2 + \partial_x\Pi_{21} = \ldots - a\,j_1$, and vanishes in the profile component
(L has no row along b). At rest L = 0, and the profile component with $u = \ell b\cdot w$
($= w_x$ in an orthogonal cell) is the x-component of the first moment of the BBGKY equation for
$f_{N,1}$. (For a flow that moves the planes, $b^{\rm T}A \ne 0$, the coordinate gains the
convective term $\ell\,b^{\rm T}L\,x_i$ and the planes tilt with the lattice reductions: the balance
is not measured then.) Each term is estimated **smoothed by the hat kernel**
$K(z) = (1 - |z|/h)_+/h$ centred on the profile bins (:func:`.marginals.deposit`, ``"hat"``): then
$\partial_x(\Pi * K)(x_k) = \sum_i w_{i,c}u_i K'(x_k - x_i)$ is exactly the difference of the bin sums
of $w_cu$ on the two sides of $x_k$ divided by $h^2$, so the smoothed balance holds exactly, with no
discretisation error; the only non-statistical part of the residual is the central time difference
of $\partial_t j$: O(Δt²) in the save interval Δt, except where a particle crosses a kink of the hat
(a bin centre or edge) between the two saves, which errs by O(|w u|/h²)·(its share of the window) in
the bins that particle touches — a bounded error of zero mean over the ensemble, carried by the
standard error. The terms (:data:`TERMS`), each a vector with
components c (:func:`balance_blocks`; ``momentum_balance`` is the component along the first
lattice vector of the profile cell):

* ``time_derivative``: $\partial_t\,\mathbb E\sum_i w_{i}K(x - x_i)$, central differences over
  the saved times (one-sided at the ends);
* ``flux_divergence``: $\partial_x\,\mathbb E\sum_i w_{i}u_iK(x - x_i)$ (= $\partial_x(\rho U_x^2 +
  P_{{\rm kin},xx})$ for the x-component in an orthogonal cell);
* ``external``: $\mathbb E\sum_i F_{\rm ext}(x_i)K(x - x_i) = \rho F_{\rm ext}$ (smoothed);
* ``mean_field``: $\frac{N-1}{N}\,\mathbb E\sum_{i,j'}F(x_i - x'_{j})K(x - x_i)$ between two
  independent replicas $= \frac{N-1}{N}\rho\,(F*\rho)$ (:mod:`.correlation_force`);
* ``correlation``: C, the interaction force density minus the mean field (:mod:`.correlation_force`);
* ``flow``: $-L(t)\,j$, the flow's force on the peculiar momentum (zero at rest);
* ``thermostat``: $-\gamma j$, the mean Langevin friction (zero without ``[thermostat]``; the
  noise has zero mean);
* ``residual``: time_derivative + flux_divergence − external − mean_field − correlation − flow −
  thermostat.

In equilibrium at rest ($\partial_t = 0$, U = 0) the x-component is $\partial_x P_{\rm kin} =
\theta\,\partial_x\rho = \rho F_{\rm ext} + \rho(F*\rho) + C$. Standard errors come from the
independent blocks of two replicas (2m, 2m+1) of :func:`.correlation_force.blocks`, exact for every
term and the residual.

**The quasi-equilibrium closure** (:func:`quasi_equilibrium_force`; Diaw & Murillo, as quoted by
the tutorial: the two-particle density residual from the pair correlation of the homogeneous fluid,
$\rho_2(x, x') \approx \rho(x)\rho(x')[g(|x - x'|) - 1]$):

$$ C_{\rm qe}(x) = \int F(x - x')\,\rho(x)\rho(x')\,[g(|x - x'|) - 1]\,dx' , $$

and its standard error (:func:`quasi_equilibrium_stderr`) from the replicas of both inputs.
"""

from __future__ import annotations

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from .correlation_force import blocks, pair_forces
from .ensemble import mean_stderr
from .marginals import deposit, profile_coordinate

#: the terms of ``momentum_balance(time, term, x)`` (module docstring), in this order.
TERMS = ("time_derivative", "flux_divergence", "external", "mean_field", "correlation", "flow",
         "thermostat", "residual")


def invariant_profile(cell, A) -> bool:
    """Whether the profile planes of ``cell`` (first row b of H⁻¹) are invariant under the flow
    ``A``: $b^{\\rm T}A = 0$ (module docstring; always at rest)."""
    b = np.linalg.inv(np.asarray(cell, dtype=float))[0]
    A = np.asarray(A, dtype=float)
    scale = max(np.abs(A).max(initial=0.0), 1.0) * np.abs(b).max()
    return bool(np.abs(b @ A).max(initial=0.0) <= 1e-12 * scale)


def balance_blocks(positions, w, cell, bins: int, energy, cutoff: float, external=None,
                   friction: float = 0.0, forces=None, L=None, force_cell=None) -> np.ndarray:
    """``[R/2, 8, d, bins]``: per block of two replicas, for each Cartesian component c of the
    peculiar momentum, the smoothed momentum density j (slot 0, the time derivative is taken later
    over frames: :func:`with_time_derivative`) and the terms flux_divergence, external, mean_field,
    correlation, flow, thermostat of :data:`TERMS` at the bin centres, and in the last slot their
    part of the residual (all but the time derivative). ``cell``: the profile cell (module
    docstring); ``force_cell``: the current periodic cell of the pair forces (default ``cell``);
    ``L``: the velocity gradient L(t) of the frame (None at rest; its planes must be invariant,
    :func:`invariant_profile`); ``external``: a :class:`bbgky.models.external.CosineExternal` or
    None; ``friction``: γ of the Langevin thermostat (0 for NVE); ``forces``: the ``(intra, cross)``
    of :func:`.correlation_force.pair_forces` when already computed."""
    from ..models.external import forces as external_forces

    x = np.asarray(positions, dtype=float)
    w = np.asarray(w, dtype=float).reshape(x.shape)
    n = x.shape[1]
    cell = np.asarray(cell, dtype=float)
    coord, length = profile_coordinate(x, cell)
    h = length / bins
    u = w @ (length * np.linalg.inv(cell)[0])  # dx/dt of the profile coordinate (no convection)
    momentum = deposit(coord, length, bins, w, "hat")
    # ∂x of the hat-smoothed flux at centre k: (bin sum of w u on [x_k, x_{k+1}) − on [x_{k−1}, x_k)) / h²
    staggered = deposit(np.mod(coord - 0.5 * h, length), length, bins, w * u[..., None], "bin") * h
    divergence = (staggered - np.roll(staggered, 1, axis=1)) / h**2
    f_ext = np.zeros_like(momentum) if external is None else deposit(
        coord, length, bins, np.asarray(external_forces(external, jnp.asarray(x))), "hat")
    fcell = cell if force_cell is None else np.asarray(force_cell, dtype=float)
    intra, cross = forces if forces is not None else pair_forces(x, fcell, energy, cutoff)
    intra = deposit(coord, length, bins, intra, "hat")
    mean_field = (n - 1) / n * blocks(deposit(coord, length, bins, cross, "hat"))
    flow = np.zeros_like(momentum) if L is None else -momentum @ np.asarray(L, dtype=float).T
    friction_force = -friction * momentum
    momentum, divergence, f_ext, intra, flow, friction_force = (
        blocks(a) for a in (momentum, divergence, f_ext, intra, flow, friction_force))
    residual = divergence - f_ext - intra - flow - friction_force
    terms = np.stack([momentum, divergence, f_ext, mean_field, intra - mean_field, flow, friction_force,
                      residual], axis=1)  # [B, 8, bins, d]
    return np.swapaxes(terms, -1, -2)


def along(per_block, axis) -> np.ndarray:
    """The component along the unit vector ``axis`` (``momentum_balance``: the first lattice vector
    of the profile cell) of :func:`balance_blocks` records ``[..., d, bins]``, ``[..., bins]``."""
    return np.einsum("...cb,c->...b", np.asarray(per_block), np.asarray(axis, dtype=float))


def with_time_derivative(times, per_block) -> np.ndarray:
    """``[T, B, 8, ...]`` from per-frame block records ``[T, B, 8, ...]`` of :func:`balance_blocks`:
    slot 0 becomes ∂t(ρU) (central differences, one-sided at the ends; T ≥ 2) and the residual
    gains it."""
    out = np.array(per_block, dtype=float)
    dt = np.gradient(out[:, :, 0], np.asarray(times, dtype=float), axis=0)
    out[:, :, 0] = dt
    out[:, :, -1] += dt
    return out


def summarise(per_block, times, average_from: float = 0.0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"momentum_balance": (mean [T, 8, ...], s.e.), "momentum_balance_average": (mean [8, ...],
    s.e.)}`` over the independent blocks; the average is over the saved times ≥ ``average_from``
    (per block first, so its standard error includes the correlation in time)."""
    per_block = np.asarray(per_block)
    late = np.asarray(times, dtype=float) >= average_from - 1e-9
    return {"momentum_balance": mean_stderr(per_block, axis=1),
            "momentum_balance_average": mean_stderr(per_block[late].mean(axis=0), axis=0)}


@cache
def _derivative(energy):
    """U'(r) elementwise on a 1-D array (jitted once per potential)."""
    return jax.jit(jax.vmap(jax.grad(energy)))


@cache
def _gauss_legendre(nodes: int):
    """Gauss–Legendre nodes and weights on [−1, 1] (computed once per order: an eigenproblem)."""
    return np.polynomial.legendre.leggauss(nodes)


def _axial_parts(s, energy, dimension: int, r_cut: float, nodes: int):
    r"""``(r, B)`` on the quadrature points across the axis (``[len(s), nodes]``, or ``[len(s), 1]``
    in 1D): the distance $r = \sqrt{s^2 + r_\perp^2}$ and the weight $B = F_x(s, r_\perp)$ × measure ×
    Gauss–Legendre weight, so that $K(s) = \sum B\,[g(r) - \tfrac{N-1}{N}]$ (:func:`axial_kernel`)."""
    s = np.asarray(s, dtype=float)[:, None]
    if dimension == 1:
        rp, wts = np.zeros((1, 1)), np.ones((1, 1))
    else:
        t, wq = _gauss_legendre(nodes)
        span = np.sqrt(np.maximum(r_cut**2 - s**2, 0.0))
        rp = 0.5 * (t + 1)[None, :] * span
        wts = 0.5 * span * wq[None, :] * (2.0 if dimension == 2 else 2 * np.pi * rp)
    rr = np.sqrt(s * s + rp * rp)
    safe = np.maximum(rr, 1e-12)
    dudr = np.asarray(_derivative(energy)(jnp.asarray(safe.ravel()))).reshape(safe.shape)
    return rr, -dudr * s / safe * (rr < r_cut) * wts


def axial_kernel(s, r, g, energy, dimension: int, particles: int, r_cut: float, nodes: int = 400):
    r"""$K(s) = \int d^{d-1}r_\perp\, F_x(s, r_\perp)\,[g(r) - \tfrac{N-1}{N}]$, $r = \sqrt{s^2 + r_\perp^2}$,
    $F_x = -U'(r)\,s/r$: the pair force along the axis weighted by the pair correlation, integrated
    over the directions across the axis (1D: no integral; 2D: a line; 3D: a plane, $2\pi r_\perp
    dr_\perp$). ``g``: the "exact"-normalised g(r) on the centres ``r`` (ideal gas (N−1)/N, so
    $g - \frac{N-1}{N}$ is the residual; linear interpolation, g at the first centre below it and
    g = (N−1)/N beyond the last); ``r_cut``: the range of U. Gauss–Legendre in $r_\perp$."""
    ideal = (particles - 1) / particles
    rr, B = _axial_parts(s, energy, dimension, r_cut, nodes)
    return np.sum(B * (np.interp(rr, r, g, left=g[0], right=ideal) - ideal), axis=1)


def axial_kernel_basis(s, r, energy, dimension: int, r_cut: float, nodes: int = 400) -> np.ndarray:
    """``[len(s), len(r)]``: $\\partial K(s)/\\partial g(r_k)$ — K of :func:`axial_kernel` is linear in
    the values $g(r_k)$ (its interpolation is), so this is K with g the k-th unit vector and the
    ideal value 0."""
    rr, B = _axial_parts(s, energy, dimension, r_cut, nodes)
    unit = np.eye(len(r))
    return np.stack([np.sum(B * np.interp(rr, r, e, left=e[0], right=0.0), axis=1) for e in unit], axis=1)


def _shift_matrix(x, length: float, r_cut: float, samples: int, kern) -> np.ndarray:
    """``M [bins, bins]``: $(Mn)_i = \\int K(s)\\,n(x_i - s)\\,ds$ by the trapezoid on ``samples``
    points of [−r_cut, r_cut], n linearly interpolated (periodic, period ``length``) between the
    profile points ``x`` (uniform grid); ``kern``: K on those points."""
    x = np.asarray(x, dtype=float)
    bins = len(x)
    s = np.linspace(-r_cut, r_cut, samples)
    wts = np.full(samples, s[1] - s[0])
    wts[[0, -1]] *= 0.5
    h = length / bins
    p = np.mod(x[:, None] - s[None, :], length)  # [bins, samples]
    u = (p - x[0]) / h
    left = np.floor(u)
    frac = u - left
    k = left.astype(int) % bins
    M = np.zeros((bins, bins))
    rows = np.broadcast_to(np.arange(bins)[:, None], p.shape)
    kw = (np.asarray(kern) * wts)[None, :]
    np.add.at(M, (rows, k), (1 - frac) * kw)
    np.add.at(M, (rows, (k + 1) % bins), frac * kw)
    return M


def quasi_equilibrium_force(x, n, length: float, area: float, r, g, energy, dimension: int,
                            particles: int, r_cut: float, samples: int = 801) -> np.ndarray:
    r"""$C_{\rm qe}$ at the profile points ``x`` (module docstring), per unit length like ``n``:
    $C_{\rm qe}(x) = n(x)\int K(s)\,n(x - s)\,ds/A$ with ρ = n/A (``area`` A the cross-section of
    the cell, V/ℓ; 1 in 1D), K of :func:`axial_kernel` and n(x − s) linearly interpolated
    (periodic, period ``length``) between the profile points; ``samples`` points in s ∈ [−r_cut,
    r_cut] (trapezoid)."""
    n = np.asarray(n, dtype=float)
    s = np.linspace(-r_cut, r_cut, samples)
    kern = axial_kernel(s, np.asarray(r, dtype=float), np.asarray(g, dtype=float), energy, dimension,
                        particles, r_cut)
    return n * (_shift_matrix(x, length, r_cut, samples, kern) @ n) / area


def quasi_equilibrium_stderr(x, n, n_stderr, length: float, area: float, r, g, g_stderr, energy,
                             dimension: int, particles: int, r_cut: float, samples: int = 801,
                             weights=None):
    r"""``(s.e. from g, s.e. from n)`` of $C_{\rm qe}$ (:func:`quasi_equilibrium_force`) at the
    profile points, by linear propagation with independent errors per r bin of g (``g_stderr``)
    and per profile bin of n (``n_stderr``): $C_{\rm qe}$ is linear in g, so
    $\partial C/\partial g_k = n\,(M_k n)/A$ with $M_k$ the shift matrix of
    :func:`axial_kernel_basis`'s k-th column, exactly; and $\partial C(x_i)/\partial n_j =
    [\delta_{ij}(Mn)_i + n_i M_{ij}]/A$. The two parts are independent when g comes from another
    run; the total is their root sum of squares. (Bin-to-bin correlations of the inputs are
    neglected: the pair histogram's bins share no pair, the profile's are multinomial with
    covariance −n_in_j/N per replica, small for many bins.) ``weights`` ``[bins]``: instead, the
    s.e. of the linear functional $\sum_i w_i C_{\rm qe}(x_i)$ (e.g. a Fourier component: the
    errors of neighbouring points are correlated through n and g, so it is not their root sum)."""
    n = np.asarray(n, dtype=float)
    s = np.linspace(-r_cut, r_cut, samples)
    r, g = np.asarray(r, dtype=float), np.asarray(g, dtype=float)
    basis = axial_kernel_basis(s, r, energy, dimension, r_cut)
    kern = axial_kernel(s, r, g, energy, dimension, particles, r_cut)
    M = _shift_matrix(x, length, r_cut, samples, kern)
    # all basis kernels at once: the shift matrix is linear in the kernel values
    dg = np.stack([n * (_shift_matrix(x, length, r_cut, samples, basis[:, k]) @ n) / area
                   for k in range(len(r))], axis=1)  # [bins, nr]
    jac = (np.diag(M @ n) + n[:, None] * M) / area
    if weights is not None:
        dg, jac = np.asarray(weights, dtype=float) @ dg, np.asarray(weights, dtype=float) @ jac
    se_g = np.sqrt((dg**2) @ np.asarray(g_stderr, dtype=float) ** 2)
    se_n = np.sqrt((jac**2) @ np.asarray(n_stderr, dtype=float) ** 2)
    return se_g, se_n


__all__ = ["TERMS", "along", "axial_kernel", "axial_kernel_basis", "balance_blocks", "invariant_profile",
           "quasi_equilibrium_force", "quasi_equilibrium_stderr", "summarise", "with_time_derivative"]
