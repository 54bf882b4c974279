"""Ensembles across devices: the leading replica axis sharded with JAX's own sharding.

Independent replicas (BBGKY marginals from ensembles, DSMC error bars) carry a leading axis R.
:func:`shard_replicas` spreads that axis over all devices (several GPUs, or CPU host devices under
``XLA_FLAGS=--xla_force_host_platform_device_count=n``; several hosts after
``jax.distributed.initialize()``); a jitted ``vmap`` over it then runs where the data lives, and
results do not depend on the device count because every replica's key is derived by ``fold_in``.
"""

from __future__ import annotations

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def replica_mesh(devices=None) -> Mesh:
    """A one-axis mesh named ``"replica"`` over the given (default: all) devices."""
    return Mesh(np.asarray(devices if devices is not None else jax.devices()), ("replica",))


def shard_replicas(tree, mesh: Mesh | None = None):
    """Place every leaf's leading axis across the mesh (R must be a multiple of the device count)."""
    mesh = mesh or replica_mesh()
    n = mesh.devices.size

    def place(x):
        if x.shape[0] % n:
            raise ValueError(f"the replica axis ({x.shape[0]}) must be a multiple of the device count ({n})")
        spec = PartitionSpec("replica", *([None] * (x.ndim - 1)))
        return jax.device_put(x, NamedSharding(mesh, spec))

    return jax.tree_util.tree_map(place, tree)


def replica_keys(seed: int, replicas: int) -> jax.Array:
    """One key per replica, ``fold_in(PRNGKey(seed), r)``: independent of sharding and device count."""
    base = jax.random.PRNGKey(seed)
    return jax.vmap(lambda r: jax.random.fold_in(base, r))(np.arange(replicas))
