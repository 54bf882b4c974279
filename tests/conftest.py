"""Tests run in float64 (the CLI's precision); the library itself never flips this on import.

Compiled programs persist as `bbgky run` keeps them (:func:`bbgky.caches.enable`: the user's cache
folder, or ``$BBGKY_CACHE_DIR``): the two xdist workers and the CLI subprocesses share each XLA
program compiled once, and a second run of the suite loads them. ``BBGKY_NO_CACHE=1`` times a
cold suite.
"""

import jax
import pytest

from bbgky import caches

jax.config.update("jax_enable_x64", True)
caches.enable()


class Interrupted(Exception):
    """What the progress callback of the ``interrupt`` fixture raises (a stand-in for Ctrl-C)."""


@pytest.fixture
def interrupt():
    """``interrupt(run, after)``: ``run(progress=…)`` stopped once ``after`` steps are done (it must
    get that far: a run that ends first fails the test); resume tests continue it."""

    def stop_run(run, after: int) -> None:
        def progress(done, total):
            if done >= after:
                raise Interrupted

        with pytest.raises(Interrupted):
            run(progress=progress)

    return stop_run
