r"""Distances of the marginals to the mean field, and the 1/N fit (Promislow tutorial, "Rigorous Mean
Field Limit": $\lVert f_{N,j} - f^{\otimes j}\rVert_* \lesssim e^{Ct}/N$ for tensor-product data,
after Golse's lecture notes).

The weak norm is a supremum over a **stated finite family** Φ of smooth test functions of one
particle $z = (x, v)$ (:func:`smooth_family`):

$$ \Phi = \{\, \tau_m(x)\, v_1^{\,p} : \tau_m \in \{1, \cos(k_m x), \sin(k_m x)\},\ k_m = 2\pi m/\ell,
\ 1 \le m \le M,\ 0 \le p \le P \,\} $$

(x the profile coordinate, $v_1$ the first velocity component; the constant function is left out).
In 2D the velocity factor is $v_1^{\,p} v_2^{\,q}$, $p + q \le P$ (the heating of both velocity
components, and their correlation, at every wavenumber of the profile axis).

* one-marginal distance $D_1 = \max_{\phi\in\Phi} |\langle\phi, f_{N,1}\rangle - \langle\phi, f\rangle|$,
  $\langle\phi, f_{N,1}\rangle = \mathbb E\,\frac1N\sum_i \phi(z_i)$ (:func:`one_marginal_distance`;
  ⟨φ, f⟩ from the kinetic solution, supplied by the caller);
* pair distance $D_2 = \max_{\phi,\psi\in\Phi} |\langle\phi\otimes\psi, f_{N,2} - f_{N,1}^{\otimes 2}
  \rangle|$, with $\langle\phi\otimes\psi, f_{N,2}\rangle = \mathbb E\,\frac{1}{N(N-1)}\sum_{i\ne j}
  \phi(z_i)\psi(z_j) = \mathbb E\,\frac{S_\phi S_\psi - S_{\phi\psi}}{N(N-1)}$, $S_\phi = \sum_i\phi(z_i)$
  (:func:`pair_distance`).

Standard errors by the delete-one jackknife over replicas. :func:`fit_power_law` fits
$\log D = a + s\log N$ by weighted least squares (weights from the standard errors of log D).
Its ``slope_stderr`` treats the points as independent Gaussians with those standard errors; it
leaves out the noise of *which* φ attains the maximum (the max of several noisy |means| is biased
up and its scatter is not the jackknife's). :func:`bootstrap_slope_stderr` resamples the replicas
within each N, recomputes both maxima over the family and the fit, and gives the slope's scatter
with that noise included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .ensemble import jackknife


def smooth_family(x, v1, length: float, modes: int = 2, velocity_order: int = 2,
                  v2=None) -> tuple[np.ndarray, list[str]]:
    """``(φ [..., F], names)``: the family Φ evaluated at positions ``x [...]`` (the profile axis)
    and velocities ``v1`` (and ``v2`` in 2D: then the factors v₁^p v₂^q, p + q ≤ P)."""
    x = np.asarray(x, dtype=float)
    v1 = np.asarray(v1, dtype=float)
    if v2 is not None:
        v2 = np.asarray(v2, dtype=float)
        powers = [(p, q) for p in range(velocity_order + 1) for q in range(velocity_order + 1 - p)]
        vel = [(v1**p * v2**q, f"v1^{p} v2^{q}") for p, q in powers]
    else:
        vel = [(v1**p, f"v^{p}") for p in range(velocity_order + 1)]
    trig, tnames = [np.ones_like(x)], ["1"]
    for m in range(1, modes + 1):
        k = 2 * np.pi * m / length
        trig += [np.cos(k * x), np.sin(k * x)]
        tnames += [f"cos({m}k0 x)", f"sin({m}k0 x)"]
    cols, names = [], []
    for t, tn in zip(trig, tnames, strict=True):
        for i, (w, wn) in enumerate(vel):
            if tn == "1" and i == 0:
                continue  # ⟨1, f⟩ = 1 for every probability law
            cols.append(t * w)
            names.append(f"{tn}·{wn}")
    return np.stack(cols, axis=-1), names


def replica_summaries(phi) -> tuple[np.ndarray, np.ndarray]:
    r"""``(means [R, F], pairs [R, F, F])`` of ``phi [R, N, F]`` per replica: $\frac1N\sum_i\phi(z_i)$
    and $\frac{1}{N(N-1)}\sum_{i\ne j}\phi(z_i)\psi(z_j) = (S_\phi S_\psi - S_{\phi\psi})/(N(N-1))$ —
    all the distances need, so a study keeps these instead of the particles."""
    phi = np.asarray(phi, dtype=float)
    n = phi.shape[1]
    s = phi.sum(axis=1)
    pairs = (s[:, :, None] * s[:, None, :] - np.einsum("rnf,rng->rfg", phi, phi)) / (n * (n - 1))
    return s / n, pairs


def one_marginal_distance_of_means(means, reference) -> tuple[float, float]:
    """``(D₁, s.e.)`` from the per-replica means ``[R, F]`` (:func:`replica_summaries`)."""
    ref = np.asarray(reference, dtype=float)
    return jackknife(lambda m: np.max(np.abs(m - ref)), means)


def pair_distance_of_summaries(means, pairs, control_means=None, control_pairs=None) -> tuple[float, float]:
    """``(D₂, s.e.)`` from the per-replica summaries of :func:`replica_summaries`; optionally minus
    the pair residual of a control sample whose residual is 0 in expectation (i.i.d. particles,
    e.g. coupled mean-field particles), which removes most of the sampling noise."""
    if control_means is None:
        def residual(m1, m2):
            return np.max(np.abs(m2 - np.outer(m1, m1)))

        return jackknife(residual, means, pairs)

    def controlled(m1, m2, c1, c2):
        return np.max(np.abs((m2 - np.outer(m1, m1)) - (c2 - np.outer(c1, c1))))

    return jackknife(controlled, means, pairs, control_means, control_pairs)


def coupled_distances(means, pairs, mf_means, mf_pairs) -> np.ndarray:
    """``[2, 2, T]``: (D₁, D₂) × (value, s.e.) at every time from the per-replica summaries
    (:func:`replica_summaries`, ``[R, T, F]`` and ``[R, T, F, F]``) of the particles and of their
    coupled mean-field particles (Sznitman's coupling, :mod:`bbgky.kinetic.vlasov.characteristics`)
    as control variate. The twins' expectations are known exactly — ⟨φ, f(t)⟩, and a pair residual
    of 0 since they are i.i.d. — so
    D₁ = max_φ |E[m_N − m_MF]|, D₂ = max |E[P_N − P_MF] − (E m_N E m_Nᵀ − E m_MF E m_MFᵀ)|,
    with most of the sampling noise (that of the initial data) cancelled."""
    means, mf_means = np.asarray(means), np.asarray(mf_means)
    T = means.shape[1]
    out = np.zeros((2, 2, T))
    for t in range(T):
        out[0, :, t] = one_marginal_distance_of_means(means[:, t] - mf_means[:, t], 0.0)
        out[1, :, t] = pair_distance_of_summaries(means[:, t], pairs[:, t], mf_means[:, t], mf_pairs[:, t])
    return out


def coupled_distance_values(weights, means, pairs, mf_means, mf_pairs) -> np.ndarray:
    """``[B, 2, T]``: (D₁, D₂) of :func:`coupled_distances` (values only) with the replicas of each
    of the B samples weighted by a row of ``weights [B, R]`` (rows summing to 1; bootstrap counts/R)."""
    W = np.asarray(weights, dtype=float)
    mean = lambda a: np.einsum("br,r...->b...", W, np.asarray(a, dtype=float))  # noqa: E731
    m, c = mean(means), mean(mf_means)  # [B, T, F]
    d1 = np.abs(m - c).max(axis=-1)
    outer = lambda a: a[..., :, None] * a[..., None, :]  # noqa: E731
    resid = (mean(pairs) - mean(mf_pairs)) - (outer(m) - outer(c))
    d2 = np.abs(resid).max(axis=(-2, -1))
    return np.stack([d1, d2], axis=1)


def bootstrap_slope_stderr(ns, samples: list[dict], stderr, resamples: int = 200,
                           seed: int = 0) -> np.ndarray:
    """``[2, T]``: the bootstrap standard error of both fitted slopes (:func:`fit_power_law`) at
    every time. ``samples[i]``: the per-replica summaries at ``ns[i]`` (``means``, ``pairs``,
    ``mf_means``, ``mf_pairs`` as in :func:`coupled_distances`); ``stderr [K, 2, T]``: the jackknife
    standard errors of the distances, kept as the fit's weights. Each resample draws R_N replicas
    with replacement within every N, recomputes D₁ and D₂ (the max over the family included) and
    refits; the s.e. is the standard deviation of the refitted slopes. NaN where a distance is 0 (t = 0
    of the coupled estimators). The replica counts are held fixed: the noise of an adaptive rule
    that chose them is not in it. ``seed``: numpy Generator seed of the resampling."""
    rng = np.random.default_rng(seed)
    S = np.asarray(stderr, dtype=float)
    K, _, T = S.shape
    D = np.zeros((K, 2, T))  # the measured distances (uniform weights) give the fixed fit weights
    Db = np.zeros((resamples, K, 2, T))
    for i, b in enumerate(samples):
        R = b["means"].shape[0]
        parts = (b["means"], b["pairs"], b["mf_means"], b["mf_pairs"])
        D[i] = coupled_distance_values(np.full((1, R), 1.0 / R), *parts)[0]
        counts = rng.multinomial(R, np.full(R, 1.0 / R), size=resamples)
        Db[:, i] = coupled_distance_values(counts / R, *parts)
    x = np.log(np.asarray(ns, dtype=float))
    out = np.full((2, T), np.nan)
    for j in range(2):
        for t in range(T):
            if np.all(S[:, j, t] > 0) and np.all(D[:, j, t] > 0) and np.all(Db[:, :, j, t] > 0):
                w = (D[:, j, t] / S[:, j, t]) ** 2
                out[j, t] = np.std(_weighted_slopes(x, np.log(Db[:, :, j, t]), w), ddof=1)
    return out


def _weighted_slopes(x, y, w) -> np.ndarray:
    """Slopes of the weighted least-squares lines through (x, y[b]) for every row b of ``y``
    (the slope of :func:`fit_power_law`, here with the weights w held fixed)."""
    xm = np.sum(w * x) / np.sum(w)
    return (y @ (w * (x - xm))) / np.sum(w * (x - xm) ** 2)


def replicas_needed(R: int, distance, stderr, batch: int, cap: int) -> int:
    """The replica rule of a 1/N study (the issue: standard error below a fifth of the distance):
    s.e. ∝ R^{-1/2}, so R ← ⌈1.1 R max_j(5 s.e._j/D_j)²⌉ in whole batches, at most ``cap``; R when
    every s.e. is already below D/5."""
    q = float(np.max(5 * np.asarray(stderr) / np.maximum(np.asarray(distance), 1e-300)))
    if q <= 1:
        return R
    want = math.ceil(1.1 * R * q * q)
    return min(cap, max(R + batch, batch * math.ceil(want / batch)))


def one_marginal_distance(phi, reference) -> tuple[float, float]:
    """``(D₁, s.e.)``: ``phi [R, N, F]`` the family at the particles, ``reference [F]`` = ⟨φ, f⟩."""
    return one_marginal_distance_of_means(replica_summaries(phi)[0], reference)


def pair_distance(phi) -> tuple[float, float]:
    """``(D₂, s.e.)``: the max over pairs (φ, ψ) of Φ of |⟨φ⊗ψ, f_{N,2} − f_{N,1}⊗f_{N,1}⟩|."""
    return pair_distance_of_summaries(*replica_summaries(phi))


@dataclass(frozen=True)
class PowerLaw:
    slope: float
    slope_stderr: float
    prefactor: float


def fit_power_law(n, distance, stderr) -> PowerLaw:
    """Weighted least squares of log D against log N (weights 1/s.e.(log D)² = (D/s.e.)²)."""
    x = np.log(np.asarray(n, dtype=float))
    y = np.log(np.asarray(distance, dtype=float))
    w = (np.asarray(distance, dtype=float) / np.asarray(stderr, dtype=float)) ** 2
    X = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    a, s = cov @ X.T @ (w * y)
    return PowerLaw(float(s), float(np.sqrt(cov[1, 1])), float(np.exp(a)))


def first_order_limit(n, scaled, stderr) -> tuple[float, float]:
    r"""``(c, s.e.)``: the N → ∞ limit of $N(\langle\phi, f_{N,1}\rangle - \langle\phi, f\rangle)$ by
    weighted least squares of ``scaled`` = $c + b/N$ (the Bogolyubov expansion of the Promislow
    tutorial, "Corrections to Mean Field limit" (Duerinckx): $f_{N,1} = f + h/N + O(N^{-2})$, so c
    is ⟨φ, h⟩, the first-order correction)."""
    x = 1.0 / np.asarray(n, dtype=float)
    y = np.asarray(scaled, dtype=float)
    w = 1.0 / np.asarray(stderr, dtype=float) ** 2
    X = np.stack([np.ones_like(x), x], axis=1)
    cov = np.linalg.inv(X.T @ (w[:, None] * X))
    c, _ = cov @ X.T @ (w * y)
    return float(c), float(np.sqrt(cov[0, 0]))


__all__ = ["PowerLaw", "bootstrap_slope_stderr", "coupled_distance_values", "coupled_distances",
           "first_order_limit", "fit_power_law", "one_marginal_distance",
           "one_marginal_distance_of_means", "pair_distance", "pair_distance_of_summaries",
           "replica_summaries", "replicas_needed", "smooth_family"]
