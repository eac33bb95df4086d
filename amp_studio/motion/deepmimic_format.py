"""DeepMimic's JSON clip format (.txt), converted to this project's humanoid.

DeepMimic: y up, x forward, z right; joints as quaternions (w, x, y, z) or one
angle; arms down at rest; a duration per frame. Ours: z up, x forward, y left;
exponential maps; T-pose rest; one fps. The mapping below was checked by
forward kinematics (docs/design.md section 3).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

from amp_studio.errors import MotionError, describe
from amp_studio.motion.motion_clip import MAX_ABS_VALUE, MAX_FPS, MAX_FRAMES, MotionClip
from amp_studio.rotations import (
    quat_conj,
    quat_mul,
    quat_normalize,
    quat_rotate,
    quat_sign_continuous,
    quat_slerp,
    quat_to_exp_map,
)

FRAME_WIDTH = 44
# (offset in a DeepMimic frame, our first DoF index) for each spherical joint, in DeepMimic's order.
_SPHERICAL = {
    "chest": (8, 0),
    "neck": (12, 3),
    "right_hip": (16, 14),
    "right_ankle": (21, 18),
    "right_shoulder": (25, 6),
    "left_hip": (30, 21),
    "left_ankle": (35, 25),
    "left_shoulder": (39, 10),
}
# (offset, our DoF index, sign) for each one-angle joint.
_REVOLUTE = {"right_knee": (20, 17, -1.0), "right_elbow": (29, 9, 1.0), "left_knee": (34, 24, -1.0),
             "left_elbow": (43, 13, -1.0)}
NUM_DOFS = 28

_S = math.sqrt(0.5)
# +90 degrees about x takes DeepMimic's axes (y up, z right) to ours (z up, y left).
_AXES = torch.tensor([_S, _S, 0.0, 0.0], dtype=torch.float64)
# The shoulders' rest changes from arms down to T-pose: +90 degrees about x on the right, -90 on the left.
_SHOULDER_REST = {"right_shoulder": torch.tensor([_S, _S, 0.0, 0.0], dtype=torch.float64),
                  "left_shoulder": torch.tensor([_S, -_S, 0.0, 0.0], dtype=torch.float64)}


def read_deepmimic(path: str | Path) -> MotionClip:
    """Read a DeepMimic clip and convert it to this project's humanoid (34 values per frame)."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise MotionError(path, "not a text file (DeepMimic clips are JSON)") from None
    except json.JSONDecodeError as exc:
        raise MotionError(path, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise MotionError(path, "malformed JSON: lists or objects nested too deeply") from None
    except ValueError as exc:  # an integer of thousands of digits
        raise MotionError(path, f"malformed JSON: {exc}") from None
    if not isinstance(doc, dict) or "Frames" not in doc:
        raise MotionError(path, "field 'Frames' is missing (expected a DeepMimic clip: {'Loop': ..., 'Frames': ...})")
    loop = doc.get("Loop", "none")
    if loop not in ("wrap", "none", "clamp"):
        raise MotionError(path, f"field 'Loop': expected 'wrap' or 'none', got {describe(loop)}")
    raw = _frames_table(doc["Frames"], path)
    fps, raw = _uniform_rate(raw, path)
    frames = convert_frames(torch.from_numpy(raw[:, 1:])).numpy()
    return MotionClip(fps=fps, loop="wrap" if loop == "wrap" else "clamp", frames=frames, name=path.stem,
                      source=str(path))


def _frames_table(frames: object, path: Path) -> np.ndarray:
    if not isinstance(frames, list):
        raise MotionError(path, f"field 'Frames': expected a list of frames, got {type(frames).__name__}")
    if len(frames) < 2:
        raise MotionError(path, f"field 'Frames': a clip needs at least 2 frames, got {len(frames)}")
    for i, frame in enumerate(frames):
        if not isinstance(frame, list):
            raise MotionError(path, f"field 'Frames': frame {i} is {describe(frame)}, expected a list of "
                                    f"{FRAME_WIDTH} values")
        if len(frame) != FRAME_WIDTH:
            raise MotionError(path, f"field 'Frames': frame {i} has {len(frame)} values, expected {FRAME_WIDTH} "
                                    "(duration, root position, root and joint rotations)")
    if len(frames) > MAX_FRAMES:
        raise MotionError(path, f"field 'Frames': {len(frames):,d} frames, at most {MAX_FRAMES:,d}")
    try:
        table = np.array(frames, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise MotionError(path, "field 'Frames': every value must be a number") from None
    if table.ndim != 2:  # frames of 44 lists
        raise MotionError(path, "field 'Frames': every value must be a number, not a list")
    bad = ~np.isfinite(table)
    if bad.any():
        frame, col = (int(i) for i in np.argwhere(bad)[0])
        raise MotionError(path, f"field 'Frames': non-finite value (NaN or inf) at frame {frame}, value {col}")
    huge = np.abs(table) > MAX_ABS_VALUE
    if huge.any():
        frame, col = (int(i) for i in np.argwhere(huge)[0])
        raise MotionError(path, f"field 'Frames': value {table[frame, col]:g} at frame {frame}, value {col} is out "
                                f"of range (at most {MAX_ABS_VALUE:g})")
    for start in [4] + [offset for offset, _ in _SPHERICAL.values()]:
        norms = np.linalg.norm(table[:, start:start + 4], axis=1)
        if np.any(norms < 1e-6):
            frame = int(np.argmax(norms < 1e-6))
            raise MotionError(path, f"field 'Frames': frame {frame}, values {start} to {start + 3}: a rotation "
                                    "quaternion of length zero")
    return table


def _uniform_rate(raw: np.ndarray, path: Path) -> tuple[float, np.ndarray]:
    """fps from the per-frame durations; frames resampled where the durations are uneven."""
    dts = raw[:-1, 0]  # the last frame's duration is unused (often 0)
    if np.any(dts <= 0):
        i = int(np.argmax(dts <= 0))
        raise MotionError(path, f"field 'Frames': frame {i} has a non-positive duration {dts[i]}")
    rate = 1.0 / float(np.median(dts))
    if not rate <= MAX_FPS:  # also catches inf, from a duration of 1e-320 s
        raise MotionError(path, f"field 'Frames': frames of {np.median(dts):g} s are more than {MAX_FPS:g} fps")
    fps = float(round(rate))
    if fps <= 0:
        raise MotionError(path, f"field 'Frames': durations of {np.median(dts)} s give no usable frame rate")
    if np.allclose(dts, 1.0 / fps, rtol=0.02):
        return fps, raw
    times = np.concatenate(([0.0], np.cumsum(dts)))
    if not times[-1] * fps < MAX_FRAMES:
        raise MotionError(path, f"field 'Frames': durations add up to {times[-1]:g} s, which at {fps:g} fps is more "
                                f"than {MAX_FRAMES:,d} frames")
    return fps, _resample(raw, times, fps)


def _resample(raw: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """Frames at a uniform fps from frames at uneven times: positions and angles linear, quaternions slerped."""
    n = int(round(times[-1] * fps)) + 1
    new_t = np.minimum(np.arange(n) / fps, times[-1])
    i0 = np.clip(np.searchsorted(times, new_t, side="right") - 1, 0, len(times) - 2)
    blend = (new_t - times[i0]) / (times[i0 + 1] - times[i0])
    a, b = raw[i0], raw[i0 + 1]
    out = a + (b - a) * blend[:, None]
    t = torch.from_numpy(blend)
    for start in [4] + [off for off, _ in _SPHERICAL.values()]:
        q0 = torch.from_numpy(a[:, start:start + 4])
        q1 = torch.from_numpy(b[:, start:start + 4])
        out[:, start:start + 4] = quat_slerp(quat_normalize(q0), quat_normalize(q1), t).numpy()
    out[:, 0] = 1.0 / fps
    return out


def convert_frames(dm: torch.Tensor) -> torch.Tensor:
    """DeepMimic frames without the duration column to ours. Shape: (N, 43) -> (N, 34)."""
    n = dm.shape[0]
    axes = _AXES.to(dm.dtype).expand(n, 4)
    axes_inv = quat_conj(axes)

    def to_ours(q: torch.Tensor) -> torch.Tensor:
        return quat_mul(quat_mul(axes, quat_normalize(q)), axes_inv)

    out = torch.zeros(n, 6 + NUM_DOFS, dtype=dm.dtype)
    out[:, 0:3] = quat_rotate(axes, dm[:, 0:3])
    out[:, 3:6] = quat_to_exp_map(to_ours(dm[:, 3:7]))
    for name, (offset, dof) in _SPHERICAL.items():
        q = to_ours(dm[:, offset - 1:offset + 3])
        if name in _SHOULDER_REST:
            q = quat_mul(q, _SHOULDER_REST[name].to(dm.dtype).expand(n, 4))
        # Continuous over time: an arm overhead passes an angle of pi, where the shortest exp map would flip.
        out[:, 6 + dof:9 + dof] = quat_to_exp_map(quat_sign_continuous(q), shortest=False)
    for offset, dof, sign in _REVOLUTE.values():
        out[:, 6 + dof] = sign * dm[:, offset - 1]
    return out
