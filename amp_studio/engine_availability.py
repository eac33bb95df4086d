"""Which physics backends can run here, and why not: torch-free, so the GUI can ask without loading them."""

from __future__ import annotations

import importlib.util
import sys

KNOWN_ENGINES = ("mujoco", "isaac_gym")

ISAAC_GYM_MISSING = (
    "the isaac_gym engine needs NVIDIA's isaacgym package, which is not installed here (it is not on PyPI, "
    "needs Python 3.6-3.8 and an NVIDIA GPU, and is deprecated in favour of Isaac Lab); "
    "data/engines/mujoco_engine.yaml works everywhere"
)


def engine_availability(name: str) -> str | None:
    """None if the backend can be used here, else one sentence saying what is missing."""
    if name == "mujoco":
        return None if importlib.util.find_spec("mujoco") is not None else "the mujoco package is not installed"
    if name == "isaac_gym":
        if importlib.util.find_spec("isaacgym") is None:
            return ISAAC_GYM_MISSING
        if not (3, 6) <= sys.version_info[:2] <= (3, 8):
            return (f"the isaac_gym engine needs Python 3.6-3.8 (this is {sys.version_info[0]}."
                    f"{sys.version_info[1]}); data/engines/mujoco_engine.yaml works everywhere")
        return None
    return f"unknown engine '{name}' (known: {', '.join(KNOWN_ENGINES)})"


def available_engines() -> dict[str, str | None]:
    """Every known backend with None (usable) or the reason it is not."""
    return {name: engine_availability(name) for name in KNOWN_ENGINES}
