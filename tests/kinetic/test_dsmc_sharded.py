"""The JAX DSMC ensemble sharded over 4 CPU host devices (a subprocess) equals the 1-device run:
the same collisions, velocities to round-off."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

CASE = """
import jax, numpy as np
from bbgky.kinetic.boltzmann import dsmc as ds
from bbgky.models import kernels
cfg = ds.DSMCConfig(n=2_000, A=((0.0, 0.5, 0.0), (0.0,) * 3, (0.0,) * 3), rho0=1.0, dt_max=0.05)
ens = ds.Ensemble(ds.DSMC(kernels.hard_sphere(), cfg), "jax")
s = ens.advance_to(ens.init(jax.random.PRNGKey(1), ds.maxwellian_sampler(np.eye(3)), 8), 0.3)
"""
SCRIPT = textwrap.dedent("""
    import sys
    import jax, numpy as np
    jax.config.update("jax_enable_x64", True)
    assert len(jax.devices()) == 4
    exec(sys.argv[2])
    assert len(s.u.sharding.device_set) == 4
    np.savez(sys.argv[1], u=np.asarray(s.u), collisions=np.asarray(s.collisions), t=np.asarray(s.t))
""")


@pytest.mark.slow  # the particle ensemble's 4-device test stays in the default suite
def test_four_host_devices_match_one(tmp_path):
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "four.npz"), CASE], check=True, env=env,
                   timeout=300)
    four, one = np.load(tmp_path / "four.npz"), {}
    exec(CASE, one)
    s = one["s"]
    np.testing.assert_array_equal(four["collisions"], np.asarray(s.collisions))
    np.testing.assert_array_equal(four["t"], np.asarray(s.t))
    # the same collisions; velocities to round-off (XLA compiles the 2-replica shards differently)
    np.testing.assert_allclose(four["u"], np.asarray(s.u), rtol=0, atol=1e-12 * np.abs(four["u"]).max())
