r"""Fits of linear rates from time series: damped oscillations and exponential growth.

Two estimators, both standard for Landau damping and two-stream tests:

* :func:`fit_peaks` — the maxima of log W(t) (W the field energy, ∝ e^{2γt} cos²(ωt − φ)), each
  refined by a parabola through the three samples around it; γ = half the slope of a straight
  line through the peak values, ω = π / mean peak spacing.
* :func:`fit_damped_mode` — least squares of a signal (a Fourier mode of the density or field)
  to $A e^{γt}\cos(ωt - φ) + c$ on a time window, started from the peak estimate.
* :func:`fit_growth` — slope of log W over a window where it is straight (purely growing mode):
  γ = slope/2 for an energy, slope for an amplitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RateFit:
    rate: float        # γ (negative: damping)
    frequency: float   # ω (0 for a purely growing mode)
    points: int        # samples (or peaks) used


def peaks(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local maxima of y(t), refined by a three-point parabola: (times, values)."""
    t, y = np.asarray(t, float), np.asarray(y, float)
    i = np.nonzero((y[1:-1] > y[:-2]) & (y[1:-1] >= y[2:]))[0] + 1
    a, b, c = y[i - 1], y[i], y[i + 1]
    den = a - 2 * b + c
    off = np.where(den != 0, 0.5 * (a - c) / np.where(den != 0, den, 1.0), 0.0)
    h = t[i + 1] - t[i]
    return t[i] + off * h, b - 0.25 * (a - c) * off


def fit_peaks(t, energy, window: tuple[float, float]) -> RateFit:
    """γ and ω from the peaks of log(energy) within ``window``."""
    tp, vp = peaks(t, np.log(np.asarray(energy)))
    sel = (tp >= window[0]) & (tp <= window[1])
    if sel.sum() < 3:
        raise ValueError(f"only {sel.sum()} peaks in {window}; need ≥ 3")
    slope = np.polyfit(tp[sel], vp[sel], 1)[0]
    return RateFit(0.5 * slope, float(np.pi / np.mean(np.diff(tp[sel]))), int(sel.sum()))


def fit_damped_mode(t, signal, window: tuple[float, float]) -> RateFit:
    """Least-squares fit of ``signal`` to A e^{γt} cos(ωt − φ) + c on ``window``."""
    from scipy.optimize import least_squares

    t, y = np.asarray(t, float), np.asarray(signal, float)
    sel = (t >= window[0]) & (t <= window[1])
    ts, ys = t[sel], y[sel]
    guess = fit_peaks(t, y * y + 1e-300, window)
    scale = np.max(np.abs(ys))
    t0 = ts[0]

    def resid(p):
        A, g, w, ph, c = p
        return (A * np.exp(g * (ts - t0)) * np.cos(w * (ts - t0) - ph) + c - ys) / scale

    best = None
    for ph in np.linspace(0, 2 * np.pi, 8, endpoint=False):
        r = least_squares(resid, [scale, guess.rate, guess.frequency, ph, 0.0], x_scale="jac")
        if best is None or r.cost < best.cost:
            best = r
    g, w = best.x[1], best.x[2]
    return RateFit(float(g), float(abs(w)), int(sel.sum()))


def fit_growth(t, energy, window: tuple[float, float], *, energy_like: bool = True) -> RateFit:
    """Growth rate from the slope of log(energy) on ``window`` (γ = slope/2 for an energy)."""
    t, y = np.asarray(t, float), np.log(np.asarray(energy, float))
    sel = (t >= window[0]) & (t <= window[1])
    slope = np.polyfit(t[sel], y[sel], 1)[0]
    return RateFit(float(slope / 2 if energy_like else slope), 0.0, int(sel.sum()))


def plasma_z(zeta):
    r"""Fried–Conte plasma dispersion function $Z(ζ) = i\sqrt{π}\,w(ζ)$ (Faddeeva w; entire, so
    this is the Landau-continued Z for every ζ)."""
    from scipy.special import wofz

    return 1j * np.sqrt(np.pi) * wofz(zeta)


def dispersion_root(uk: float, k: float, *, density: float = 1.0, temperature: float = 1.0,
                    guess: complex = 1.4 - 0.15j) -> complex:
    r"""Root ω of the linear dielectric function of a Maxwellian plasma with pair kernel $\hat U$:

    $$ε(k, ω) = 1 + \frac{n_0 \hat U(k)}{θ}\,\bigl(1 + ζ Z(ζ)\bigr) = 0,\qquad ζ = \frac{ω}{\sqrt{2θ}\,k},$$

    (for Coulomb, $n_0\hat U = 1/k^2$ gives docs/references.md's $1 + (1 + ζZ)/k^2 = 0$). Returns
    ω = frequency + i·rate, found by Newton's method from ``guess``."""
    c = density * uk / temperature
    s = np.sqrt(2 * temperature) * k

    def eps(w):
        z = w / s
        return 1 + c * (1 + z * plasma_z(z))

    w = complex(guess)
    for _ in range(100):
        h = 1e-7 * max(1.0, abs(w))
        step = eps(w) / ((eps(w + h) - eps(w - h)) / (2 * h))
        w -= step
        if abs(step) < 1e-14 * max(1.0, abs(w)):
            break
    return w
