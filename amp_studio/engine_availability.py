"""Which physics backends can run here, and why not. Torch-free, so the GUI can ask without loading them."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ISAAC_GYM_MISSING = (
    "the isaac_gym engine needs NVIDIA's isaacgym package, which cannot be imported here (Python {python}): "
    "it is not on PyPI, needs Python 3.6-3.8 and an NVIDIA GPU, and is deprecated in favour of Isaac Lab; "
    "data/engines/mujoco_engine.yaml works everywhere; where Isaac Gym has its own Python 3.8 environment, give "
    "its interpreter as the worker Python (--worker_python PATH; in the app: Training > Worker Pythons…)"
)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The folder holding the amp_studio package: a worker under another interpreter finds the package here."""
ENGINE_MODULES = {"mujoco": "mujoco", "mujoco_warp": "mujoco_warp", "isaac_gym": "isaacgym"}
"""The module each engine needs, imported first by a worker (Isaac Gym refuses to load after torch)."""
KNOWN_ENGINES = tuple(ENGINE_MODULES)
CHECK_SECONDS = 120.0


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
    if name == "mujoco_warp":
        if is_installed("mujoco_warp") and is_installed("warp"):
            return None
        return ("the mujoco_warp engine needs the mujoco-warp package (pip install mujoco-warp; it brings NVIDIA "
                "Warp, which runs on CUDA GPUs and on the CPU)")
    if name == "isaac_gym":
        if not is_installed("isaacgym") or not (3, 6) <= sys.version_info[:2] <= (3, 8):
            return isaac_gym_missing()
        return None
    return f"unknown engine_name '{name}' (available: {', '.join(KNOWN_ENGINES)})"


def available_engines() -> dict[str, str | None]:
    """Every known engine with None if usable here, else the reason it is not (for showing it disabled)."""
    return {name: engine_availability(name) for name in KNOWN_ENGINES}


def import_isaac_gym_first(argv: list[str]) -> None:
    """Import isaacgym now if the arguments' --engine_config selects it: Isaac Gym refuses to load after torch,
    which everything else imports. Where it is missing, the engine builder says so clearly later."""
    for i, arg in enumerate(argv[:-1]):
        if arg == "--engine_config":
            try:
                text = Path(argv[i + 1]).read_text(encoding="utf-8", errors="replace")
            except OSError:
                return
            if "isaac_gym" in text:
                with contextlib.suppress(ImportError):
                    import isaacgym  # noqa: F401


def engine_name_of(path: str | Path) -> str:
    """The engine_name an engine config file selects ('mujoco' where the file says none or cannot be read: a bad
    file is reported by the worker that loads it)."""
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return "mujoco"
    name = data.get("engine_name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else "mujoco"


def worker_environment(python: str | None) -> dict[str, str]:
    """Environment variables for a worker run by `python` (None: this interpreter): another interpreter finds
    this project's package through PYTHONPATH, so its environment needs only the dependencies."""
    if not python or os.path.realpath(python) == os.path.realpath(sys.executable):
        return {}
    path = os.environ.get("PYTHONPATH", "")
    return {"PYTHONPATH": str(PROJECT_ROOT) + (os.pathsep + path if path else "")}


_CHECK = """
import importlib, json, sys
sys.path.insert(0, sys.argv[2])
found = {"python": "%d.%d.%d" % sys.version_info[:3]}
try:
    for name in (sys.argv[1], "numpy", "yaml", "mujoco", "torch", "amp_studio.worker.worker_main"):
        module = importlib.import_module(name)
        found[name] = getattr(module, "__version__", "")
except BaseException as exc:
    text = str(exc).splitlines()[0] if str(exc) else ""
    found["error"] = "cannot import %s: %s: %s" % (name, type(exc).__name__, text)
if "error" not in found and sys.argv[1] == "mujoco" and not hasattr(importlib.import_module("mujoco.rollout"),
                                                                   "Rollout"):
    found["error"] = ("has mujoco %s, older than the 3.3 the mujoco engine needs (threaded rollouts, contact "
                      "sensors; Python 3.9 or newer): run this engine in the app's Python" % found["mujoco"])
print(json.dumps(found))
"""


def interpreter_check(name: str, python: str) -> list[str] | str:
    """The command that checks engine `name` under the interpreter `python` (its output goes to read_check), or
    the reason it cannot even be tried."""
    module = ENGINE_MODULES.get(name)
    if module is None:
        return f"unknown engine_name '{name}' (available: {', '.join(KNOWN_ENGINES)})"
    if not os.path.isfile(python) or not os.access(python, os.X_OK):
        return f"the worker Python {python} is not an executable file"
    return [python, "-c", _CHECK, module, str(PROJECT_ROOT)]


def read_check(python: str, stdout: str, stderr: str) -> tuple[str | None, dict]:
    """(None, versions found) if the check's output says the engine can run there, else (why not, found)."""
    lines = stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        tail = (stderr.strip().splitlines() or ["no output"])[-1]
        return f"the worker Python {python} is not a Python this project can use ({tail[:200]})", {}
    if "error" in found:
        return f"the worker Python {python} (Python {found.get('python')}) {found['error']}", found
    return None, found


def interpreter_availability(name: str, python: str, timeout: float = CHECK_SECONDS) -> tuple[str | None, dict]:
    """Whether engine `name` can run in workers under the interpreter `python`: (None, versions found) if it can,
    else (one sentence saying why not, what was found). Runs the interpreter once: seconds, so not on a UI thread."""
    command = interpreter_check(name, python)
    if isinstance(command, str):
        return command, {}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=str(PROJECT_ROOT),
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return f"the worker Python {python} did not answer within {timeout:g} s", {}
    except OSError as exc:
        return f"the worker Python {python} cannot be run: {exc.strerror or exc}", {}
    return read_check(python, done.stdout, done.stderr)
