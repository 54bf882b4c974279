"""netCDF outputs of every level (INTERFACE.md "Outputs"), CF-style.

Each level writes ``<level>.nc`` with dimension ``time`` and component dimensions ``i``, ``j``;
every variable carries ``units`` and ``long_name``; the file's attributes hold the full
configuration (TOML text), the version and the seed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__

#: name -> (dimensions after ``time``, units, long_name). Reduced units: m = k_B = σ = ε = 1.
VARIABLES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "density": ((), "sigma-d", "number density"),
    "temperature": ((), "epsilon k_B-1", "kinetic temperature of the peculiar velocity"),
    "internal_energy": ((), "epsilon", "internal energy per particle (peculiar kinetic + potential)"),
    "kinetic_energy": ((), "epsilon", "peculiar kinetic energy per particle"),
    "potential_energy": ((), "epsilon", "potential energy per particle"),
    "pressure_tensor": (("i", "j"), "epsilon sigma-d", "pressure tensor (kinetic + virial)"),
    "heat_flux": (("i",), "epsilon sigma-d (epsilon/m)^1/2", "heat flux vector"),
    "speed_moment": (("order",), "(epsilon/m)^(k/2)", "moment <|w|^k> of the peculiar speed"),
    "electric_energy": ((), "epsilon", "electric field energy"),
    "mass": ((), "m", "total mass"),
    "total_energy": ((), "epsilon", "total energy"),
}

SPEED_MOMENT_ORDERS = (2, 4, 6, 8)


def level_dataset(time: np.ndarray, data: Mapping[str, np.ndarray], *, level: str,
                  config_toml: str, seed: int, extra_vars: Mapping[str, tuple] | None = None,
                  attrs: Mapping[str, object] | None = None) -> xr.Dataset:
    """Assemble a level's time series into a CF-style dataset.

    ``data`` maps names of :data:`VARIABLES` (or of ``extra_vars``, given as
    ``name -> (dims, units, long_name)``) to arrays whose first axis is ``time``.
    """
    spec = dict(VARIABLES)
    spec.update(extra_vars or {})
    coords: dict[str, object] = {
        "time": ("time", np.asarray(time, float), {"units": "sigma (m/epsilon)^1/2", "long_name": "time",
                                                    "standard_name": "time"}),
    }
    variables = {}
    for name, values in data.items():
        dims, units, long_name = spec[name]
        values = np.asarray(values)
        variables[name] = (("time", *dims), values, {"units": units, "long_name": long_name})
        if "order" in dims and "order" not in coords:
            coords["order"] = ("order", np.asarray(SPEED_MOMENT_ORDERS[: values.shape[-1]]),
                               {"long_name": "moment order k"})
    ds = xr.Dataset(variables, coords=coords)
    ds.attrs.update({
        "title": f"bbgky {level} level",
        "Conventions": "CF-1.10",
        "source": f"bbgky {__version__}",
        "bbgky_version": __version__,
        "level": level,
        "seed": int(seed),
        "configuration": config_toml,
    })
    ds.attrs.update(dict(attrs or {}))
    return ds


def write_atomic(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a dataset to netCDF through a temporary file and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    ds.to_netcdf(tmp)
    os.replace(tmp, path)
    return path


def write_atomic_text(path: str | Path, text: str) -> Path:
    """Write a text file through a temporary file and an atomic rename."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
    return path
