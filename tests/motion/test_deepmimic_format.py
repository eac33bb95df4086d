"""DeepMimic conversion, checked against an independent forward kinematics of the DeepMimic character file."""

from __future__ import annotations

import json

import mujoco
import numpy as np
import pytest
import torch

from amp_studio.engines import load_engine_config, make_engine
from amp_studio.motion import MotionLibrary, load_clip, save_clip
from amp_studio.motion.motion_checks import motion_info
from amp_studio.rotations import exp_map_to_quat, quat_from_axis_angle, quat_mul, quat_normalize, quat_rotate

pytestmark = pytest.mark.deepmimic

# DeepMimic joint -> our body that starts at that joint.
_JOINT_TO_BODY = {
    "root": "pelvis", "chest": "torso", "neck": "head", "right_hip": "right_thigh", "right_knee": "right_shin",
    "right_ankle": "right_foot", "right_shoulder": "right_upper_arm", "right_elbow": "right_lower_arm",
    "right_wrist": "right_hand", "left_hip": "left_thigh", "left_knee": "left_shin", "left_ankle": "left_foot",
    "left_shoulder": "left_upper_arm", "left_elbow": "left_lower_arm", "left_wrist": "left_hand",
}


def _clip_files(folder):
    return sorted(p for p in folder.glob("*.txt") if "LICENSE" not in p.name and "character" not in p.name)


def test_every_shared_clip_loads(deepmimic_dir, character):
    files = _clip_files(deepmimic_dir)
    assert len(files) >= 18
    for path in files:
        clip = load_clip(path, character.num_dofs)
        assert clip.num_frames >= 2 and clip.fps > 0 and np.isfinite(clip.frames).all(), path.name


def _deepmimic_joint_positions(deepmimic_dir, raw_frames):
    """World joint positions in DeepMimic's own frame (y up), from its character file and quaternions."""
    skeleton = json.loads((deepmimic_dir / "humanoid3d_character.txt").read_text())["Skeleton"]["Joints"]
    f = torch.tensor(raw_frames, dtype=torch.float64)
    n = f.shape[0]
    col = 8  # after duration, root position and root rotation
    pos, rot, names = [], [], []
    for joint in skeleton:
        parent = joint["Parent"]
        if parent < 0:
            p, q = f[:, 1:4], quat_normalize(f[:, 4:8])
        else:
            attach = torch.tensor([joint["AttachX"], joint["AttachY"], joint["AttachZ"]], dtype=torch.float64)
            p = pos[parent] + quat_rotate(rot[parent], attach.expand(n, 3))
            if joint["Type"] == "spherical":
                local = quat_normalize(f[:, col:col + 4])
                col += 4
            elif joint["Type"] == "revolute":
                local = quat_from_axis_angle(torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64), f[:, col])
                col += 1
            else:
                local = torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64).expand(n, 4)
            q = quat_mul(rot[parent], local)
        pos.append(p)
        rot.append(q)
        names.append(joint["Name"])
    assert col == 44
    return names, torch.stack(pos, 1)


def _our_positions_spherical(character, frames):
    """Our body positions with each spherical joint's exp map taken as one rotation (the mocap's meaning)."""
    m = character.source_model
    f = torch.from_numpy(frames)
    n = f.shape[0]
    spherical = {j.body: j.dof_start for j in character.joints if j.is_spherical}
    hinge = {j.body: j.dof_start for j in character.joints if not j.is_spherical}
    pos, rot = [], []
    for b in range(character.num_bodies):
        parent = character.parents[b]
        if parent < 0:
            p, q = f[:, :3], exp_map_to_quat(f[:, 3:6])
        else:
            p = pos[parent] + quat_rotate(rot[parent], torch.tensor(m.body_pos[b + 1]).expand(n, 3))
            q = rot[parent]
            if b in spherical:
                q = quat_mul(q, exp_map_to_quat(f[:, 6 + spherical[b]:9 + spherical[b]]))
            elif b in hinge:
                axis = torch.tensor(m.jnt_axis[hinge[b] + 1])
                assert axis.abs().sum() == 1
                q = quat_mul(q, quat_from_axis_angle(axis.expand(n, 3), f[:, 6 + hinge[b]]))
        pos.append(p)
        rot.append(q)
    return torch.stack(pos, 1)


@pytest.mark.parametrize("name", ["walk", "run", "spinkick"])
def test_conversion_matches_deepmimic_kinematics(deepmimic_dir, character, name):
    """Every joint lands where DeepMimic's own skeleton puts it (axes changed y-up -> z-up), to 1e-6 m."""
    path = deepmimic_dir / f"humanoid3d_{name}.txt"
    raw = json.loads(path.read_text())["Frames"]
    names, theirs = _deepmimic_joint_positions(deepmimic_dir, raw)
    x, y, z = theirs.unbind(-1)
    theirs_in_ours = torch.stack((x, -z, y), -1)  # +90 degrees about x
    ours = _our_positions_spherical(character, load_clip(path).frames)
    for i, joint in enumerate(names):
        b = character.body_id(_JOINT_TO_BODY[joint])
        err = (ours[:, b] - theirs_in_ours[:, i]).norm(dim=-1).max().item()
        assert err < 1e-6, (name, joint, err)


@pytest.mark.parametrize("name", ["walk", "run", "spinkick", "backflip", "cartwheel"])
def test_studio_poses_the_clip_as_deepmimic_does(deepmimic_dir, character, name):
    """Posed by the studio (the character model's FK, and MuJoCo's own kinematics of an engine reset to the
    clip's frames), every joint is within 1e-4 m of DeepMimic's forward kinematics of its quaternions."""
    path = deepmimic_dir / f"humanoid3d_{name}.txt"
    names, theirs = _deepmimic_joint_positions(deepmimic_dir, json.loads(path.read_text())["Frames"])
    x, y, z = theirs.unbind(-1)
    theirs_in_ours = torch.stack((x, -z, y), -1)  # +90 degrees about x
    clip = load_clip(path)
    bodies = [character.body_id(_JOINT_TO_BODY[joint]) for joint in names]

    fk, _ = character.forward_kinematics_frames(torch.from_numpy(clip.frames))
    fk_err = (fk[:, bodies] - theirs_in_ours).norm(dim=-1).max().item()
    assert fk_err < 1e-4, (name, "character model", fk_err)

    lib = MotionLibrary([clip], None, character, dtype=torch.float64)
    n = clip.num_frames
    engine = make_engine(load_engine_config("data/engines/mujoco_engine.yaml"), character, n)
    try:
        # A wrapping clip's end is the next cycle's start: the last frame is read just before it.
        times = (torch.arange(n, dtype=torch.float64) / clip.fps).clamp(max=clip.duration - 1e-9)
        engine.reset(torch.arange(n), lib.get_state(torch.zeros(n, dtype=torch.long), times))
        qpos = engine.qpos().copy()
        model = engine.model
    finally:
        engine.close()
    d = mujoco.MjData(model)
    sim = np.zeros((n, character.num_bodies, 3))
    for i in range(n):
        d.qpos[:] = qpos[i]
        mujoco.mj_kinematics(model, d)
        sim[i] = d.xpos[1:character.num_bodies + 1]
    sim_err = float(np.linalg.norm(sim[:, bodies] - theirs_in_ours.numpy(), axis=-1).max())
    assert sim_err < 1e-4, (name, "engine reset", sim_err)


def test_studio_pkl_reads_back_the_same_positions(deepmimic_dir, character, tmp_path):
    """A MimicKit .pkl written by the studio from a DeepMimic clip gives the same body positions."""
    clip = load_clip(deepmimic_dir / "humanoid3d_cartwheel.txt")
    save_clip(clip, tmp_path / "cartwheel.pkl")
    back = load_clip(tmp_path / "cartwheel.pkl")
    assert back.fps == clip.fps and back.loop == clip.loop
    a, _ = character.forward_kinematics_frames(torch.from_numpy(clip.frames))
    b, _ = character.forward_kinematics_frames(torch.from_numpy(back.frames))
    assert (a - b).norm(dim=-1).max().item() < 1e-9


def test_walk_conversion_is_plausible_in_mujoco(deepmimic_dir, character):
    """Feet low, head high, walking forward along the character's own heading, right foot on the right."""
    clip = load_clip(deepmimic_dir / "humanoid3d_walk.txt")
    assert clip.fps == 30 and clip.loop == "wrap" and clip.num_frames == 39
    pos, rot = character.forward_kinematics_frames(torch.from_numpy(clip.frames))
    head, rfoot, lfoot = (character.body_id(n) for n in ("head", "right_foot", "left_foot"))
    assert (pos[:, head, 2] > 1.25).all()  # the neck joint, head centre 0.175 m higher
    feet_z = pos[:, [rfoot, lfoot], 2]
    assert (feet_z.min(dim=1).values < 0.1).all() and (feet_z < 0.35).all()  # one foot always down
    travel = clip.frames[-1, :2] - clip.frames[0, :2]
    speed = np.linalg.norm(travel) / clip.duration
    assert 0.8 < speed < 1.5
    heading = quat_rotate(rot[0, 0], torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))[:2].numpy()
    assert np.dot(heading, travel / np.linalg.norm(travel)) > 0.9
    left = quat_rotate(rot[0, 0], torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64))[:2].numpy()
    right_minus_left = (pos[:, rfoot, :2] - pos[:, lfoot, :2]).mean(0).numpy()
    assert np.dot(right_minus_left, left) < -0.1


@pytest.mark.parametrize("name", ["walk", "run", "jog"])
def test_locomotion_clips_touch_the_ground(deepmimic_dir, character, name):
    info = motion_info(load_clip(deepmimic_dir / f"humanoid3d_{name}.txt"), character)
    assert -0.02 <= info["lowest_point_mean"] <= 0.04, info
    assert 0.8 <= info["root_height_mean"] <= 0.95, info
    assert info["joint_limit_violation_max"] < 0.05, info


def test_uneven_frame_durations_are_resampled(deepmimic_dir):
    """humanoid3d_roll has one double-length frame; the clip keeps its total time at a uniform 60 fps."""
    raw = json.loads((deepmimic_dir / "humanoid3d_roll.txt").read_text())["Frames"]
    total = sum(frame[0] for frame in raw[:-1])
    clip = load_clip(deepmimic_dir / "humanoid3d_roll.txt")
    assert clip.fps == 60
    assert abs(clip.duration - total) <= 0.5 / clip.fps
    assert clip.num_frames == len(raw) + 1


def test_joint_rotation_passing_pi_stays_continuous():
    """A chest turning through 180 degrees about DeepMimic's y (our z) gives exp maps 2.97, 3.14, 3.32, not a flip."""
    from amp_studio.motion.deepmimic_format import convert_frames

    angles = torch.tensor([170.0, 180.0, 190.0], dtype=torch.float64).deg2rad()
    frames = torch.zeros(3, 43, dtype=torch.float64)
    frames[:, 3] = 1.0  # root quaternion w
    for start in (7, 11, 15, 20, 24, 29, 34, 38):
        frames[:, start] = 1.0  # every joint quaternion w
    frames[:, 7] = torch.cos(angles / 2)
    frames[:, 9] = torch.sin(angles / 2)
    ours = convert_frames(frames)
    assert torch.allclose(ours[:, 6:9], torch.stack((0 * angles, 0 * angles, angles), -1), atol=1e-9)
