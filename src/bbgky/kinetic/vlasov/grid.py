"""The periodic phase-space grid of the Vlasov solvers (1D1V and 2D2V).

Positions are periodic on ``[0, L_i)`` with nodes ``x_j = j Δx_i`` (``Δx_i = L_i / N_x``).
Velocities are cell-centred on ``[−v_max, v_max]``: ``v_j = −v_max + (j + ½) Δv``,
``Δv = 2 v_max / N_v``, so the grid is symmetric about v = 0 and a centred Maxwellian has zero
discrete momentum. The distribution is stored as one array of shape ``[*n_x, *n_v]``: position
axes first, then velocity axes. Translations in v treat the velocity interval as periodic; the
solvers require (and monitor) that f is negligible at ``±v_max``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PhaseGrid:
    """A uniform phase-space grid in d = 1 or 2 space dimensions (same d in velocity).

    ``n_x``/``n_v``: points per position/velocity axis; ``lengths``: periodic box sides;
    ``velocity_max``: velocity half-width.
    """

    n_x: tuple[int, ...]
    n_v: tuple[int, ...]
    lengths: tuple[float, ...]
    velocity_max: float

    def __post_init__(self) -> None:
        d = len(self.n_x)
        if d not in (1, 2) or len(self.n_v) != d or len(self.lengths) != d:
            raise ValueError("PhaseGrid needs d = 1 or 2 entries in n_x, n_v and lengths")
        if min(self.n_x + self.n_v) < 8:
            raise ValueError(f"every grid axis needs at least 8 points, got n_x={self.n_x}, n_v={self.n_v}")

    @classmethod
    def from_shape(cls, shape: list[int] | tuple[int, ...], lengths: float | tuple[float, ...],
                   velocity_max: float) -> PhaseGrid:
        """``shape`` = [Nx, Nv] (1D1V) or [Nx, Ny, Nvx, Nvy] (2D2V), as in ``[levels.vlasov].grid``."""
        shape = tuple(int(s) for s in shape)
        d = len(shape) // 2
        if isinstance(lengths, (int, float)):
            lengths = (float(lengths),) * d
        return cls(shape[:d], shape[d:], tuple(float(x) for x in lengths), float(velocity_max))

    # -- sizes ---------------------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        return len(self.n_x)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.n_x + self.n_v

    @property
    def dx(self) -> tuple[float, ...]:
        return tuple(L / n for L, n in zip(self.lengths, self.n_x, strict=True))

    @property
    def dv(self) -> tuple[float, ...]:
        return tuple(2.0 * self.velocity_max / n for n in self.n_v)

    @property
    def volume(self) -> float:
        """|Ω|, the volume of the periodic box."""
        return float(math.prod(self.lengths))

    @property
    def cell_x(self) -> float:
        return float(math.prod(self.dx))

    @property
    def cell_v(self) -> float:
        return float(math.prod(self.dv))

    @property
    def cell(self) -> float:
        """Phase-space cell volume Δx^d Δv^d."""
        return self.cell_x * self.cell_v

    @property
    def cells(self) -> int:
        return int(math.prod(self.shape))

    # -- coordinates ---------------------------------------------------------------------------
    def x(self, axis: int = 0) -> np.ndarray:
        return np.arange(self.n_x[axis]) * self.dx[axis]

    def v(self, axis: int = 0) -> np.ndarray:
        return -self.velocity_max + (np.arange(self.n_v[axis]) + 0.5) * self.dv[axis]

    def x_mesh(self) -> list[np.ndarray]:
        """Position coordinates broadcastable against the position block ``[*n_x]``."""
        return list(np.meshgrid(*[self.x(i) for i in range(self.dimension)], indexing="ij"))

    def v_mesh(self) -> list[np.ndarray]:
        """Velocity coordinates broadcastable against the velocity block ``[*n_v]``."""
        return list(np.meshgrid(*[self.v(i) for i in range(self.dimension)], indexing="ij"))

    def phase_mesh(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(positions, velocities), each broadcastable against the full ``[*n_x, *n_v]`` array."""
        d = self.dimension
        xs = [x.reshape(x.shape + (1,) * d) for x in self.x_mesh()]
        vs = [v.reshape((1,) * d + v.shape) for v in self.v_mesh()]
        return xs, vs

    def wavenumbers(self) -> list[np.ndarray]:
        """Angular wavenumbers k_i of the full FFT on the position block, as an ij-mesh."""
        ks = [2 * np.pi * np.fft.fftfreq(n, d=L / n) for n, L in zip(self.n_x, self.lengths, strict=True)]
        return list(np.meshgrid(*ks, indexing="ij"))

    def describe(self) -> str:
        dims = "×".join(str(n) for n in self.shape)
        box = " × ".join(f"{L:.6g}" for L in self.lengths)
        return f"{self.dimension}D{self.dimension}V grid {dims}, box {box}, |v| ≤ {self.velocity_max:g}"
