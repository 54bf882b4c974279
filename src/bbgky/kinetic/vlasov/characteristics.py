r"""The characteristics of a Vlasov solution: particles moved by its mean field.

The Vlasov equation $\partial_t f + v\cdot\nabla_x f + a(t, x)\cdot\nabla_v f = 0$,
$a = -\nabla(U * n)$ (1D1V or 2D2V), transports f along $\dot x = v$, $\dot v = a(t, x)$. Started
from i.i.d. samples of $f_0$, these characteristics are i.i.d. with law f(t); started from the
initial states of an N-particle system they are Sznitman's coupled mean-field particles (Promislow
tutorial, "Rigorous Mean Field Limit", after Golse's lecture notes): each particle's twin in the
limit dynamics, the control variate of the 1/N study (:mod:`bbgky.scenarios.n_study`).

The field is given by its Fourier coefficients on the periodic box at every time step (the
``fftn`` of each component a_i on the grid, divided by the number of points), so it is evaluated
at any position without interpolation error: $a(x) = \mathrm{Re}\sum_{m} c_m e^{i k_m\cdot x}$.
"""

from __future__ import annotations

import numpy as np


def field_modes(acceleration) -> np.ndarray:
    """``[m_1, …, m_d, d]``: the ``fftn`` coefficients / points of the components ``a_i [n_1, …, n_d]``."""
    comps = [np.asarray(a) for a in acceleration]
    return np.stack([np.fft.fftn(a) / a.size for a in comps], axis=-1)


def acceleration_from_modes(modes: np.ndarray, wavenumbers, x: np.ndarray) -> np.ndarray:
    r"""$a(x) = \mathrm{Re}\sum_m c_m e^{i k_m\cdot x}$ at positions ``x [..., d]`` from the
    ``fftn`` coefficients ``modes [m_1, …, m_d, d]`` on the axis wavenumbers ``wavenumbers[i]``
    (``2π fftfreq``); the sum is separable, axis by axis."""
    x = np.asarray(x, dtype=float)
    d = x.shape[-1]
    pts = x.reshape(-1, d)
    out = np.asarray(modes).reshape(len(wavenumbers[0]), -1)  # [m_1, rest]
    a = np.exp(1j * pts[:, :1] * wavenumbers[0]) @ out  # [P, m_2 … m_d · d]
    for i in range(1, d):
        a = a.reshape(len(pts), len(wavenumbers[i]), -1)
        a = np.einsum("pm,pmr->pr", np.exp(1j * pts[:, i:i + 1] * wavenumbers[i]), a)
    return np.real(a).reshape(x.shape)


def characteristics(field: np.ndarray, wavenumbers, x, v, dt: float, steps: int, every: int = 1):
    """Advance ẋ = v, v̇ = a(t, x) from ``(x, v)`` (``[..., d]``) by velocity Verlet with step
    ``dt`` (the particle level's scheme and step, so the N-particle system and its coupled twins
    share the time discretisation); ``field [steps + 1, m_1, …, m_d, d]``: the acceleration modes
    at every step (:func:`field_modes`, :func:`acceleration_from_modes`). Returns ``[(x, v)]`` at
    t = 0 and after every ``every`` steps."""
    x, v = np.array(x, dtype=float), np.array(v, dtype=float)
    a = acceleration_from_modes(field[0], wavenumbers, x)
    out = [(x.copy(), v.copy())]
    for n in range(1, steps + 1):
        v = v + 0.5 * dt * a
        x = x + dt * v
        a = acceleration_from_modes(field[n], wavenumbers, x)
        v = v + 0.5 * dt * a
        if n % every == 0:
            out.append((x.copy(), v.copy()))
    return out


__all__ = ["acceleration_from_modes", "characteristics", "field_modes"]
