r"""Ensemble averages over independent replicas, with standard errors.

The statistics level estimates expectations $\mathbb E[\,\cdot\,]$ under the N-particle law $f_N(t)$
from R independent replicas (tutorial "Probabilistic Interpretation": $f_N$ is the law of the
N-particle state, and every linear projection $\langle \phi, f_N\rangle$ is an expectation). For a
quantity $X_r$ measured on replica r,

$$ \bar X = \frac1R \sum_r X_r, \qquad
   \mathrm{s.e.}(\bar X) = \sqrt{\frac{1}{R(R-1)}\sum_r (X_r - \bar X)^2}, $$

(replicas are independent, so this is the exact standard error of the mean, no autocorrelation
correction). Non-linear functions of ensemble means (a product of two marginals, a ratio) take the
delete-one **jackknife** (:func:`jackknife`): with $\bar X_{(k)}$ the mean without replica k and
$\theta_k = \theta(\bar X_{(k)})$,
$\mathrm{s.e.} = \sqrt{\frac{R-1}{R}\sum_k (\theta_k - \bar\theta)^2}$ (Efron & Tibshirani, *An
Introduction to the Bootstrap*, ch. 11), which equals the formula above when θ is linear.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def mean_stderr(values, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean over replicas (``axis``) and its standard error (0 when there is one replica)."""
    x = np.asarray(values, dtype=float)
    R = x.shape[axis]
    m = x.mean(axis=axis)
    if R < 2:
        return m, np.zeros_like(m)
    return m, x.std(axis=axis, ddof=1) / np.sqrt(R)


def jackknife(fn: Callable, *per_replica) -> tuple[np.ndarray, np.ndarray]:
    """``fn(*means)`` of ensemble means, and its delete-one jackknife standard error.

    ``per_replica``: arrays with the replica axis first; ``fn`` receives their means (replica axis
    removed) and returns an array. Cost: R + 1 calls of ``fn`` on means computed from running sums.
    """
    xs = [np.asarray(x, dtype=float) for x in per_replica]
    R = xs[0].shape[0]
    sums = [x.sum(axis=0) for x in xs]
    full = np.asarray(fn(*[s / R for s in sums]))
    if R < 2:
        return full, np.zeros_like(full)
    loo = np.stack([np.asarray(fn(*[(s - x[k]) / (R - 1) for s, x in zip(sums, xs, strict=True)]))
                    for k in range(R)])
    se = np.sqrt((R - 1) / R * np.sum((loo - loo.mean(axis=0)) ** 2, axis=0))
    return full, se


__all__ = ["jackknife", "mean_stderr"]
