"""KPUConfig: the hardware a program is compiled for and run on."""

from __future__ import annotations

import os

from ._native import lib

# The native class: KPUConfig.preset("edge_ai"), KPUConfig.parse(json_or_bytes), .to_json(), .name
KPUConfig = lib.Config

DEFAULT_PRESET = "swkpu-v1"


def preset_names() -> list[str]:
    """The presets libkpu knows, e.g. ["swkpu-v1", "minimal", "edge_ai", ...]."""
    return list(lib.config_presets())


def get_config(spec=None):
    """A KPUConfig from None (the library default), a KPUConfig, a preset name, a path to a
    JSON/binary config file, or the config's bytes."""
    if spec is None or isinstance(spec, KPUConfig):
        return spec
    if isinstance(spec, (bytes, bytearray, memoryview)):
        return KPUConfig.parse(spec)
    if isinstance(spec, (str, os.PathLike)):
        if isinstance(spec, str) and spec in preset_names():
            return KPUConfig.preset(spec)
        if os.path.isfile(spec):
            with open(spec, "rb") as f:
                return KPUConfig.parse(f.read())
        # Not a file either: let the library say which presets exist.
        return KPUConfig.preset(os.fspath(spec))
    raise TypeError(f"cannot make a KPUConfig from {type(spec).__name__}")
