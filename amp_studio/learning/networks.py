"""Network construction from MimicKit-style names or explicit widths."""

from __future__ import annotations

import re

import torch

from amp_studio.config_loading import ConfigError
from amp_studio.errors import describe

# MimicKit's named networks: each layer halves the width.
_NAMED = re.compile(r"fc_(\d+)layers_(\d+)units")


def hidden_sizes(spec: str | list[int] | tuple[int, ...]) -> list[int]:
    """Hidden layer widths of a net spec: `fc_2layers_1024units` -> [1024, 512], or a list as given."""
    if isinstance(spec, (list, tuple)):
        return [int(w) for w in spec]
    match = _NAMED.fullmatch(spec)
    if not match:
        raise ConfigError(None, f"unknown network {describe(spec)}: use fc_<n>layers_<width>units or a list of widths")
    if len(match.group(1)) > 3 or len(match.group(2)) > 6:  # before building a list that long
        raise ConfigError(None, f"network {describe(spec)}: too many layers or units")
    layers, width = int(match.group(1)), int(match.group(2))
    return [max(1, width >> i) for i in range(layers)]


def mlp(in_size: int, hidden: list[int], out_size: int) -> torch.nn.Sequential:
    """ReLU MLP; the output layer is linear."""
    layers: list[torch.nn.Module] = []
    size = in_size
    for width in hidden:
        layers += [torch.nn.Linear(size, width), torch.nn.ReLU()]
        size = width
    layers.append(torch.nn.Linear(size, out_size))
    return torch.nn.Sequential(*layers)
