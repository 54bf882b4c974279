"""Pair potentials: one expression, two compiled forms that agree; cut-offs and scalings."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.models.potentials import REGISTRY, from_function, make_potential

NAMES = sorted(REGISTRY)


@pytest.mark.parametrize("name", NAMES)
def test_numba_pair_equals_jax_autodiff(name):
    pot = make_potential(name)
    rs = np.linspace(0.9, pot.cutoff * 0.999, 37)
    dU = jax.vmap(jax.grad(pot.energy))(jnp.asarray(rs))
    for r, g in zip(rs, np.asarray(dU), strict=True):
        u, f_over_r = pot.numba_pair(r * r)
        assert u == pytest.approx(float(pot.energy(r)), rel=1e-13, abs=1e-15)
        assert f_over_r * r == pytest.approx(-g, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mode", ["shifted", "shifted_force"])
def test_cutoff_modes_are_continuous_where_stated(name, mode):
    pot = make_potential(name, cutoff_mode=mode)
    below = pot.cutoff * (1 - 1e-9)
    assert float(pot.energy(below)) == pytest.approx(0.0, abs=1e-8)
    assert float(pot.energy(pot.cutoff * 1.001)) == 0.0
    if mode == "shifted_force":
        assert float(jax.grad(pot.energy)(below)) == pytest.approx(0.0, abs=1e-7)


def test_wca_is_lj_shifted_at_its_minimum():
    wca, lj = make_potential("wca"), make_potential("lj", cutoff_mode="none", cutoff=10.0)
    rmin = 2 ** (1 / 6)
    assert wca.cutoff == pytest.approx(rmin)
    assert float(jax.grad(wca.energy)(rmin * (1 - 1e-12))) == pytest.approx(0.0, abs=1e-9)
    assert float(wca.energy(1.05)) == pytest.approx(float(lj.energy(1.05)) + 1.0, rel=1e-14)


def test_boltzmann_grad_scaling_is_U_of_r_over_eps_over_eps():
    eps = 0.2
    base = make_potential("wca")
    scaled = make_potential("wca", scaling="boltzmann_grad", range_=eps)
    assert scaled.cutoff == pytest.approx(eps * base.cutoff)
    for r in (0.19, 0.2, 0.21):
        assert float(scaled.energy(r)) == pytest.approx(float(base.energy(r / eps)) / eps, rel=1e-13)


def test_mean_field_scaling_divides_by_N():
    base = make_potential("gaussian")
    mf = make_potential("gaussian", scaling="mean_field", particles=50)
    assert float(mf.energy(0.7)) == pytest.approx(float(base.energy(0.7)) / 50, rel=1e-13)


def test_ipl_exponent_and_yukawa_screening_are_parameters():
    assert float(make_potential("ipl", exponent=6.0, cutoff_mode="none", cutoff=9.0).energy(2.0)) \
        == pytest.approx(2.0**-6)
    yk = make_potential("yukawa", screening_length=0.5, cutoff_mode="none", cutoff=9.0)
    assert float(yk.energy(1.5)) == pytest.approx(np.exp(-3.0) / 1.5)


def test_user_function_gets_autodiff_forces_and_a_shift():
    pot = from_function(lambda r: 1.0 / r**3, cutoff=2.0)
    assert float(pot.energy(1.0)) == pytest.approx(1.0 - 1 / 8)
    assert float(jax.grad(pot.energy)(1.0)) == pytest.approx(-3.0)
    with pytest.raises(ValueError, match="cutoff_mode"):
        from_function(lambda r: r, cutoff=1.0, cutoff_mode="smooth")


def test_a_particle_run_builds_the_symbolic_potential_once():
    """Issue 9 item 4: the configuration check and the particle level share one sympy build."""
    from bbgky.models import potentials
    from bbgky.particles.level import build_system
    from bbgky.scenarios.runner import validate

    potentials.build_expression.cache_clear()
    potentials.make_potential.cache_clear()  # an earlier test may have built this one
    cfg = validate({"system": {"particles": 32, "density": 0.1, "temperature": 1.0},
                    "interaction": {"potential": "wca", "scaling": "boltzmann_grad", "range": 0.5},
                    "time": {"end": 0.01, "step": 0.0001, "save_every": 0.005},
                    "levels": {"particles": {}}})
    build_system(cfg)
    info = potentials.build_expression.cache_info()
    assert info.misses == 1 and info.hits >= 1, info


@pytest.mark.parametrize("name", NAMES)
def test_one_boltzmann_grad_parameter_scaling_is_the_symbolic_U_of_r_over_eps(name):
    """``scale_parameters`` (lengths × ε, energy / ε) is V(r) = U(r/ε)/ε, written symbolically,
    for every registered potential with non-default extra parameters; the particle potential, the
    collision kernel and the configuration all take their parameters from it."""
    import sympy as sp

    from bbgky.config import Config
    from bbgky.models import kernels
    from bbgky.models.potentials import r as r_sym
    from bbgky.models.potentials import scale_parameters

    eps, spec = 0.3, REGISTRY[name]
    extra = {k: 0.7 * v for k, v in spec.extra.items()}
    p = scale_parameters(name, sigma=1.1, epsilon=0.9, scaling="boltzmann_grad", range_=eps, **extra)
    U = spec.expression(sp.Float(1.1), sp.Float(0.9), **extra)
    V_symbolic = sp.lambdify(r_sym, U.subs(r_sym, r_sym / eps) / eps)
    V_params = sp.lambdify(r_sym, spec.expression(sp.Float(p.sigma), sp.Float(p.epsilon), **p.extra))
    for x in (0.25, 0.33, 0.5):
        assert V_params(x) == pytest.approx(V_symbolic(x), rel=1e-13)
    assert p.cutoff == pytest.approx(eps * spec.default_cutoff(1.1, 0.9, **extra), rel=1e-15)
    pot = make_potential(name, sigma=1.1, epsilon=0.9, scaling="boltzmann_grad", range_=eps, **extra)
    assert pot.cutoff == p.cutoff
    inter = Config.model_validate({"interaction": {"potential": name, "sigma": 1.1, "epsilon": 0.9,
                                                   "scaling": "boltzmann_grad", "range": eps, **extra}}
                                  ).interaction
    assert inter.scaled_parameters(100) == p
    if name == "wca":  # the collision kernel of the same V (finite range: a cheap table)
        k = kernels.from_potential(name, sigma=1.1, epsilon=0.9, range_=eps, temperature=1.0,
                                   rows_per_decade=2, impact_points=64, table_points=65, **extra)
        assert (k.potential.sigma, k.potential.epsilon) == pytest.approx((p.sigma, p.epsilon), rel=1e-15)
