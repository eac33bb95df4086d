"""Author the clips bundled in data/motions/: an idle sway and a walk cycle for the default humanoid.

Joint angles are smooth periodic curves drawn from a few keyframe values; the
root then comes from the character's own kinematics: its height puts the lowest
point of the body 2 mm above the ground in every frame, and during the walk its
forward motion keeps the stance foot from sliding.

    python scripts/make_bundled_clips.py            # writes data/motions/*.pkl and bundled.yaml
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch

from amp_studio import DATA_DIR
from amp_studio.character import CharacterModel
from amp_studio.motion import MotionClip, save_clip, write_dataset
from amp_studio.motion.motion_checks import lowest_point_per_frame

FPS = 30.0
CLEARANCE = 0.002  # metres between the lowest point and the ground

# DoF indices of the default humanoid (in the order of docs/design.md section 2).
ABDOMEN_X, ABDOMEN_Y, ABDOMEN_Z = 0, 1, 2
NECK_Y, NECK_Z = 4, 5
R_SHOULDER_X, R_SHOULDER_Z, R_ELBOW = 6, 8, 9
L_SHOULDER_X, L_SHOULDER_Z, L_ELBOW = 10, 12, 13
R_HIP_X, R_HIP_Y, R_HIP_Z, R_KNEE, R_ANKLE_X, R_ANKLE_Y = 14, 15, 16, 17, 18, 19
L_HIP_X, L_HIP_Y, L_HIP_Z, L_KNEE, L_ANKLE_X, L_ANKLE_Y = 21, 22, 23, 24, 25, 26


def bump(phase: np.ndarray, centre: float, width: float) -> np.ndarray:
    """A periodic Gaussian bump of height 1 on phase in [0, 1)."""
    d = (phase - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width) ** 2)


def arms_down(frames: np.ndarray) -> None:
    frames[:, 6 + R_SHOULDER_X] = 1.45
    frames[:, 6 + L_SHOULDER_X] = -1.45
    frames[:, 6 + R_ELBOW] = 0.25
    frames[:, 6 + L_ELBOW] = -0.25


def walk_frames(period: float = 1.1) -> np.ndarray:
    """One gait cycle (two steps) at FPS, the root still at the origin: the legs' angles only."""
    n = int(round(period * FPS)) + 1
    phase = np.arange(n) / (n - 1)
    frames = np.zeros((n, 34))
    arms_down(frames)
    for side, offset in (("right", 0.0), ("left", 0.5)):
        p = (phase + offset) % 1.0
        hip, knee, ankle, hip_x, ankle_x = (
            (R_HIP_Y, R_KNEE, R_ANKLE_Y, R_HIP_X, R_ANKLE_X) if side == "right"
            else (L_HIP_Y, L_KNEE, L_ANKLE_Y, L_HIP_X, L_ANKLE_X)
        )
        # Heel strike at p = 0 with the leg forward (negative hip_y); toe-off near p = 0.6.
        hip_angle = -0.12 - 0.32 * np.cos(2 * math.pi * p)
        knee_angle = 0.08 + 0.12 * bump(p, 0.12, 0.07) + 1.0 * bump(p, 0.72, 0.11)
        # Sagittal angles add up along the leg: the foot stays level, then pushes off.
        ankle_angle = -(hip_angle + knee_angle) + 0.3 * bump(p, 0.58, 0.05)
        frames[:, 6 + hip] = hip_angle
        frames[:, 6 + knee] = knee_angle
        # In swing the level-foot rule can ask for more than the ankle's range; the foot then tips a little.
        frames[:, 6 + ankle] = np.clip(ankle_angle, -0.9, 0.9)
        sway = 0.04 * np.sin(2 * math.pi * p)
        frames[:, 6 + hip_x] = sway
        frames[:, 6 + ankle_x] = -sway
    # Arms swing against the legs; the trunk leans a little and counter-rotates.
    swing = -0.3 * np.cos(2 * math.pi * phase)
    frames[:, 6 + R_SHOULDER_Z] = swing
    frames[:, 6 + L_SHOULDER_Z] = swing
    frames[:, 6 + ABDOMEN_Y] = 0.06
    frames[:, 6 + ABDOMEN_Z] = 0.08 * np.cos(2 * math.pi * phase)
    frames[:, 6 + NECK_Y] = -0.04
    frames[:, 1] = 0.025 * np.sin(2 * math.pi * phase)
    return frames


def idle_frames(duration: float = 4.0) -> np.ndarray:
    """A standing weight shift with breathing and a glance aside, periodic over duration."""
    n = int(round(duration * FPS)) + 1
    phase = np.arange(n) / (n - 1)
    frames = np.zeros((n, 34))
    arms_down(frames)
    shift = 0.03 * np.sin(2 * math.pi * phase)
    frames[:, 1] = shift
    # Both legs lean so the feet stay where they are under the moving pelvis; the ankles keep the feet flat.
    lean = -np.arctan2(shift, 0.83)
    for hip_x, ankle_x, knee in ((R_HIP_X, R_ANKLE_X, R_KNEE), (L_HIP_X, L_ANKLE_X, L_KNEE)):
        frames[:, 6 + hip_x] = lean
        frames[:, 6 + ankle_x] = -lean
        frames[:, 6 + knee] = 0.05
    for hip_y, knee, ankle_y in ((R_HIP_Y, R_KNEE, R_ANKLE_Y), (L_HIP_Y, L_KNEE, L_ANKLE_Y)):
        frames[:, 6 + hip_y] = -0.025
        frames[:, 6 + ankle_y] = -(frames[:, 6 + hip_y] + frames[:, 6 + knee])
    frames[:, 6 + ABDOMEN_Y] = 0.03 + 0.02 * np.sin(4 * math.pi * phase)
    frames[:, 6 + ABDOMEN_X] = -0.5 * lean
    frames[:, 6 + NECK_Z] = 0.35 * bump(phase, 0.6, 0.08)
    frames[:, 6 + R_SHOULDER_Z] = 0.05 * np.sin(2 * math.pi * phase)
    frames[:, 6 + L_SHOULDER_Z] = 0.05 * np.sin(2 * math.pi * phase)
    return frames


def place_on_ground(frames: np.ndarray, character: CharacterModel) -> None:
    """Set the root height so the lowest point of the body is CLEARANCE above the ground in every frame."""
    frames[:, 2] = 0.0
    lowest = lowest_point_per_frame(MotionClip(FPS, "clamp", frames), character)
    frames[:, 2] = CLEARANCE - lowest


def plant_stance_feet(frames: np.ndarray, character: CharacterModel) -> None:
    """Move the root forward so that feet on the ground do not slide (the root's x is otherwise zero)."""
    pos, _ = character.forward_kinematics_frames(torch.from_numpy(frames))
    feet = [character.body_id("right_foot"), character.body_id("left_foot")]
    ankle = pos[:, feet].numpy()  # (n, 2, 3) with the root at x = 0
    # The lower ankle carries the body: the root moves by whatever that foot would otherwise slide.
    lower = ankle[:, :, 2].argmin(axis=1)
    step = np.zeros(len(frames))
    for i in range(1, len(frames)):
        foot = lower[i]
        step[i] = -(ankle[i, foot, 0] - ankle[i - 1, foot, 0])
    frames[:, 0] = np.cumsum(step)


def foot_slide(frames: np.ndarray, character: CharacterModel) -> float:
    """Mean horizontal speed (m/s) of planted feet (ankle within 1.5 cm of the lower ankle in both frames)."""
    pos, _ = character.forward_kinematics_frames(torch.from_numpy(frames))
    feet = [character.body_id("right_foot"), character.body_id("left_foot")]
    ankle = pos[:, feet].numpy()
    planted = ankle[:, :, 2] < ankle[:, :, 2].min(axis=1, keepdims=True) + 0.015
    down = planted[1:] & planted[:-1]
    speed = np.linalg.norm(np.diff(ankle[:, :, :2], axis=0), axis=-1) * FPS
    return float(speed[down].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out_dir", type=Path, default=DATA_DIR / "motions")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    character = CharacterModel()

    walk = walk_frames()
    place_on_ground(walk, character)
    plant_stance_feet(walk, character)
    idle = idle_frames()
    place_on_ground(idle, character)

    clips = {"walk_keyframed": walk, "idle_sway": idle}
    for name, frames in clips.items():
        clip = MotionClip(fps=FPS, loop="wrap", frames=frames, name=name, source="scripts/make_bundled_clips.py")
        save_clip(clip, args.out_dir / f"{name}.pkl")
        speed = np.linalg.norm(frames[-1, :2] - frames[0, :2]) / clip.duration
        print(f"{name}: {clip.num_frames} frames, {clip.duration:.2f} s, root speed {speed:.2f} m/s, "
              f"planted-foot slide {foot_slide(frames, character):.3f} m/s")
    write_dataset([(args.out_dir / "walk_keyframed.pkl", 1.0), (args.out_dir / "idle_sway.pkl", 0.25)],
                  args.out_dir / "bundled.yaml")


if __name__ == "__main__":
    main()
