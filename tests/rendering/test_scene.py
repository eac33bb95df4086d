"""The viewport's scene and clip poses show the clip as recorded: spherical joints as exact rotations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from amp_studio.motion import MotionLibrary, load_clip
from amp_studio.rendering.clip_poses import ClipPoses
from amp_studio.rendering.scene import Scene


@pytest.mark.deepmimic
def test_clip_preview_and_ghost_match_the_character_kinematics(deepmimic_dir, character):
    clip = load_clip(deepmimic_dir / "humanoid3d_cartwheel.txt")
    poses = ClipPoses(clip.frames, clip.fps, clip.loop, character.ball.spherical_starts)
    lib = MotionLibrary([clip], None, character, dtype=torch.float64)
    scene = Scene(str(character.path))
    n = character.num_bodies
    # Frame times and times between frames (slerped like the motion library).
    times = np.linspace(0.0, clip.duration - 1e-6, 97)
    state = lib.get_state(torch.zeros(len(times), dtype=torch.long), torch.from_numpy(times))
    expected, _ = character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    worst = 0.0
    for i, t in enumerate(times):
        scene.set_pose(poses.pose(float(t)))
        scene.set_ghost(poses.pose(float(t)))
        worst = max(worst, float(np.abs(scene.data.xpos[1:n + 1] - expected[i].numpy()).max()),
                    float(np.abs(scene.ghost.xpos[1:n + 1] - expected[i].numpy()).max()))
    assert worst < 1e-6, worst
    scene.close()
