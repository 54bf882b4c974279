"""The configuration of a scenario (INTERFACE.md): pydantic models, TOML loading, validation.

A configuration is data only: TOML is parsed with :mod:`tomllib` and validated here; nothing in it
is ever executed. :func:`load` and :func:`validate` raise :class:`~bbgky.errors.ConfigError`
listing *every* problem with its key and the allowed range.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import ConfigError
from .models import flows
from .models.potentials import REGISTRY, ScaledParameters, scale_parameters

Positive = Annotated[float, Field(gt=0)]

#: Bounds every number of every table obeys, on top of its own ``Field(ge=…, le=…)`` (a new field
#: inherits them by being declared on a :class:`_Table`): floats are finite with 0 or
#: FLOAT_TINY ≤ |x| ≤ FLOAT_HUGE (reduced units: beyond that, powers such as σ¹² overflow); integers
#: are at most INT_MAX (JAX and Numba index with 32-bit integers). Sizes are bounded further by the
#: memory estimate and run lengths by MAX_STEPS / MAX_SAVES (:func:`resource_check`).
FLOAT_HUGE = 1e12
FLOAT_TINY = 1e-12
INT_MAX = 2**31 - 1


def _numbers_problem(value: Any, allow_bool: bool) -> str | None:
    """Why ``value`` (a number, or lists of them) breaks the generic bounds, else None."""
    if isinstance(value, bool):
        return None if allow_bool else "must be a number, not a boolean (true/false)"
    if isinstance(value, int):
        return None if abs(value) <= INT_MAX else f"must be at most {INT_MAX} in magnitude (got {value:.3e})"
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"must be a finite number (got {value})"
        if value != 0 and not FLOAT_TINY <= abs(value) <= FLOAT_HUGE:
            return f"must be 0 or between {FLOAT_TINY:g} and {FLOAT_HUGE:g} in magnitude (got {value:.6g})"
        return None
    if isinstance(value, (list, tuple)):
        for k, x in enumerate(value):
            why = _numbers_problem(x, allow_bool)
            if why:
                return f"entry {k}: {why}"
    return None


def _literal_ints(annotation: Any) -> bool:
    """True for ``Literal[1, 2, 3]`` (possibly Optional): a float or boolean must not match it."""
    for arg in (annotation, *getattr(annotation, "__args__", ())):
        if getattr(arg, "__origin__", None) is Literal and all(type(a) is int for a in arg.__args__):
            return True
    return False


class _Table(BaseModel):
    """Base of every configuration table: unknown keys refused, values frozen, and strict types —
    TOML has types, so ``"64"``, ``true`` or ``64.0`` for an integer are mistakes to report, not to
    coerce; every number (also inside arrays) finite and within the generic bounds above."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        ann = cls.model_fields[info.field_name].annotation
        if isinstance(value, bool) and "bool" not in repr(ann):
            raise ValueError("must not be a boolean (true/false): give a number or a string as documented")
        if _literal_ints(ann) and not (type(value) is int or value is None):
            raise ValueError(f"must be an integer (got {type(value).__name__} {value!r})")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _generic_bounds(cls, value: Any, info: ValidationInfo) -> Any:
        if not isinstance(value, BaseModel):
            why = _numbers_problem(value, "bool" in repr(cls.model_fields[info.field_name].annotation))
            if why:
                raise ValueError(why)
        return value


class System(_Table):
    """``[system]``: the N-particle system and its initial thermodynamic state."""

    dimension: Literal[1, 2, 3] = Field(3, description="space dimension d")
    particles: int = Field(1000, ge=2, description="N at the particle level")
    density: Positive = Field(0.1, description="initial number density ρ0")
    temperature: Positive = Field(1.0, description="initial temperature θ0 (k_B = m = 1)")
    seed: int = Field(1, ge=0, description="seed of every random key of the run")


#: the registered pair potentials (:data:`bbgky.models.potentials.REGISTRY`: a new one is accepted here
#: without an edit), then the long-range, kinetic-only and dipolar models.
PotentialName = Literal[(*REGISTRY, "coulomb", "hard_sphere", "maxwell", "dipolar")]


class Interaction(_Table):
    """``[interaction]``: the pair potential and the interaction scaling."""

    potential: PotentialName = Field("wca", description="pair potential (or kinetic-only model)")
    sigma: Positive = Field(1.0, description="length scale σ")
    epsilon: Positive = Field(1.0, description="energy scale ε")
    cutoff: Positive | None = Field(None, description="cut-off radius (default: the potential's own)")
    cutoff_mode: Literal["shifted", "shifted_force", "none"] | None = Field(
        None, description="cut-off treatment (default: the potential's own)")
    exponent: float = Field(12.0, gt=3, description="ipl: U = ε(σ/r)^exponent")
    screening_length: Positive = Field(1.0, description="yukawa: screening length λ")
    scaling: Literal["physical", "mean_field", "boltzmann_grad"] = Field(
        "physical", description="interaction scaling (James–Qi–Wang eqs. 13, 14, 17)")
    range: Positive | None = Field(None, description="boltzmann_grad: range ε of U(r/ε)/ε")
    # the dipolar solvent (potential = "dipolar", dimension 2; docs/dipolar.md)
    charge: Positive = Field(1.0, description="dipolar: partial charge q (±q at x ± (ℓ/2)d(θ))")
    bond_length: float = Field(0.3, description="dipolar: charge separation ℓ > 0 (p = qℓ)")
    permittivity: Positive = Field(1.0, description="dipolar: ε0 in −ε0Δψ = σ")
    core_exponent: float = Field(12.0, gt=0, description="dipolar: α in Φ = (r^-α − b(Δθ))e^{−r²}")
    inertia: Positive | None = Field(None, description="dipolar: moment of inertia I (default mℓ²/4)")
    electrostatics: Literal["charges", "point_dipoles", "none"] = Field(
        "charges", description="dipolar: finite charges, point dipoles p = qℓ, or none (Φ only)")
    accuracy: float = Field(1e-5, description="dipolar: Ewald relative accuracy δ in [1e-13, 1) "
                            "(Gaussian tails e^{-s²} = δ)")
    ewald_method: Literal["ewald", "pme"] = Field(
        "ewald", description="dipolar: reciprocal sum by Ewald (O(N·K)) or smooth particle-mesh "
        "Ewald (FFT grid and B-spline order chosen for the same accuracy)")
    applied_field: list[float] = Field([0.0, 0.0], description="dipolar: uniform applied field E0 "
                                       "(adds −M·E0)")

    def potential_kwargs(self, particles: int) -> dict[str, Any]:
        """Arguments of :func:`bbgky.models.potentials.make_potential`."""
        extra = {k: getattr(self, k) for k in REGISTRY[self.potential].extra}
        return dict(sigma=self.sigma, epsilon=self.epsilon, cutoff=self.cutoff,
                    cutoff_mode=self.cutoff_mode, scaling=self.scaling, range_=self.range,
                    particles=particles, **extra)

    def scaled_parameters(self, particles: int) -> ScaledParameters:
        """σ, ε, cut-off and extra parameters after the interaction scaling
        (:func:`bbgky.models.potentials.scale_parameters`, the one place it is computed)."""
        extra = {k: getattr(self, k) for k in REGISTRY[self.potential].extra} \
            if self.potential in REGISTRY else {}
        return scale_parameters(self.potential, sigma=self.sigma, epsilon=self.epsilon, cutoff=self.cutoff,
                                scaling=self.scaling, range_=self.range, particles=particles, **extra)


class Flow(_Table):
    """``[flow]``: the velocity gradient A of objective MD."""

    kind: Literal["simple_shear", "planar_extension", "uniaxial_extension", "isotropic_expansion",
                  "matrix"] = Field("simple_shear", description="preset or explicit matrix")
    rate: float = Field(0.0, description="rate multiplying the preset")
    matrix: list[list[float]] | None = Field(None, description="kind = 'matrix': A as d rows of d")


class Time(_Table):
    """``[time]``: the run's time span, step and save interval."""

    end: Positive = Field(10.0, description="final time")
    step: Positive = Field(0.005, description="time step dt; the grid Boltzmann methods (spectral, bgk) "
                           "choose their step from the collision rate and the flow when it is omitted "
                           "(docs/boltzmann.md), the value then only sets the save grid")
    save_every: Positive = Field(0.1, description="interval between saved observables")


class ProductProfile(_Table):
    """``initial.profile``: the density ρ0 (1 + α cos(k x)) of product data along the first axis."""

    amplitude: float = Field(0.0, ge=0, le=1, description="α (0 ≤ α ≤ 1: the density stays ≥ 0)")
    wavenumber: Positive = Field(1.0, description="k; k·L/(2π) must be an integer (L the box length)")


class Initial(_Table):
    """``[initial]``: the initial law."""

    kind: Literal["maxwellian", "anisotropic", "bkw", "landau", "two_stream", "bump_on_tail",
                  "lattice", "file", "product"] = Field(
        "maxwellian", description="initial state; product: exactly f0^{⊗N} (i.i.d. positions from "
        "initial.profile, i.i.d. Maxwellian velocities, no equilibration)")
    profile: ProductProfile | None = Field(None, description="product: density profile (uniform if absent)")
    start: float = Field(6.5, ge=0, description="bkw: BKW time at t = 0")
    amplitude: float = Field(0.01, ge=0, description="landau/two_stream: perturbation amplitude")
    wavenumber: Positive = Field(0.5, description="landau/two_stream: wavenumber k")
    temperature_tensor: list[list[float]] | None = Field(None, description="anisotropic: θ tensor")
    equilibration: float = Field(
        2.0, ge=0, description="particles: equilibration time at θ0 before t = 0 (lattice start)")
    path: str | None = Field(None, description="file: particle file (extended XYZ, LAMMPS data)")
    angles: Literal["uniform", "aligned"] = Field(
        "uniform", description="rotating particles (dipolar): angles uniform on [0, 2π) or all "
        "equal to initial.angle (a file's angles, when it has them, take precedence)")
    angle: float = Field(0.0, description="aligned: the common angle θ0 (rad) of the directors "
                         "d = (cos θ0, sin θ0)")


class ParticlesLevel(_Table):
    """``[levels.particles]``: objective molecular dynamics."""

    backend: Literal["auto", "jax", "numba"] = Field(
        "auto", description="auto: Numba kernels on CPU for registered potentials, JAX otherwise")
    skin: float = Field(0.3, ge=0, description="neighbour-list skin (σ units); lowered for a piece "
                        "where the deformed cell is too thin for cut-off + skin")
    threads: int = Field(1, ge=1, le=256, description="numba backend: CPU threads of the force loop "
                         "(results differ from one thread by round-off only)")
    velocity_samples: int = Field(1000, ge=0, description="peculiar velocities of this many particles "
                                  "(the first ones) saved at every save, for W1 to the kinetic level "
                                  "(0: none)")


class Thermostat(_Table):
    """``[thermostat]``: canonical sampling at the particle level (NVE when the table is absent)."""

    kind: Literal["langevin"] = Field("langevin", description="langevin: OBABO splitting on the "
                                      "peculiar and angular velocities (JAX backend)")
    temperature: Positive = Field(1.0, description="bath temperature θ (k_B = 1)")
    damping: Positive = Field(1.0, description="friction γ (1/time) on v and ω")


class External(_Table):
    """``[external]``: a one-body potential at the particle level (equilibrium inhomogeneous states)."""

    kind: Literal["cosine"] = Field("cosine", description="cosine: V(x) = V0 cos(k x₁) along the first "
                                    "axis, force −∇V (autodiff on JAX, the symbolic derivative on "
                                    "Numba); with a [flow], the first row of A must be zero (V the "
                                    "same at every image)")
    amplitude: float = Field(1.0, description="V0 (energy; either sign)")
    wavenumber: Positive = Field(1.0, description="k; k·L/(2π) must be a positive integer (L the box "
                                 "length)")


class Ensemble(_Table):
    """``[ensemble]``: independent replicas of the particle system (statistics over replicas)."""

    replicas: int = Field(1, ge=1, le=4096, description="particles: R independent systems of the "
                          "particle level (replica r seeded by fold_in(seed, r)); R > 1 stores ensemble "
                          "means with <name>_stderr in particles.nc")


class Output(_Table):
    """``[output]``: optional outputs beyond the netCDF files and the report."""

    trajectory_every: int | None = Field(
        None, ge=1, description="particles: write trajectory.xyz (extended XYZ through ase.io: OVITO, "
        "ASE) with replica 0 every this many saves (unset: none)")


class BoltzmannLevel(_Table):
    """``[levels.boltzmann]``: homo-energetic Boltzmann equation (eq. 6), d = 3 or 2 velocity dimensions."""

    method: Literal["dsmc", "spectral", "bgk", "moments"] = Field(
        "dsmc", description="solver: dsmc, spectral (fast spectral method), bgk (BGK model on the "
        "spectral grid) or moments (exact second-moment ODE, Maxwell molecules)")
    kernel: Literal["hard_sphere", "maxwell", "vhs", "from_potential"] = Field(
        "hard_sphere", description="collision kernel (interaction.potential = 'maxwell' or 'hard_sphere' "
        "selects it when this key is omitted); hard_sphere/vhs diameter = interaction.sigma (hard disks "
        "in 2D: cross-section 2σ); from_potential: classical scattering by interaction.potential (with "
        "its Boltzmann–Grad scaling; 3D)")
    backend: Literal["auto", "jax", "numba"] = Field(
        "auto", description="DSMC: jax (vmapped; replicas sharded over several devices) or numba (the same "
        "scheme in CPU kernels, replicas on NUMBA_NUM_THREADS threads; 3D); auto: numba when JAX runs on the "
        "CPU and d = 3")
    samples: int = Field(200_000, ge=2, description="DSMC simulators per replica")
    replicas: int = Field(4, ge=1, le=1024, description="DSMC: independent replicas (error bars need ≥ 2)")
    velocity_samples: int = Field(1000, ge=0, description="DSMC: peculiar velocities of this many "
                                  "simulators of the first two replicas saved at every save (W1 to the "
                                  "particle level and its sampling floor; 0: none)")
    collision_fraction: float = Field(
        0.1, gt=0, le=0.5, description="DSMC: largest probability that a pair is a collision candidate "
        "in one step (sets the majorant-limited step; time.step is the upper bound)")
    grid: int = Field(32, ge=8, le=128, description="spectral/bgk: points per velocity dimension")
    velocity_extent: float = Field(
        8.0, ge=3, le=40, description="spectral/bgk: half-width L of the velocity box in units of "
        "sqrt(θ(t)) (the box follows the temperature)")
    truncation: float = Field(1.0, gt=0.2, le=2.0,
                              description="spectral: relative-speed cut-off R in units of L")
    radial_points: int | None = Field(None, ge=2, le=256, description="spectral: Gauss–Legendre radial "
                                      "nodes (default grid/2, at least 8)")
    sphere_degree: int | None = Field(
        None, ge=3, le=59, description="spectral: exactness degree of the Lebedev rule for the collision "
        "direction σ (2D: of the trapezoidal rule on the circle). Default: 11 without a flow, 17 with one "
        "(sheared states need ≥ 17 for 0.1 %, a* = 2 needs 29: docs/boltzmann.md), plus the degree n of a "
        "maxwell angular polynomial (it needs n more than isotropic scattering)")
    scheme: Literal["heun", "ssprk3", "rk4"] = Field("rk4", description="spectral/bgk: Runge–Kutta "
                                                     "scheme (orders 2, 3, 4)")
    omega: float = Field(0.75, ge=0.5, le=1.0, description="vhs: viscosity exponent ω (μ ∝ θ^ω)")
    reference_speed: float = Field(1.0, gt=0, description="vhs: relative speed at which the diameter "
                                   "is interaction.sigma")
    angular_cutoff: float = Field(
        0.01, gt=0, le=0.5, description="from_potential, infinite-range potentials: impact parameters "
        "whose deflection |χ| is below this angle (rad) at every E ≥ θ0/10 are dropped (finite-range "
        "potentials such as WCA need no cut-off)")
    angular: list[float] = Field([1.0], min_length=1, max_length=16, description="maxwell: "
                                 "b(cos θ) = (1/4π) Σ_k angular[k] cos^k θ (1/2π in 2D; ≥ 0 on [−1, 1]; "
                                 "[1] isotropic)")


class VlasovLevel(_Table):
    """``[levels.vlasov]``: the mean-field (Vlasov) equation on a phase-space grid.

    The box is periodic with side ``box_length`` (default 2π/``initial.wavenumber``); f is the
    phase-space number density with mean density ``system.density``; the force is −∇U * n for the
    configured potential (coulomb | yukawa | gaussian; Coulomb with a neutralising background), so
    dimension 1, coulomb, mean_field, density 1, temperature 1 is the standard normalised
    Vlasov–Poisson system. With a ``[flow]`` table the level solves the homogeneous eq. (16) on the
    velocity part of the grid (initial.kind = "maxwellian").
    """

    grid: list[Annotated[int, Field(ge=8)]] = Field(
        [128, 256], description="[Nx, Nv] (1D1V) or [Nx, Ny, Nvx, Nvy] (2D2V); each ≥ 8 and even")
    velocity_max: Positive = Field(
        8.0, description="velocity domain [−v_max, v_max]; must hold the initial law (≥ 5 thermal speeds "
        "beyond its fastest beam)")
    box_length: Positive | None = Field(None, description="periodic box side (default 2π/initial.wavenumber)")
    interpolation: Literal["cubic_spline", "spectral"] = Field(
        "cubic_spline", description="semi-Lagrangian interpolant: periodic cubic B-spline (order 4) or "
        "Fourier (exact translation)")
    splitting: Literal["strang", "triple_jump"] = Field(
        "strang", description="operator splitting: Strang (order 2) or Yoshida triple jump (order 4)")
    stability_limit: float = Field(
        1.0, gt=0, lt=2, description="largest allowed ω_max·time.step, ω_max the fastest collective "
        "frequency of the mean field on the grid (Strang splitting is unstable at 2)")
    knudsen: Positive | None = Field(
        None, description="BGK relaxation toward the local Maxwellian at rate 1/knudsen "
        "(unset: collisionless)")
    two_stream_profile: Literal["v2", "mixed", "beams"] = Field(
        "v2", description="two_stream: v²M, (1+5v²)M/6, or two Maxwellian beams at ±beam_velocity")
    beam_velocity: Positive = Field(2.4, description="two_stream beams: beam speed")
    bump_fraction: float = Field(0.1, gt=0, lt=1, description="bump_on_tail: mass fraction in the bump")
    bump_velocity: Positive = Field(4.5, description="bump_on_tail: bump mean velocity")
    bump_temperature: Positive = Field(0.25, description="bump_on_tail: bump temperature")
    external_amplitude: float = Field(
        0.0, description="external acceleration a_x = amplitude·sin(k x − ω t) (0: none)")
    external_mode: int = Field(1, ge=1, description="external field: k = 2π·mode/box_length")
    external_frequency: float = Field(0.0, description="external field: angular frequency ω")
    particles: int | None = Field(
        None, ge=2, description="also run the N-particle mean-field system (James–Qi–Wang Lemma 2.6) "
        "with this N and record W1 to the grid solution (unset: grid only)")
    w1_study: list[Annotated[int, Field(ge=10)]] | None = Field(
        None, description="mean-field-limit study in the report: W1(N-particle, grid) at every save for "
        "each N of this list (2 seeds), with the fitted rate W1 ∝ N^p (unset: none)")
    knudsen_study: list[Positive] | None = Field(
        None, description="hydrodynamic-limit study in the report: Vlasov–BGK at each Kn of this list "
        "against the Euler closure, error vs Kn with the fitted order (unset: none)")
    particle_force: Literal["auto", "direct", "mesh"] = Field(
        "auto", description="particle forces: exact all pairs, particle-mesh (CIC + FFT on the x-grid), "
        "or auto (direct for N ≤ 2048)")
    closure: Literal["isothermal", "adiabatic"] | None = Field(
        None, description="also solve the periodic Euler system (1D or 2D, as the grid) with mean-field "
        "force (the hydrodynamic limit; adiabatic: γ = (d+2)/d) with this closure and record its "
        "distance to the Vlasov moments")
    initial_samples: int | None = Field(
        None, ge=2, description="sampled initial condition: draw this many particles from the law of "
        "initial.kind with the level's key and start the grid from their kernel density estimate (CIC "
        "projection + Gaussian kernel); with particles = initial_samples the particle solver starts from "
        "exactly these particles (unset: the smooth law on the grid)")
    sample_bandwidth: float | None = Field(
        None, ge=0, description="sampled initial condition: Gaussian kernel width in grid spacings on every "
        "phase-space axis (0: the CIC histogram projection alone; unset: Scott's rule σ N^(−1/(2d+4)))")
    snapshot_points: int = Field(
        64, ge=0, description="phase-space snapshots (x₁, v₁ marginal) saved at every save, at most this "
        "many points per axis (0: none)")

    @model_validator(mode="after")
    def _grid_shape(self) -> VlasovLevel:
        bad = []
        if len(self.grid) not in (2, 4):
            bad.append(("levels.vlasov.grid", f"needs 2 entries [Nx, Nv] (1D1V) or 4 [Nx, Ny, Nvx, Nvy] "
                        f"(2D2V), got {len(self.grid)}"))
        elif any(n % 2 for n in self.grid):
            bad.append(("levels.vlasov.grid", f"every entry must be even (FFT grids), got {self.grid}"))
        if bad:
            raise ValueError(_CROSS + repr(bad))
        return self


class HydroLevel(_Table):
    """``[levels.navier_stokes]`` / ``[levels.euler]``: homo-energetic hydrodynamics (eqs. 19, 20)."""

    transport: Literal["auto", "potential", "hard_sphere", "maxwell", "vhs"] = Field(
        "auto", description="source of μ(θ): auto = the kernel of interaction.potential if it is one "
        "(hard_sphere, maxwell), else the kernel of [levels.boltzmann] when that level runs "
        "(hard_sphere, maxwell, vhs: the same collision law as the kinetic level), else the "
        "potential (Chapman–Enskog with Ω^(2,2)*, untruncated)")
    sonine_order: int = Field(8, ge=1, le=12, description="Sonine order of the Chapman–Enskog viscosity "
                              "(8: within 1.5e-7 of order 12 for hard spheres, the slowest law; order 3 "
                              "was 1.5e-4 low; the truncation estimate is in the dataset's transport attr)")
    vhs_omega: float | None = Field(
        None, ge=0.5, le=1.0, description="vhs: viscosity index ω (μ ∝ θ^ω; default 0.75)")


class StatisticsLevel(_Table):
    """``[levels.statistics]``: estimators of the N-particle law over the replicas, at every save of
    the particle level (needs ``[levels.particles]``; writes statistics.nc)."""

    pair_bins: int = Field(100, ge=1, le=100_000, description="radial bins of g(r) and its harmonics on "
                           "[0, pair_range]")
    pair_range: Positive | None = Field(
        None, description="r_max of g(r), g(r⃗) and the velocity covariance; ≤ half the smallest "
        "perpendicular width of the (reduced) cell over the whole run (default: that bound)")
    normalization: Literal["exact", "finite_size"] = Field(
        "exact", description="g(r) normalisation: exact (ideal gas → (N−1)/N) | finite_size (→ 1)")
    plane_bins: int = Field(40, ge=2, le=1000, description="g(r⃗) in the flow plane: bins per axis on "
                            "[−pair_range, pair_range] (d ≥ 2)")
    profile_bins: int = Field(50, ge=1, le=100_000, description="bins of the density profile along "
                              "the first lattice vector")
    covariance_bins: int = Field(20, ge=1, le=10_000, description="radial bins of the pair velocity "
                                 "covariance on [0, pair_range]")
    pair_density_bins: int = Field(16, ge=1, le=400, description="bins per axis of the two-particle "
                                   "density residual ρ₂(x₁, x₂) along the first lattice vector "
                                   "(a bins × bins map at every save)")
    n_study: list[Annotated[int, Field(ge=2, le=4096)]] | None = Field(
        None, description="the 1/N study (docs/statistics.md): the ensemble at each N of this list "
        "(increasing, ≥ 3 values; mean-field scaling, same f0 and box) against the Vlasov grid "
        "solution; writes statistics_n_study.nc (unset: none)")
    n_study_replicas: int = Field(256, ge=16, le=4096, description="n_study: replicas per batch; "
                                  "each N starts with one batch and adds batches until the standard "
                                  "errors are below a fifth of the distances")
    n_study_max_replicas: int = Field(4096, ge=16, le=65_536, description="n_study: at most this many "
                                      "replicas per N")
    n_study_grid: list[Annotated[int, Field(ge=8)]] = Field(
        [128, 256], min_length=2, max_length=2, description="n_study: [Nx, Nv] of the Vlasov reference "
        "per axis (1D1V or 2D2V, velocities on [−levels.statistics.n_study_velocity_max, +])")
    n_study_velocity_max: Positive = Field(8.0, description="n_study: velocity half-width of the Vlasov "
                                           "grid (≥ 5 thermal speeds)")
    n_study_modes: int = Field(1, ge=1, le=8, description="n_study: Fourier modes M of the test family "
                               "{1, cos k_m x, sin k_m x} × v^p (2D: × v1^p v2^q, p + q ≤ P)")
    n_study_velocity_order: int = Field(2, ge=0, le=4, description="n_study: largest velocity power p "
                                        "of the test family")
    average_from: float = Field(0.0, ge=0, description="momentum_balance_average: average over the "
                                "saves at t ≥ average_from (skip the approach to equilibrium); < time.end")
    closure_reference: str | None = Field(
        None, description="statistics.nc of a homogeneous run of the same system: its g(r) (saves at t "
        "≥ its average_from) gives the quasi-equilibrium closure correlation_force_closure(time, x)")
    velocity_bins: int = Field(40, ge=2, le=100_000, description="bins of the velocity marginals of "
                               "each component of w on [−velocity_range, velocity_range]")
    velocity_range: Positive | None = Field(
        None, description="half-width of the velocity marginals (default: 5 sqrt(θ), θ the largest of "
        "system.temperature and thermostat.temperature)")


class Levels(_Table):
    particles: ParticlesLevel | None = None
    statistics: StatisticsLevel | None = None
    boltzmann: BoltzmannLevel | None = None
    vlasov: VlasovLevel | None = None
    navier_stokes: HydroLevel | None = None
    euler: HydroLevel | None = None

    def enabled(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


class Config(_Table):
    """A whole scenario: one physical system, run at every level its ``[levels]`` enables."""

    title: str = Field("bbgky run", description="title, used in the output folder name")
    system: System = System()
    interaction: Interaction = Interaction()
    flow: Flow | None = None
    time: Time = Time()
    initial: Initial = Initial()
    ensemble: Ensemble = Ensemble()
    output: Output = Output()
    thermostat: Thermostat | None = None
    external: External | None = None
    levels: Levels = Levels(particles=ParticlesLevel())

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        try:
            problems = cross_check(self)
        except (ArithmeticError, np.linalg.LinAlgError) as exc:  # e.g. a flow matrix that overflows
            problems = [("flow", f"cannot evaluate the flow with these values: {exc}")]
        if problems:
            raise ValueError(_CROSS + repr(problems))
        return self

    def velocity_gradient(self) -> np.ndarray:
        """A (d×d, read-only, resolved once per flow by :func:`bbgky.models.flows.velocity_gradient`);
        zero without a ``[flow]`` table."""
        d = self.system.dimension
        if self.flow is None:
            return flows.velocity_gradient("none", d)
        return flows.velocity_gradient(self.flow.kind, d, self.flow.rate, self.flow.matrix)

    def initial_temperature_tensor(self) -> np.ndarray:
        """θ0 (d×d), the one initial-temperature law of every level: ``initial.temperature_tensor``
        with ``initial.kind = "anisotropic"``, else ``system.temperature`` × I."""
        if self.initial.kind == "anisotropic" and self.initial.temperature_tensor is not None:
            return np.asarray(self.initial.temperature_tensor, float)
        return self.system.temperature * np.eye(self.system.dimension)

    def initial_temperature(self) -> float:
        """θ0 = tr(θ0 tensor)/d (:meth:`initial_temperature_tensor`)."""
        return float(np.trace(self.initial_temperature_tensor())) / self.system.dimension

    def box_length(self) -> float:
        """Side of the initial cubic periodic cell, (N/ρ0)^(1/d)."""
        return (self.system.particles / self.system.density) ** (1.0 / self.system.dimension)


_CROSS = "cross-field problems: "


def cross_check(cfg: Config) -> list[tuple[str, str]]:
    """Checks that involve several tables but no level (each level's own checks are its module's
    ``check(cfg)``, run by :func:`bbgky.scenarios.runner.check_levels`); every problem is returned,
    none raised."""
    out: list[tuple[str, str]] = []
    d = cfg.system.dimension
    inter = cfg.interaction
    out += schedule_problems(cfg)
    if cfg.external is not None:
        others = [name for name in cfg.levels.enabled() if name not in ("particles", "statistics")]
        if others:
            out.append(("external", f"the external potential acts at the particle level only; the "
                        f"enabled level(s) {', '.join(others)} would ignore it; allowed with [external]: "
                        "levels.particles (and levels.statistics)"))
    if inter.scaling == "boltzmann_grad" and inter.range is None:
        out.append(("interaction.range", "required with scaling = 'boltzmann_grad' (a number > 0)"))
    if cfg.flow is not None:
        f = cfg.flow
        if f.kind == "matrix":
            m = f.matrix
            if m is None or len(m) != d or any(len(row) != d for row in m):
                out.append(("flow.matrix", f"must be a {d}×{d} matrix (d = system.dimension)"))
        elif d < flows.PRESET_MIN_DIMENSION[f.kind]:
            out.append(("flow.kind", f"{f.kind!r} needs dimension ≥ {flows.PRESET_MIN_DIMENSION[f.kind]}"))
        if not any(k in ("flow.matrix", "flow.kind") for k, _ in out):
            t_star = flows.singular_time(cfg.velocity_gradient())
            if t_star <= cfg.time.end:
                out.append(("time.end", f"the flow is singular at t* = {t_star:.6g} "
                            f"(det(I + tA) = 0); time.end must be < t*"))
    return out


#: the longest run a configuration may ask for (steps of time.step, per level) and the most saves.
MAX_STEPS = 10**8
MAX_SAVES = 100_000


def _whole(ratio: float) -> bool:
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, ratio)


def schedule_problems(cfg: Config) -> list[tuple[str, str]]:
    """The save schedule is exact — save_every a whole number of steps, end a whole number of save
    intervals — and bounded (MAX_STEPS, MAX_SAVES). Nothing is rounded silently: a value that is not
    a multiple is refused with the nearest valid values."""
    t = cfg.time
    out: list[tuple[str, str]] = []
    if t.step > t.save_every:
        return [("time.step", f"must be ≤ time.save_every = {t.save_every}")]
    if t.step > t.end:
        return [("time.step", f"must be ≤ time.end = {t.end}")]
    per = t.save_every / t.step
    if not _whole(per):
        lo, hi = math.floor(per) * t.step, math.ceil(per) * t.step
        out.append(("time.save_every", f"{t.save_every:g} is not a whole number of steps of time.step = "
                    f"{t.step:g} ({per:.6g} steps); allowed nearby: {lo:.10g} or {hi:.10g}"))
        return out
    interval = round(per) * t.step
    saves = t.end / interval
    if not _whole(saves):
        lo, hi = max(1, math.floor(saves)) * interval, math.ceil(saves) * interval
        out.append(("time.end", f"{t.end:g} is not a whole number of save intervals time.save_every = "
                    f"{interval:g} ({saves:.6g} intervals); allowed nearby: {lo:.10g} or {hi:.10g}"))
        return out
    steps = round(saves) * round(per)
    if steps > MAX_STEPS:
        out.append(("time.step", f"the run would take {steps:.3g} steps (time.end / time.step); allowed: at "
                    f"most {MAX_STEPS:.0e} (a larger time.step or a shorter time.end)"))
    if round(saves) > MAX_SAVES:
        out.append(("time.save_every", f"the run would save {round(saves):.3g} times (time.end / "
                    f"time.save_every); allowed: at most {MAX_SAVES} (a larger time.save_every)"))
    return out


def memory_limit() -> float:
    """Bytes a run may use: BBGKY_MEMORY_FRACTION (default 0.5) of the physical memory."""
    import os

    try:
        fraction = float(os.environ.get("BBGKY_MEMORY_FRACTION", "0.5"))
    except ValueError:
        fraction = 0.5
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 8 * 2**30
    return fraction * total


def memory_problem(key: str, estimate: float, what: str) -> list[tuple[str, str]]:
    """[(key, message)] when a level's estimated memory ``estimate`` (bytes) exceeds the limit."""
    limit = memory_limit()
    if estimate <= limit:
        return []
    return [(key, f"{what} needs about {estimate / 2**30:.3g} GiB, more than the limit {limit / 2**30:.3g} "
             "GiB (BBGKY_MEMORY_FRACTION of the physical memory); allowed: a smaller value")]


def saves(cfg: Config) -> int:
    """Number of save intervals of the (exact, see :func:`schedule_problems`) schedule."""
    return max(1, round(cfg.time.end / cfg.time.save_every))


def _format(err: dict) -> tuple[str, str]:
    key = ".".join(str(p) for p in err["loc"]) or "configuration"
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        parent = err["loc"][:-1]
        allowed = _allowed_keys(parent)
        msg = "unknown key" + (f"; allowed keys here: {', '.join(allowed)}" if allowed else "")
    elif kind == "literal_error":
        msg = msg.replace("Input should be", "allowed values:")
    elif kind in {"greater_than", "greater_than_equal", "less_than_equal", "less_than"}:
        msg = f"{msg} (got {err.get('input')!r})"
    elif kind.endswith("_type") or kind == "finite_number":
        got = err.get("input")
        msg = f"{msg} (got {type(got).__name__} {_short(got)}; TOML types are not converted)"
    elif kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    return key, msg


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _allowed_keys(loc: tuple) -> list[str]:
    model: Any = Config
    for part in loc:
        field = model.model_fields.get(str(part)) if hasattr(model, "model_fields") else None
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        model = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if model is None:
            return []
    return list(model.model_fields)


def validate(data: dict[str, Any]) -> Config:
    """Validate a parsed TOML mapping; raise :class:`ConfigError` with every problem."""
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        for err in exc.errors():
            msg = str(err.get("msg", ""))
            if _CROSS in msg:
                problems += _parse_cross(msg)
            else:
                problems.append(_format(err))
        raise ConfigError(problems) from None


def _parse_cross(msg: str) -> list[tuple[str, str]]:
    import ast

    return list(ast.literal_eval(msg.split(_CROSS, 1)[1]))


#: the largest configuration file read, and the deepest nesting of tables and arrays accepted.
MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 12


def read_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file; every way it can be unreadable (missing, a folder, not UTF-8 text, not
    TOML, too large, nested too deeply) is a :class:`ConfigError` naming the file."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ConfigError([("CONFIG", f"file not found: {path}")])
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError([("CONFIG", f"{path} is {path.stat().st_size} bytes; a configuration is at "
                                "most "
                                f"{MAX_FILE_BYTES} bytes of TOML")])
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([("CONFIG", f"cannot read {path}: {exc.strerror or exc}")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        hint = " (it looks like UTF-16: save it as UTF-8)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ConfigError([("CONFIG", f"{path} is not UTF-8 text (byte {exc.start}){hint}; a configuration "
                            "is a UTF-8 TOML file")]) from None
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ConfigError([("CONFIG", f"{path} is not valid TOML: {why}")]) from None
    deep = _deeper_than(data, MAX_DEPTH)
    if deep:
        raise ConfigError([(deep, f"tables and arrays nested more than {MAX_DEPTH} deep")])
    return data


def _deeper_than(value: Any, depth: int, key: str = "") -> str | None:
    """The key of the first value nested more than ``depth`` levels deep, else None."""
    if depth < 0:
        return key or "CONFIG"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in items:
        found = _deeper_than(v, depth - 1, f"{key}.{k}" if key else str(k))
        if found:
            return found
    return None


def load(path: str | Path) -> Config:
    """Read and validate a TOML configuration file (the schema; the levels' own checks are
    :func:`bbgky.scenarios.runner.check_levels`)."""
    return validate(read_toml(path))


def to_toml(cfg: Config, defaults: bool = True) -> str:
    """The full configuration, defaults included, as TOML text (stored in every output file);
    ``defaults=False``: only the keys the configuration set (what a user would write)."""
    lines: list[str] = []

    def emit(prefix: str, table: dict) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and v is not None}
        subs = {k: v for k, v in table.items() if isinstance(v, dict)}
        if prefix and (scalars or not subs):
            lines.append(f"\n[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {_toml_value(v)}")
        for k, v in subs.items():
            emit(f"{prefix}.{k}" if prefix else k, v)

    data = cfg.model_dump(exclude_none=True, exclude_unset=not defaults)
    for *path, key in _OMISSION_MEANS_AUTO:  # their default would pin what omission leaves automatic
        table, model = data, cfg
        for name in path:
            table, model = table.get(name, {}), getattr(model, name, None)
        if model is not None and key not in model.model_fields_set:
            table.pop(key, None)
    emit("", data)
    return "\n".join(lines).lstrip() + "\n"


# keys whose omission means "resolve automatically" (kernel from interaction.potential, the
# spectral step from the collision frequency): written only when set, so a stored configuration
# runs again as the original did
_OMISSION_MEANS_AUTO = (("levels", "boltzmann", "kernel"), ("time", "step"))


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf") if not math.isnan(v) else "nan"
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    return str(v)
