"""Importing bbgky (every module) never changes JAX's global configuration."""

import subprocess
import sys

SCRIPT = """
import importlib, pkgutil, jax
import bbgky
before = bool(jax.config.read("jax_enable_x64"))
for mod in pkgutil.walk_packages(bbgky.__path__, "bbgky."):
    importlib.import_module(mod.name)
assert bool(jax.config.read("jax_enable_x64")) == before == False, "an import switched on float64"
print("ok")
"""


def test_importing_every_module_keeps_float32_default():
    res = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"
