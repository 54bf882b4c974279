r"""Operator-splitting schemes for $∂_t f = (A + B) f$: A = free streaming, B = kick (force, BGK).

A scheme is a sequence of stages ``("x", a)`` — stream for ``a·dt`` — and ``("v", b)`` — kick
for ``b·dt``. Each sub-flow is solved exactly along its characteristics (a translation), so the
time error is the splitting error of the declared ``order``; the tests fit it and compare.

* ``strang`` — $e^{A dt/2} e^{B dt} e^{A dt/2}$, order 2, symmetric (time-reversible); with the
  mean field it is the Störmer–Verlet scheme of the characteristics (stable for ω_p dt < 2).
* ``triple_jump`` — Yoshida's composition $S(w_1 dt) S(w_0 dt) S(w_1 dt)$ of Strang steps,
  $w_1 = 1/(2 - 2^{1/3})$, $w_0 = 1 - 2w_1 < 0$, order 4, symmetric. Its negative sub-step makes it
  unusable with the dissipative BGK term.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SplittingScheme:
    name: str
    order: int
    description: str
    stages: tuple[tuple[str, float], ...]

    @property
    def positive(self) -> bool:
        """All sub-steps forward in time (required with a dissipative operator such as BGK)."""
        return all(c > 0 for _, c in self.stages)

    def kick_offsets(self) -> list[float]:
        """Time offset (in units of dt) at which each kick stage acts, for time-dependent fields."""
        t, out = 0.0, []
        for kind, c in self.stages:
            if kind == "x":
                t += c
            else:
                out.append(t)
        return out


def _triple_jump() -> SplittingScheme:
    w1 = 1.0 / (2.0 - 2.0 ** (1.0 / 3.0))
    w0 = 1.0 - 2.0 * w1
    stages = (("x", w1 / 2), ("v", w1), ("x", (w1 + w0) / 2), ("v", w0), ("x", (w0 + w1) / 2),
              ("v", w1), ("x", w1 / 2))
    return SplittingScheme("triple_jump", 4, "Yoshida triple jump of Strang steps (order 4)", stages)


SCHEMES: dict[str, SplittingScheme] = {
    "strang": SplittingScheme("strang", 2, "Strang: half stream, kick, half stream (order 2)",
                              (("x", 0.5), ("v", 1.0), ("x", 0.5))),
    "triple_jump": _triple_jump(),
}
