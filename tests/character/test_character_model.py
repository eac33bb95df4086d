from __future__ import annotations

import math

import mujoco
import numpy as np
import pytest
import torch

from amp_studio.character import CharacterModel
from amp_studio.errors import CharacterError
from amp_studio.rotations import quat_normalize


def test_default_humanoid_layout(character):
    m = character.mj_model
    # Eight ball joints (4 qpos, 3 DoFs each) and four hinges; one PD actuator per DoF.
    assert (m.nq, m.nv, m.nu) == (7 + 8 * 4 + 4, 34, 28)
    assert character.source_model.nq == 35
    assert character.num_bodies == 15
    assert character.num_dofs == 28
    assert character.body_names[0] == "pelvis"
    assert [character.body_names[i] for i in character.key_body_ids] == [
        "head", "right_hand", "left_hand", "right_foot", "left_foot"
    ]
    spherical = [j.name for j in character.joints if j.is_spherical]
    hinges = [j.name for j in character.joints if not j.is_spherical]
    assert spherical == ["abdomen", "neck", "right_shoulder", "left_shoulder", "right_hip", "right_ankle",
                         "left_hip", "left_ankle"]
    assert hinges == ["right_elbow", "left_elbow", "right_knee", "left_knee"]
    assert character.spherical_dof_index.shape == (8, 3)
    assert character.hinge_dof_index.tolist() == [9, 13, 17, 24]
    assert character.dof_lower[9] == 0 and abs(float(character.dof_upper[9]) - 2.7925) < 1e-6


def test_pd_gains_are_actuators_not_joint_springs(character):
    m = character.mj_model
    assert np.all(m.jnt_stiffness == 0)
    assert np.all(m.actuator_gainprm[:, 0] > 0)  # kp
    assert np.all(m.actuator_biasprm[:, 2] < 0)  # -kv
    assert m.actuator_forcerange[0].tolist() == [-200, 200]


def test_standing_rest_pose_height(character):
    """With the root at 0.88 m the rest pose's feet touch the ground."""
    m = character.mj_model
    d = mujoco.MjData(m)
    d.qpos[:3] = [0, 0, 0.88]
    mujoco.mj_kinematics(m, d)
    foot = m.geom("right_foot").id
    bottom = d.geom_xpos[foot][2] - m.geom_size[foot][2]
    assert abs(bottom) < 0.005


def random_dofs(character, n: int, gen: torch.Generator) -> torch.Tensor:
    """DoFs in range for hinges; spherical joints at random axes and angles in [0, pi], a quarter of them
    within 0.01 of pi, where an exponential map is closest to flipping."""
    lo, hi = character.dof_lower.double(), character.dof_upper.double()
    dof = lo + (hi - lo) * torch.rand(n, character.num_dofs, generator=gen, dtype=torch.float64)
    sph = character.spherical_dof_index
    axis = torch.nn.functional.normalize(torch.randn(n, len(sph), 3, generator=gen, dtype=torch.float64), dim=-1)
    angle = torch.rand(n, len(sph), 1, generator=gen, dtype=torch.float64) * math.pi
    near_pi = torch.rand(n, len(sph), 1, generator=gen) < 0.25
    angle = torch.where(near_pi, math.pi - 0.01 * torch.rand(n, len(sph), 1, generator=gen, dtype=torch.float64),
                        angle)
    dof[:, sph] = axis * angle
    return dof


def set_mujoco_pose(character, d, root_pos, root_rot, dof) -> None:
    d.qpos[:] = character.ball.pose_to_qpos(np.concatenate((root_pos.numpy(), root_rot.numpy(), dof.numpy())))


def test_forward_kinematics_matches_mujoco_ball_joints(character):
    """Batched torch FK agrees with mj_kinematics of the ball-joint model on 1000 random rotations to 1e-5 m."""
    gen = torch.Generator().manual_seed(0)
    n = 1000
    dof = random_dofs(character, n, gen)
    root_pos = torch.randn(n, 3, generator=gen, dtype=torch.float64)
    root_rot = quat_normalize(torch.randn(n, 4, generator=gen, dtype=torch.float64))
    m = character.mj_model
    d = mujoco.MjData(m)
    ref_pos, ref_rot = np.zeros((n, 15, 3)), np.zeros((n, 15, 4))
    for i in range(n):
        set_mujoco_pose(character, d, root_pos[i], root_rot[i], dof[i])
        mujoco.mj_kinematics(m, d)
        ref_pos[i], ref_rot[i] = d.xpos[1:], d.xquat[1:]
    for dtype in (torch.float64, torch.float32):
        pos, rot = character.forward_kinematics(root_pos.to(dtype), root_rot.to(dtype), dof.to(dtype))
        assert pos.shape == (n, 15, 3) and rot.shape == (n, 15, 4)
        worst_pos = float(np.abs(ref_pos - pos.double().numpy()).max())
        # q and -q are the same rotation.
        worst_rot = float(np.abs(1 - np.abs((ref_rot * rot.double().numpy()).sum(-1))).max())
        assert worst_pos < 1e-5, (dtype, worst_pos)
        assert worst_rot < 1e-5, (dtype, worst_rot)


def test_spherical_joint_is_one_rotation_not_three_hinges(character):
    """A spherical joint's three values rotate the body by exp(v), not by three hinge angles in turn."""
    from amp_studio.rotations import exp_map_to_quat, quat_from_axis_angle, quat_mul, quat_rotate

    v = torch.tensor([0.6, -0.5, 0.9], dtype=torch.float64)
    dof = torch.zeros(1, 28, dtype=torch.float64)
    torso = character.body_id("torso")
    head = character.body_id("head")
    dof[0, 0:3] = v  # abdomen
    pos, _ = character.forward_kinematics(torch.zeros(1, 3, dtype=torch.float64),
                                          torch.tensor([[1.0, 0, 0, 0]], dtype=torch.float64), dof)
    offset = torch.tensor(character.source_model.body_pos[head + 1])
    expected = pos[0, torso] + quat_rotate(exp_map_to_quat(v), offset)
    assert torch.allclose(pos[0, head], expected, atol=1e-12)
    axes = torch.eye(3, dtype=torch.float64)
    hinges = quat_mul(quat_mul(quat_from_axis_angle(axes[0], v[0]), quat_from_axis_angle(axes[1], v[1])),
                      quat_from_axis_angle(axes[2], v[2]))
    assert (pos[0, torso] + quat_rotate(hinges, offset) - pos[0, head]).norm() > 0.02


def test_missing_and_bad_character_files(tmp_path):
    with pytest.raises(CharacterError, match="not found"):
        CharacterModel(tmp_path / "nope.xml")
    bad = tmp_path / "bad.xml"
    bad.write_text("<mujoco><worldbody><body><geom size='1'/></body>")
    with pytest.raises(CharacterError, match="bad.xml"):
        CharacterModel(bad)
    slide = tmp_path / "slide.xml"
    slide.write_text("<mujoco><worldbody><body><freejoint/><geom size='.1'/><body pos='0 0 1'>"
                     "<joint name='s' type='slide'/><geom size='.1'/></body></body></worldbody></mujoco>")
    with pytest.raises(CharacterError, match="slide.xml: joint 's' is a slide joint; after the free root only hinge"):
        CharacterModel(slide)
    tilted = tmp_path / "tilted.xml"
    tilted.write_text("<mujoco><worldbody><body><freejoint/><geom size='.1'/><body pos='0 0 1'>"
                      "<joint name='a_x' axis='1 0 0'/><joint name='a_y' axis='0 0 1'/><joint name='a_z' axis='0 1 0'/>"
                      "<geom size='.1'/></body></body></worldbody></mujoco>")
    with pytest.raises(CharacterError, match="tilted.xml: the hinges a_x, a_y, a_z form a spherical joint only"):
        CharacterModel(tilted)


def test_unknown_key_body_is_named(character):
    with pytest.raises(CharacterError, match="no body named 'tail'"):
        CharacterModel(character.path, key_bodies=("tail",))


def test_body_velocities_match_mujoco(character):
    from amp_studio.character import CharacterState
    from amp_studio.rotations import quat_rotate

    gen = torch.Generator().manual_seed(1)
    n = 200
    state = CharacterState(
        root_pos=torch.randn(n, 3, generator=gen, dtype=torch.float64),
        root_rot=quat_normalize(torch.randn(n, 4, generator=gen, dtype=torch.float64)),
        dof_pos=random_dofs(character, n, gen),
        root_vel=torch.randn(n, 3, generator=gen, dtype=torch.float64),
        root_ang_vel=torch.randn(n, 3, generator=gen, dtype=torch.float64),
        dof_vel=torch.randn(n, 28, generator=gen, dtype=torch.float64) * 3,
    )
    vel, ang = character.body_velocities(state)
    m = character.mj_model
    d = mujoco.MjData(m)
    res = np.zeros(6)
    for i in range(n):
        set_mujoco_pose(character, d, state.root_pos[i], state.root_rot[i], state.dof_pos[i])
        # MuJoCo's free joint takes its angular velocity in the body frame.
        local = quat_rotate(quat_normalize(state.root_rot[i]) * torch.tensor([1, -1, -1, -1]), state.root_ang_vel[i])
        d.qvel[:3], d.qvel[3:6], d.qvel[6:] = state.root_vel[i], local, state.dof_vel[i]
        mujoco.mj_forward(m, d)
        for b in range(character.num_bodies):
            mujoco.mj_objectVelocity(m, d, mujoco.mjtObj.mjOBJ_XBODY, b + 1, res, 0)  # at the body origin
            np.testing.assert_allclose(ang[i, b].numpy(), res[:3], atol=1e-9)
            np.testing.assert_allclose(vel[i, b].numpy(), res[3:], atol=1e-9)


def test_kinematic_tree_joint_matrices_are_the_local_rotations(character):
    """The joint matrices the observations use are each jointed body's rotation relative to its parent."""
    from amp_studio.rotations import quat_to_matrix

    gen = torch.Generator().manual_seed(2)
    dof = torch.rand(50, 28, generator=gen, dtype=torch.float64) - 0.5
    root = quat_normalize(torch.randn(50, 4, generator=gen, dtype=torch.float64))
    tree = character.kinematic_tree(torch.float64)
    _, level_mats, joint_mats = tree(torch.zeros(50, 3, dtype=torch.float64), root, dof)
    body_mats = tree.body_matrices(level_mats)
    assert joint_mats.shape == (50, 12, 3, 3)
    _, body_rot = character.forward_kinematics(torch.zeros(50, 3, dtype=torch.float64), root, dof)
    assert torch.allclose(body_mats, quat_to_matrix(body_rot), atol=1e-9)
    for j, joint in enumerate(character.joints):
        parent = character.parents[joint.body]
        rel = body_mats[:, parent].transpose(-1, -2) @ body_mats[:, joint.body]
        assert torch.allclose(joint_mats[:, j], rel, atol=1e-9), joint.name
