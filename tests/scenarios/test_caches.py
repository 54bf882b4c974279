"""Compile caches go to the user's cache folder (never the package), and can be turned off."""

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
