r"""Geometry of the deforming periodic cell: widths, minimum image, wrapping, lattice reduction.

The periodic lattice at time $t$ is $\{H(t)n : n \in \mathbb Z^d\}$ with $H(t) = F(t)H_0U$,
$F(t) = I + tA$, $H_0$ the reference cell and $U \in GL_d(\mathbb Z)$, $|\det U| = 1$ (the
*basis*; columns of $H$ are the cell's edge vectors). Changing $U$ changes the shape of the cell,
not the lattice, so the dynamics does not see it; the cell list and the minimum image do.

**Perpendicular widths.** $w_k = |\det H| / \text{area of face } k = 1/\lVert (H^{-1})_{k,:}\rVert$.

**Minimum image by rounding (exactness).** For a separation $r$ take $\Delta s = H^{-1} r$,
$\Delta s \leftarrow \Delta s - \operatorname{round}(\Delta s)$, $r' = H \Delta s$. If some image
$r + Hn$ has $|r + Hn| < w_{\min}/2$, then for every $k$,
$|(H^{-1}(r + Hn))_k| = |(H^{-1})_{k,:}\cdot(r + Hn)| \le |r + Hn|/w_k < 1/2$, so the rounding
returns exactly that image (which is therefore unique within $w_{\min}/2$). Hence pair forces with
cut-off $r_c$ are exact whenever $r_c \le w_{\min}/2$, and a Verlet list of radius $r_\ell$ is
complete whenever $r_\ell \le w_{\min}/2$ at its build time.

**Wrapping.** $k = \lfloor H^{-1}x \rfloor$, $x \leftarrow x - Hk$, $v \leftarrow v - AH_0Uk$: the
image $x - Hk$ moves with velocity $v - \frac{d}{dt}(F(t)H_0Uk) = v - AH_0Uk$, so the peculiar
velocity $w = v - L(t)x$ is unchanged ($L(t)Hk = AH_0Uk$; James–Qi–Wang eq. 11).

**Lattice reduction** (:func:`reduce_basis`, host side, NumPy). Under a flow the cell $F(t)H_0$
shears or stretches and its smallest width decays; a better basis of the *same* lattice restores
it. We run LLL (Lenstra–Lenstra–Lovász, $\delta = 0.99$; in 2D this is Lagrange–Gauss reduction
and, for simple shear, exactly the Lees–Edwards flip $\gamma \to \gamma - \operatorname{round}
(\gamma)$ of the tilt) and then a greedy pass over elementary moves $b_i \leftarrow b_i \pm b_j$
that raise the smallest width. :func:`choose_basis` adopts the new basis only when it raises the
smallest width over the coming interval, so widths never decrease by a change of basis. When even
the reduced cell is thinner than twice the list radius the run cannot continue exactly:
:func:`require_width` raises :class:`~bbgky.errors.NumericalFailure` (exit status 3).

**Cell grid.** :func:`cell_grid` gives ``grid[k] = floor(min_t w_k(t) / r_ell)`` cells along
reduced axis k: each cell is at least $r_\ell$ thick in every direction for the whole interval,
so all neighbours of a particle lie in the $3^d$ cells around its own.
"""

from __future__ import annotations

import itertools

import jax.numpy as jnp
import numpy as np

from ..errors import NumericalFailure
from ..models import flows

# ---------------------------------------------------------------------------------------- host


def cell_at(H0: np.ndarray, A: np.ndarray, U: np.ndarray, t: float) -> np.ndarray:
    """$H(t) = (I + tA) H_0 U$ (NumPy, float)."""
    return flows.deformation(np.asarray(A, dtype=float), t, np) @ np.asarray(H0) @ np.asarray(U, dtype=float)


def widths(H: np.ndarray) -> np.ndarray:
    """Perpendicular widths $w_k = 1/\\lVert (H^{-1})_{k,:} \\rVert$ of the cell with columns H."""
    return 1.0 / np.linalg.norm(np.linalg.inv(np.asarray(H, dtype=float)), axis=1)


def sample_times(t0: float, t1: float, samples: int = 9) -> np.ndarray:
    """Times sampling the interval between t0 and t1 (either order; a run may go backwards)."""
    return np.linspace(t0, t1, max(2, samples)) if t1 != t0 else np.array([t0])


def widths_over(H0, A, U, t0: float, t1: float, samples: int = 9) -> np.ndarray:
    """Smallest width along each reduced axis over $[t_0, t_1]$ (sampled; w is smooth in t)."""
    return np.min([widths(cell_at(H0, A, U, t)) for t in sample_times(t0, t1, samples)], axis=0)


def _gram_schmidt(B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d = B.shape[1]
    Bs = np.zeros_like(B)
    mu = np.zeros((d, d))
    for i in range(d):
        v = B[:, i].copy()
        for j in range(i):
            mu[i, j] = B[:, i] @ Bs[:, j] / (Bs[:, j] @ Bs[:, j])
            v -= mu[i, j] * Bs[:, j]
        Bs[:, i] = v
    return Bs, mu


def lll(B: np.ndarray, delta: float = 0.99) -> np.ndarray:
    """Integer unimodular V such that the columns of ``B @ V`` are LLL-reduced."""
    B = np.array(B, dtype=float)
    d = B.shape[1]
    V = np.eye(d, dtype=np.int64)
    k = 1
    guard = 0
    while k < d:
        guard += 1
        if guard > 10_000:  # pragma: no cover - LLL terminates; this guards against NaN input
            raise NumericalFailure("lattice reduction did not terminate (non-finite cell?)")
        for j in range(k - 1, -1, -1):
            _, mu = _gram_schmidt(B)
            q = int(np.rint(mu[k, j]))
            if q:
                B[:, k] -= q * B[:, j]
                V[:, k] -= q * V[:, j]
        Bs, mu = _gram_schmidt(B)
        if Bs[:, k] @ Bs[:, k] >= (delta - mu[k, k - 1] ** 2) * (Bs[:, k - 1] @ Bs[:, k - 1]):
            k += 1
        else:
            B[:, [k - 1, k]] = B[:, [k, k - 1]]
            V[:, [k - 1, k]] = V[:, [k, k - 1]]
            k = max(k - 1, 1)
    return V


def _greedy(B: np.ndarray, V: np.ndarray) -> np.ndarray:
    """Elementary moves b_i <- b_i ± b_j while they raise the smallest width."""
    d = B.shape[1]
    best = widths(B @ V).min()
    improved = True
    while improved:
        improved = False
        for i, j in itertools.permutations(range(d), 2):
            for sgn in (1, -1):
                W = V.copy()
                W[:, i] += sgn * W[:, j]
                w = widths(B @ W).min()
                if w > best * (1 + 1e-12):
                    V, best, improved = W, w, True
    return V


def reduce_basis(H: np.ndarray) -> np.ndarray:
    """Integer unimodular V (det V = +1) such that ``H @ V`` is a reduced cell of the same lattice.

    LLL, then greedy elementary moves raising the smallest width; a final sign flip of one
    column keeps the orientation (det V = +1).
    """
    H = np.asarray(H, dtype=float)
    d = H.shape[1]
    if d == 1:
        return np.eye(1, dtype=np.int64)
    V = lll(H)
    V = _greedy(H, V)
    if round(np.linalg.det(V)) < 0:
        V[:, 0] *= -1
    return V


def choose_basis(H0, A, U, t0: float, t1: float, samples: int = 9) -> np.ndarray:
    """The basis to use over $[t_0, t_1]$: the current U, or a reduced one if it is wider there."""
    U = np.asarray(U, dtype=np.int64)
    if np.allclose(A, 0.0) and np.array_equal(U, np.eye(len(U), dtype=np.int64)):
        return U
    tm = 0.5 * (t0 + t1)
    cand = U @ reduce_basis(cell_at(H0, A, U, tm))
    now = widths_over(H0, A, U, t0, t1, samples).min()
    new = widths_over(H0, A, cand, t0, t1, samples).min()
    return cand if new > now * (1 + 1e-9) else U


def best_width_over(H0, A, t0: float, t1: float, samples: int = 200) -> float:
    """Smallest width of the best reduced cell over $[t_0, t_1]$ (for default mean-field cut-offs)."""
    H0 = np.asarray(H0, dtype=float)
    out = np.inf
    for t in sample_times(t0, t1, samples):
        H = cell_at(H0, A, np.eye(len(H0)), t)
        out = min(out, widths(H @ reduce_basis(H)).min())
    return float(out)


def require_width(min_width: float, radius: float, *, t: float, what: str = "cut-off") -> None:
    """Raise NumericalFailure if a cell of smallest width ``min_width`` cannot hold ``radius``."""
    if 2.0 * radius > min_width:
        raise NumericalFailure(
            f"the periodic cell has become too thin: even after lattice reduction its smallest width "
            f"is {min_width:.6g} < 2 × ({what}) = {2 * radius:.6g}; the minimum image would miss pairs. "
            "Use more particles (a larger cell) or a shorter time.end", time=t)


def cell_grid(min_widths: np.ndarray, radius: float) -> tuple[int, ...]:
    """Cells per reduced axis, each at least ``radius`` thick (at least one cell per axis)."""
    out = []
    for w in np.asarray(min_widths, dtype=float):
        g = int(np.floor(w / radius))
        while g > 1 and w / g < radius:  # guard against rounding up in the division
            g -= 1
        out.append(max(g, 1))
    return tuple(out)


def unimodular(U: np.ndarray) -> bool:
    U = np.asarray(U)
    return bool(np.all(U == np.rint(U)) and abs(round(np.linalg.det(U))) == 1)


# ----------------------------------------------------------------------------------------- JAX


def minimum_image(dr, H, Hinv):
    """Minimum-image separations ``[..., d]`` in the cell with columns H (exact for |r| < w_min/2)."""
    ds = _apply(Hinv, dr)
    ds = ds - jnp.round(ds)
    return _apply(H, ds)


def _apply(M, r):
    """``r @ M.T`` written as d broadcast multiply-adds (XLA fuses them; a batched d×d matmul is
    much slower on CPU)."""
    d = M.shape[0]
    out = r[..., 0:1] * M[:, 0]
    for a in range(1, d):
        out = out + r[..., a:a + 1] * M[:, a]
    return out


def wrap(x, v, H, Hinv, image_velocity):
    """Move positions into the cell and give each moved particle its image's velocity.

    ``image_velocity`` = $AH_0U$ (d×d). Returns ``(x, v, s)`` with s the fractional coordinates
    in $[0, 1]$ (1 only by round-off).
    """
    s = x @ Hinv.T
    k = jnp.floor(s)
    x = x - k @ H.T
    v = v - k @ image_velocity.T
    return x, v, s - k


__all__ = [
    "best_width_over", "cell_at", "cell_grid", "choose_basis", "lll", "minimum_image", "reduce_basis",
    "require_width", "sample_times", "unimodular", "widths", "widths_over", "wrap",
]
