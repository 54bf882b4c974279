"""Compile caches go to the user's cache folder (never the package), and can be turned off."""

import sys

import jax

from bbgky import caches


def test_cache_folder_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BBGKY_CACHE_DIR", str(tmp_path / "c"))
    assert caches.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("BBGKY_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert caches.cache_dir() == tmp_path / "xdg" / "bbgky"


def test_enable_points_jax_at_the_user_cache_and_can_be_turned_off(tmp_path, monkeypatch):
    before = jax.config.jax_compilation_cache_dir
    try:
        monkeypatch.setenv("BBGKY_NO_CACHE", "1")
        assert caches.enable() is None
        monkeypatch.delenv("BBGKY_NO_CACHE")
        monkeypatch.setenv("BBGKY_CACHE_DIR", str(tmp_path))
        assert caches.enable() == tmp_path
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "jax")
        assert (tmp_path / "numba").is_dir()
        assert "site-packages" not in str(tmp_path) and "src/bbgky" not in str(caches.cache_dir())
    finally:
        jax.config.update("jax_compilation_cache_dir", before)


def test_force_kernels_are_generated_per_potential_into_the_cache_and_cached_by_numba(tmp_path, monkeypatch):
    """The particle level's force kernels: one generated module per pair source, in
    ``<cache>/kernels``, its kernels ``cache=True`` (Numba's on-disk cache, not its null cache), its
    pair function the potential's own (same values as ``numba_pair``)."""
    import numpy as np

    from bbgky.models.potentials import make_potential, numba_pair_source
    from bbgky.particles import numba_backend

    monkeypatch.setenv("BBGKY_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("BBGKY_NO_CACHE", raising=False)  # a cold-suite timing sets it (conftest.py)
    for name in [m for m in sys.modules if m.startswith("pair_kernels_")]:  # imported by earlier tests
        monkeypatch.delitem(sys.modules, name)
    wca = make_potential("wca", scaling="boltzmann_grad", range_=0.1)
    lj = make_potential("lj", cutoff=2.5)
    mods = [numba_backend._generated_module(numba_pair_source(p.expression)) for p in (wca, lj)]
    files = sorted(p.name for p in (tmp_path / "kernels").glob("pair_kernels_*.py"))
    assert len(files) == 2 and {m.__name__ + ".py" for m in mods} == set(files)
    assert mods[0] is numba_backend._generated_module(numba_pair_source(wca.expression))
    assert type(mods[0].forces._cache).__name__ == "FunctionCache"
    for pot, mod in zip((wca, lj), mods, strict=True):
        r2 = 0.9 * pot.cutoff_squared
        assert np.allclose(mod.pair(r2), pot.numba_pair(r2), rtol=1e-14)
