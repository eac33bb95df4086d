"""Which physics backends can run here, and why not. Torch-free, so the GUI can ask without loading them."""

from __future__ import annotations

import importlib.util
import sys

KNOWN_ENGINES = ("mujoco", "isaac_gym")

ISAAC_GYM_MISSING = (
    "the isaac_gym engine needs NVIDIA's isaacgym package, which cannot be imported here (Python {python}): "
    "it is not on PyPI, needs Python 3.6-3.8 and an NVIDIA GPU, and is deprecated in favour of Isaac Lab; "
    "data/engines/mujoco_engine.yaml works everywhere"
)


def is_installed(module: str) -> bool:
    """Whether a package can be imported, found without importing it."""
    # find_spec locates a package without importing it: importing isaacgym after torch raises, by design.
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def isaac_gym_missing() -> str:
    """The one-sentence reason the isaac_gym engine cannot run here."""
    return ISAAC_GYM_MISSING.format(python=f"{sys.version_info.major}.{sys.version_info.minor}")


def engine_availability(name: str) -> str | None:
    """None if the engine `name` can be used here, else one sentence saying why not (imports nothing heavy)."""
    if name == "mujoco":
        return None if is_installed("mujoco") else "the mujoco engine needs the mujoco package (pip install mujoco)"
    if name == "isaac_gym":
        if not is_installed("isaacgym") or not (3, 6) <= sys.version_info[:2] <= (3, 8):
            return isaac_gym_missing()
        return None
    return f"unknown engine_name '{name}' (available: {', '.join(KNOWN_ENGINES)})"


def available_engines() -> dict[str, str | None]:
    """Every known engine with None if usable here, else the reason it is not (for showing it disabled)."""
    return {name: engine_availability(name) for name in KNOWN_ENGINES}
