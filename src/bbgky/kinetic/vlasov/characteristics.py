r"""The characteristics of a Vlasov solution: particles moved by its mean field.

In 1D1V the Vlasov equation $\partial_t f + v\,\partial_x f + a(t, x)\,\partial_v f = 0$,
$a = -\partial_x(U * n)$, transports f along $\dot x = v$, $\dot v = a(t, x)$. Started from
i.i.d. samples of $f_0$, these characteristics are i.i.d. with law f(t); started from the initial
states of an N-particle system they are Sznitman's coupled mean-field particles (Promislow
tutorial, "Rigorous Mean Field Limit", after Golse's lecture notes): each particle's twin in the
limit dynamics, the control variate of the 1/N study (:mod:`bbgky.scenarios.n_study`).

The field is given by its Fourier coefficients on the periodic box at every time step (the rfft
of a(x) on the grid, divided by the number of points), so it is evaluated at any position without
interpolation error.
"""

from __future__ import annotations

import numpy as np


def acceleration_from_modes(modes: np.ndarray, x: np.ndarray, box: float) -> np.ndarray:
    r"""$a(x) = \mathrm{Re}\sum_m c_m e^{i k_m x}$, $k_m = 2\pi m/\ell$, from the rfft coefficients
    ``modes`` ($c_0$ once, $c_m$ for m ≥ 1 twice: a is real)."""
    k = 2 * np.pi * np.arange(len(modes)) / box
    weight = np.where(np.arange(len(modes)) == 0, 1.0, 2.0) * modes
    return np.real(np.exp(1j * x[..., None] * k) @ weight)


def characteristics(field: np.ndarray, box: float, x, v, dt: float, steps: int, every: int = 1):
    """Advance ẋ = v, v̇ = a(t, x) from ``(x, v)`` by velocity Verlet with step ``dt`` (the particle
    level's scheme and step, so the N-particle system and its coupled twins share the time
    discretisation); ``field [steps + 1, modes]``: the acceleration modes at every step
    (:func:`acceleration_from_modes`). Returns ``[(x, v)]`` at t = 0 and after every ``every``
    steps."""
    x, v = np.array(x, dtype=float), np.array(v, dtype=float)
    a = acceleration_from_modes(field[0], x, box)
    out = [(x.copy(), v.copy())]
    for n in range(1, steps + 1):
        v = v + 0.5 * dt * a
        x = x + dt * v
        a = acceleration_from_modes(field[n], x, box)
        v = v + 0.5 * dt * a
        if n % every == 0:
            out.append((x.copy(), v.copy()))
    return out


__all__ = ["acceleration_from_modes", "characteristics"]
