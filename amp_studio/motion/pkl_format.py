"""MimicKit's .pkl clip format, read with a restricted unpickler.

A pickle can name any importable callable and have it run on load, so the
unpickler admits only what a clip holds: plain containers, numbers, strings and
numpy arrays. Anything else is refused before it is called.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np

from amp_studio.errors import MotionError, describe
from amp_studio.motion.motion_clip import MotionClip

# (module, name) pairs a numpy array or scalar needs to rebuild itself; nothing here runs user code.
_ALLOWED = {
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("collections", "OrderedDict"),
}
# Pickles written by numpy < 2 name numpy.core, which numpy 2 keeps as a deprecated alias of numpy._core.
_RENAMED_MODULES = {"numpy.core.multiarray": "numpy._core.multiarray", "numpy.core.numeric": "numpy._core.numeric"}
# ... and numpy < 2 (numpy 1.24 is the newest for Python 3.8, where Isaac Gym's workers run) has no numpy._core.
_INSTALLED_CORE = "numpy._core" if int(np.__version__.split(".")[0]) >= 2 else "numpy.core"
_NUMPY_DTYPE_CLASSES = "numpy.dtypes"
# Protocol 5 (Python 3.14's default) rebuilds arrays from their bytes with numpy's _frombuffer; protocols 0-2
# carry bytes as text through _codecs.encode(text, "latin1"). Both are allowed, the latter for latin1 alone.
_FROMBUFFER = ("numpy._core.numeric", "_frombuffer")
_CODECS_ENCODE = ("_codecs", "encode")


def _latin1_encode(text: str, encoding: str = "utf-8") -> bytes:
    if encoding != "latin1" or not isinstance(text, str):
        raise pickle.UnpicklingError(f"refused to call _codecs.encode with {encoding!r}: a clip file may hold only "
                                     "data")
    return text.encode("latin1")

LOOP_CODES = {0: "clamp", 1: "wrap"}


class _ClipUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        module = _RENAMED_MODULES.get(module, module)
        if (module, name) == _CODECS_ENCODE:
            return _latin1_encode
        # numpy 2 pickles dtypes through their classes in numpy.dtypes (e.g. Float64DType).
        if (module, name) in _ALLOWED or (module, name) == _FROMBUFFER or (
                module == _NUMPY_DTYPE_CLASSES and name.endswith("DType")):
            if module.startswith("numpy._core."):
                module = _INSTALLED_CORE + module[len("numpy._core"):]
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load '{module}.{name}': a clip file may hold only data")


def restricted_load(data: bytes) -> object:
    """Unpickle bytes admitting only containers, numbers, strings and numpy arrays."""
    return _ClipUnpickler(io.BytesIO(data)).load()


def read_pkl(path: str | Path) -> MotionClip:
    """Read a MimicKit clip: {'loop_mode': 0 clamp | 1 wrap, 'fps': float, 'frames': [N, 6 + dofs]}."""
    path = Path(path)
    try:
        data = restricted_load(path.read_bytes())
    except pickle.UnpicklingError as exc:
        raise MotionError(path, f"not a clip pickle: {exc}") from None
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged pickles fail in the unpickler and numpy in many ways
        raise MotionError(path, f"malformed pickle ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(data, dict):
        raise MotionError(path, f"expected a dict with 'loop_mode', 'fps' and 'frames', got {type(data).__name__}")
    for key in ("loop_mode", "fps", "frames"):
        if key not in data:
            raise MotionError(path, f"field '{key}' is missing")
    loop_mode = data["loop_mode"]
    if isinstance(loop_mode, (bool, np.bool_)) or not isinstance(loop_mode, (int, np.integer)) or int(
        loop_mode
    ) not in LOOP_CODES:
        raise MotionError(path, f"field 'loop_mode': expected 0 (clamp) or 1 (wrap), got {describe(loop_mode)}")
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        raise MotionError(path, f"field 'name': expected text, got {describe(name)}")
    retarget = data.get("retarget")
    if retarget is not None and not isinstance(retarget, dict):
        raise MotionError(path, f"field 'retarget': expected a mapping, got {describe(retarget)}")
    return MotionClip(
        fps=data["fps"],
        loop=LOOP_CODES[int(loop_mode)],
        frames=data["frames"],
        name=name or path.stem,
        source=str(path),
        retarget=retarget,
        task_commands=data.get("task_commands"),
    )


def write_pkl(clip: MotionClip, path: str | Path) -> None:
    """Write a clip in MimicKit's format (plus its name), atomically."""
    path = Path(path)
    payload = {
        "loop_mode": 1 if clip.loop == "wrap" else 0,
        "fps": float(clip.fps),
        "frames": np.asarray(clip.frames, dtype=np.float64),
        "name": clip.name,
    }
    if clip.retarget:
        payload["retarget"] = clip.retarget  # MimicKit ignores keys it does not read
    if clip.task_commands is not None:
        payload["task_commands"] = np.asarray(clip.task_commands, dtype=np.float64)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            pickle.dump(payload, f, protocol=4)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise MotionError(path, f"cannot write: {exc.strerror}") from None
