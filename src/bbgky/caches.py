"""Compilation caches in the user's cache folder, so that a second run starts in seconds.

Both compilers cache to ``$BBGKY_CACHE_DIR``, else ``$XDG_CACHE_HOME/bbgky``, else
``~/.cache/bbgky`` — never inside the installed package (which may be read-only):

* JAX: the persistent compilation cache (``<cache>/jax``) for every XLA program compiled during a
  run, however short its compile time;
* Numba: ``NUMBA_CACHE_DIR`` (``<cache>/numba``) for the ``cache=True`` kernels. Numba reads it when
  it is first imported, so :func:`enable` must run before anything imports numba; it leaves an
  explicit ``NUMBA_CACHE_DIR`` alone.

Called by the CLI and the scenario runner (entry points), never on import. ``BBGKY_NO_CACHE=1``
turns both off (e.g. to time a cold start).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir() -> Path:
    if os.environ.get("BBGKY_CACHE_DIR"):
        return Path(os.environ["BBGKY_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "bbgky"


def enable() -> Path | None:
    """Point JAX's persistent cache and Numba's cache at :func:`cache_dir`; return it (None: off)."""
    if os.environ.get("BBGKY_NO_CACHE"):
        return None
    root = cache_dir()
    try:
        (root / "jax").mkdir(parents=True, exist_ok=True)
        (root / "numba").mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable cache folder: run uncached rather than fail
        return None
    if "numba" not in sys.modules:
        os.environ.setdefault("NUMBA_CACHE_DIR", str(root / "numba"))
    import jax

    jax.config.update("jax_compilation_cache_dir", str(root / "jax"))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return root


__all__ = ["cache_dir", "enable"]
