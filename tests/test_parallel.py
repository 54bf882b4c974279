"""Sharded ensembles give the same numbers as one device (4 CPU host devices in a subprocess)."""

import os
import subprocess
import sys
import textwrap

import numpy as np

from bbgky.parallel import replica_keys, shard_replicas

SCRIPT = textwrap.dedent("""
    import jax, jax.numpy as jnp, numpy as np
    jax.config.update("jax_enable_x64", True)
    from bbgky.parallel import replica_keys, shard_replicas
    assert len(jax.devices()) == 4, jax.devices()
    keys = replica_keys(7, 8)
    def replica(key):  # a small random walk per replica
        x = jax.random.normal(key, (100, 3))
        return jnp.sum(jnp.cumsum(x, axis=0) ** 2)
    f = jax.jit(jax.vmap(replica))
    out = f(shard_replicas(keys))
    assert len(out.sharding.device_set) == 4
    np.save(__import__("sys").argv[1], np.asarray(out))
""")


def test_four_host_devices_match_one(tmp_path):
    out = tmp_path / "sharded.npy"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    subprocess.run([sys.executable, "-c", SCRIPT, str(out)], check=True, env=env, timeout=120)
    import jax
    import jax.numpy as jnp

    def replica(key):
        x = jax.random.normal(key, (100, 3))
        return jnp.sum(jnp.cumsum(x, axis=0) ** 2)

    single = np.asarray(jax.vmap(replica)(shard_replicas(replica_keys(7, 8))))
    assert np.allclose(np.load(out), single, rtol=1e-13, atol=0)
