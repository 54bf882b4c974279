r"""Exact moment equations of the homo-energetic Boltzmann equation (James–Qi–Wang eq. 6).

Derivation. Multiply $\partial_t g - (Lw)\cdot\nabla_w g = Q(g,g)$ by $w_iw_j$ and integrate by
parts: $\nabla_w\cdot(w_iw_j\,Lw) = (Lw)_i w_j + w_i (Lw)_j + \mathrm{tr}(L)\,w_iw_j$, so with
$P = \int w\otimes w\, g\,dw$ (``g`` normalised to the number density ρ)

$$\dot P + LP + PL^T + \mathrm{tr}(L)\,P = \int w\otimes w\; Q(g,g)\,dw .$$

For Maxwell molecules ($B = b(\cos\theta)$) the collision term is closed, in d = 2 or 3 velocity
dimensions. A pair changes $v\otimes v + v_*\otimes v_*$ by $(|g|^2\sigma\otimes\sigma - g\otimes g)/2$;
averaged over σ ∈ S^{d−1} with $\int b\,\sigma\otimes\sigma\,d\sigma =
(\Sigma - \Lambda)\,\hat g\otimes\hat g + \tfrac{\Lambda}{d-1}(I - \hat g\otimes\hat g)$
($\Sigma = \int b\,d\sigma$) this is $\frac{d\Lambda}{2(d-1)}(|g|^2I/d - g\otimes g)$, and over pairs
($\iint g\,g_*\,(v-v_*)\otimes(v-v_*) = 2\rho P$ at zero mean velocity, a factor ½ for the pair
symmetrisation of Q) it gives

$$\int w\otimes w\;Q(g,g)\,dw = -\nu\,(P - pI),\qquad p = \mathrm{tr}P/d,\quad
\nu = \frac{d}{2(d-1)}\,\rho(t)\,\Lambda,\quad \Lambda = \int_{S^{d-1}} b\,\sin^2\theta\,d\sigma,$$

i.e. ν = (3/4)ρΛ in 3D (docs/references.md) and ν = ρΛ in 2D; ν = ρ/2 for the isotropic defaults
b = 1/(4π) (Λ = 2/3) and b = 1/(2π) (Λ = 1/2).

with $\rho(t) = \rho_0/\det(I+tA)$. The same linear ODE, with $\nu = p/\mu(\theta)$, is *exact*
for the BGK model of any kernel (BGK relaxes P to pI at the rate ν), which the BGK solver is
tested against.

Simple shear $L = a\,e_xe_y^T$ (docs/references.md for d = 3): with $P = e^{\lambda t}\hat P$, the yy (and
zz) equation gives $P_{yy} = p/(1+\lambda^*)$, the xy one $P_{xy} = -a^*P_{yy}/(1+\lambda^*)$, the trace
$P_{xx} = dp - (d-1)P_{yy}$ and the xx one $\lambda^* d = 2a^{*2}/(1+\lambda^*)^2$: the temperature
grows as $e^{\lambda t}$ with $\lambda^* = \lambda/\nu$ the largest root of
$\lambda^*(1+\lambda^*)^2 = \tfrac2d a^{*2}$, $a^* = a/\nu$, and the stress ratios tend to
$P_{xy}/p = -a^*/(1+\lambda^*)^2$, $P_{yy}/p = P_{zz}/p = 1/(1+\lambda^*)$,
$P_{xx}/p = (1+d\lambda^*)/(1+\lambda^*)$.

Fourth moments of Maxwell molecules are closed too (:func:`fourth_moment_rhs`): the collision
production of any polynomial moment of degree ≤ 4 is a bilinear form in the moments of degree
≤ 4, evaluated here exactly on a signed discrete measure that carries the same moments.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from ...models import flows
from ...models.kernels import Kernel


def deformation_term(P: np.ndarray, L: np.ndarray) -> np.ndarray:
    """LP + PLᵀ + tr(L) P."""
    return L @ P + P @ L.T + np.trace(L) * P


RateFn = Callable[[float, float], float]  # (density, temperature) -> relaxation rate ν


def maxwell_rate(kernel: Kernel) -> RateFn:
    """ν(ρ, θ) = d ρ Λ / (2(d − 1)) for Maxwell molecules."""
    if kernel.gamma != 0:
        raise ValueError(f"the second moments close only for Maxwell molecules, not {kernel.name!r}; "
                         "use bgk_rate for the BGK model of this kernel")
    nu1 = kernel.stress_relaxation_rate(1.0)
    return lambda rho, theta: nu1 * rho


def bgk_rate(kernel: Kernel) -> RateFn:
    """ν(ρ, θ) = ρθ/μ(θ): the BGK frequency matched to the kernel's shear viscosity."""
    return lambda rho, theta: float(rho * theta / kernel.viscosity(theta))


def second_moment_rhs(t: float, P: np.ndarray, A: np.ndarray, rho0: float, rate: RateFn) -> np.ndarray:
    """dP/dt = −(LP + PLᵀ + tr(L)P) − ν(ρ, θ)(P − pI)."""
    d = A.shape[0]
    L = flows.flow_gradient(A, t)
    rho = flows.density(rho0, A, t)
    p = np.trace(P) / d
    theta = p / rho
    return -deformation_term(P, L) - rate(rho, theta) * (P - p * np.eye(d))


@dataclass(frozen=True)
class MomentSolution:
    time: np.ndarray
    density: np.ndarray
    pressure_tensor: np.ndarray  # [time, d, d]

    @property
    def temperature(self) -> np.ndarray:
        d = self.pressure_tensor.shape[-1]
        return np.trace(self.pressure_tensor, axis1=1, axis2=2) / (d * self.density)


def solve_second_moments(P0: np.ndarray, A: np.ndarray, rho0: float, times: np.ndarray,
                         rate: RateFn, *, rtol: float = 1e-12, atol: float = 1e-14) -> MomentSolution:
    """Integrate the closed second-moment ODE (DOP853) and return P at ``times``."""
    A = np.asarray(A, float)
    P0 = np.asarray(P0, float)
    d = A.shape[0]
    times = np.asarray(times, float)
    scale = np.abs(P0).max()

    def f(t, y):
        return second_moment_rhs(t, y.reshape(d, d), A, rho0, rate).ravel()

    sol = solve_ivp(f, (times[0], times[-1]), P0.ravel(), method="DOP853", t_eval=times,
                    rtol=rtol, atol=atol * scale)
    if not sol.success:
        raise RuntimeError(f"moment ODE failed: {sol.message}")
    rho = np.array([flows.density(rho0, A, t) for t in times])
    return MomentSolution(times, rho, sol.y.T.reshape(-1, d, d))


@dataclass(frozen=True)
class ShearAsymptotics:
    """Asymptotic state of simple shear for Maxwell molecules (or BGK with constant ν)."""

    a_star: float
    growth_rate: float  # λ* = λ/ν
    pxy: float
    pxx: float
    pyy: float


def simple_shear_asymptotics(a_star: float, d: int = 3) -> ShearAsymptotics:
    """λ* = largest real root of λ(1+λ)² = (2/d)a*², and the stress ratios P/p."""
    rhs = 2.0 / d * a_star**2
    roots = np.roots([1.0, 2.0, 1.0, -rhs])
    lam = float(max(r.real for r in roots if abs(r.imag) < 1e-9))
    # polish with Newton
    for _ in range(5):
        lam -= (lam * (1 + lam) ** 2 - rhs) / ((1 + lam) * (1 + 3 * lam))
    return ShearAsymptotics(a_star, lam, -a_star / (1 + lam) ** 2, (1 + d * lam) / (1 + lam),
                            1 / (1 + lam))


def growth_rate_from_matrix(A: np.ndarray, nu: float) -> float:
    """Asymptotic growth rate of θ for constant L = A (A² = 0 or steady L) and constant ν: the
    largest real part among the eigenvalues of the linear map P ↦ −(LP + PLᵀ + tr(L)P) − ν(P − pI),
    plus tr(L) (θ = tr P/(dρ) and ρ ∝ e^{−tr(L)t})."""
    d = A.shape[0]
    eye = np.eye(d)
    M = np.zeros((d * d, d * d))
    for k in range(d * d):
        E = np.zeros(d * d)
        E[k] = 1.0
        P = E.reshape(d, d)
        M[:, k] = (-deformation_term(P, A) - nu * (P - np.trace(P) / d * eye)).ravel()
    return float(np.max(np.linalg.eigvals(M).real) + np.trace(A))


# ----------------------------------------------------------------------------------------------
# Fourth moments (Maxwell molecules)
# ----------------------------------------------------------------------------------------------

def monomial_exponents(max_degree: int = 4, d: int = 3) -> list[tuple[int, ...]]:
    """All exponent tuples α with |α| ≤ max_degree, ordered by degree."""
    out = []
    for deg in range(max_degree + 1):
        out += [a for a in itertools.product(range(deg + 1), repeat=d) if sum(a) == deg][::-1]
    return out


def _monomials(v: np.ndarray, exps: list[tuple[int, ...]]) -> np.ndarray:
    """[..., n_monomials] values of v^α."""
    return np.stack([np.prod(v ** np.array(a), axis=-1) for a in exps], axis=-1)


class FourthMomentSystem:
    r"""Closed ODE for all moments $M_\alpha = \int w^\alpha g\,dw$, $|\alpha| \le 4$, of Maxwell
    molecules under any A.

    Transport: $\frac{d}{dt}M_\alpha = -\int [(Lw)\cdot\nabla w^\alpha + \mathrm{tr}(L)\,w^\alpha]\,g$,
    a linear map within each degree. Collisions: the production
    $\iint g\,g_*\int B\,[\phi(v') - \phi(v)]\,d\sigma$ of a polynomial φ of degree ≤ 4 is, for
    Maxwell molecules, a polynomial of degree ≤ 4 in (v, v_*) (the σ-average of $|g|^k\sigma^{\otimes k}$
    is polynomial in g); so it depends on g only through $M_{|\alpha|\le4}$ and is evaluated
    exactly on a signed discrete measure with those moments (points on a fixed unisolvent set,
    exact quadrature in σ: Gauss × trapezoid on S², trapezoid on S¹).
    """

    def __init__(self, kernel: Kernel, d: int = 3):
        if kernel.gamma != 0:
            raise ValueError("fourth moments close only for Maxwell molecules")
        if d != kernel.dimension:
            raise ValueError(f"fourth-moment system in {d}D for a {kernel.dimension}D kernel")
        self.kernel, self.d = kernel, d
        self.exps = monomial_exponents(4, d)
        n = len(self.exps)
        rng = np.random.default_rng(12345)
        self.points = rng.normal(size=(n + 10, d))
        self.V = _monomials(self.points, self.exps).T  # [n_mono, n_points]
        # σ quadrature exact for polynomials of degree ≤ 4 in σ times b(cos θ) (deg ≤ 8 total in 3D;
        # 2D: trapezoid in θ, exact for trigonometric degree < 32)
        if d == 3:
            x, wx = np.polynomial.legendre.leggauss(8)
            nphi = 8
            phi = 2 * math.pi * np.arange(nphi) / nphi
            self.ct, self.phi = np.meshgrid(x, phi, indexing="ij")
            self.wq = (wx[:, None] * np.full(nphi, 2 * math.pi / nphi)[None, :]).ravel()
            self.ct, self.phi = self.ct.ravel(), self.phi.ravel()
        else:
            self.phi = 2 * math.pi * np.arange(32) / 32  # θ itself: σ = cos θ ĝ + sin θ ĝ⊥
            self.ct, self.wq = np.cos(self.phi), np.full(32, 2 * math.pi / 32)
        # production(M)_m = c·G_m·c with c = V⁺M the signed weights: a fixed bilinear form K
        pinv = np.linalg.pinv(self.V)  # [n_points, n_mono]
        K = np.einsum("pa,pqm,qb->mab", pinv, self._pair_production(), pinv)
        # the production of a degree-k monomial is homogeneous of degree k in (v, v_*): keep exactly
        # those products. The pseudo-inverse leaves round-off (~1e-16) in the others, and a spurious
        # M4·M4 term makes the solution blow up in finite time once the moments grow (shear, a* ≳ 1.5)
        deg = np.array([sum(a) for a in self.exps])
        self.K = np.where(deg[:, None, None] == deg[None, :, None] + deg[None, None, :], K, 0.0)

    def _pair_production(self) -> np.ndarray:
        """G[p, q, m]: production of monomial m by a pair of unit masses at points p, q."""
        x = self.points
        npts = len(x)
        vi, vj = np.meshgrid(np.arange(npts), np.arange(npts), indexing="ij")
        v, vs = x[vi.ravel()], x[vj.ravel()]
        g = v - vs
        gn = np.linalg.norm(g, axis=1)
        ghat = np.where(gn[:, None] > 0, g / np.where(gn > 0, gn, 1)[:, None], np.eye(self.d)[-1])
        if self.d == 2:
            perp = np.stack([-ghat[:, 1], ghat[:, 0]], axis=1)
            sigma = (self.ct[None, :, None] * ghat[:, None, :]
                     + np.sin(self.phi)[None, :, None] * perp[:, None, :])
        else:
            t = np.where(np.abs(ghat[:, :1]) < 0.9, np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]]))
            e1 = np.cross(ghat, t)
            e1 /= np.linalg.norm(e1, axis=1)[:, None]
            e2 = np.cross(ghat, e1)
            st = np.sqrt(1 - self.ct**2)
            sigma = (self.ct[None, :, None] * ghat[:, None, :]
                     + (st * np.cos(self.phi))[None, :, None] * e1[:, None, :]
                     + (st * np.sin(self.phi))[None, :, None] * e2[:, None, :])
        V = 0.5 * (v + vs)
        vprime = V[:, None, :] + 0.5 * gn[:, None, None] * sigma
        bq = self.kernel.b(self.ct) * self.wq
        gain = np.einsum("q,pqm->pm", bq, _monomials(vprime, self.exps))
        loss = bq.sum() * _monomials(v, self.exps)
        return (gain - loss).reshape(npts, npts, -1)

    def production(self, M: np.ndarray) -> np.ndarray:
        """Collision production ∫ w^α Q(g, g) dw for every α (bilinear in M)."""
        return np.einsum("mab,a,b->m", self.K, M, M)

    def transport_matrix(self, L: np.ndarray) -> np.ndarray:
        """T with dM/dt|transport = T M: −(Lw)·∇w^α − tr(L) w^α expanded in monomials."""
        index = {a: k for k, a in enumerate(self.exps)}
        n = len(self.exps)
        T = np.zeros((n, n))
        for k, a in enumerate(self.exps):
            T[k, k] -= np.trace(L)
            for i in range(self.d):
                if a[i] == 0:
                    continue
                for j in range(self.d):
                    # (Lw)_i ∂_i w^α = a_i L_ij w^(α − e_i + e_j)
                    b = list(a)
                    b[i] -= 1
                    b[j] += 1
                    T[k, index[tuple(b)]] -= a[i] * L[i, j]
        return T

    def moments_of(self, samples: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """M_α of an empirical or quadrature measure (sum of weights at samples)."""
        m = _monomials(samples, self.exps)
        return m.sum(0) if weights is None else weights @ m

    def solve(self, M0: np.ndarray, A: np.ndarray, times: np.ndarray, *, rtol=1e-11) -> np.ndarray:
        A = np.asarray(A, float)

        def f(t, M):
            return self.transport_matrix(flows.flow_gradient(A, t)) @ M + self.production(M)

        sol = solve_ivp(f, (times[0], times[-1]), M0, method="DOP853", t_eval=times, rtol=rtol,
                        atol=1e-13 * np.abs(M0).max())
        if not sol.success:
            raise RuntimeError(sol.message)
        return sol.y.T

    def index(self, alpha: tuple[int, ...]) -> int:
        return self.exps.index(tuple(alpha))

    def speed_fourth_moment(self, M: np.ndarray) -> np.ndarray:
        """⟨|w|⁴⟩ = Σ_i M_{4e_i} + 2 Σ_{i<j} M_{2e_i+2e_j}, over M₀, for moments M [..., n_mono]."""
        coeff = np.array([2 / math.prod(math.factorial(k // 2) for k in a)
                          if sum(a) == 4 and all(k % 2 == 0 for k in a) else 0.0 for a in self.exps])
        return (M @ coeff) / M[..., 0]
