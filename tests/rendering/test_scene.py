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


def test_a_character_file_with_its_own_floor_and_sky_gets_the_scenes(tmp_path):
    """The G1's file brings a floor named "floor" and a skybox: the scene replaces them with its own, and a
    changed file is compiled again rather than taken from the cache."""
    from amp_studio import DEFAULT_CHARACTER
    from amp_studio.rendering.scene import FLOOR

    text = DEFAULT_CHARACTER.read_text()
    path = tmp_path / "with_floor.xml"
    path.write_text(text.replace("<worldbody>", '<asset><texture type="skybox" builtin="flat" width="8" height="8"/>'
                                 '</asset>\n  <worldbody>\n    <geom name="floor" type="plane" size="0 0 1"/>', 1))
    scene = Scene(str(path))
    planes = [g for g in range(scene.model.ngeom) if scene.model.geom_type[g] == 0]  # mjGEOM_PLANE
    assert planes == [scene.model.geom(FLOOR).id]
    assert sum(scene.model.tex_type == 2) == 1  # mjTEXTURE_SKYBOX: the scene's sky alone
    assert scene.pick_ground(0.5, 0.2, 4 / 3) is not None
    path.write_text(text)
    assert Scene(str(path)).model.ngeom == scene.model.ngeom  # the same model without the file's floor
