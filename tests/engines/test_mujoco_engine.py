from __future__ import annotations

import mujoco
import numpy as np
import pytest
import torch

from amp_studio.character import CharacterState
from amp_studio.config_loading import ConfigError
from amp_studio.engines import EngineConfig, load_engine_config, make_engine
from amp_studio.engines.mujoco_engine import MujocoEngine
from amp_studio.motion import MotionLibrary, load_clip

ENGINE_YAML = "data/engines/mujoco_engine.yaml"


@pytest.fixture
def engine(character):
    e = make_engine(load_engine_config(ENGINE_YAML), character, 4)
    yield e
    e.close()


def _clip_state(character, deepmimic_dir, name="walk", n=4):
    lib = MotionLibrary([load_clip(deepmimic_dir / f"humanoid3d_{name}.txt")], None, character)
    times = torch.linspace(0.1, lib.clip_lengths[0].item() - 0.1, n)
    return lib, times, lib.get_state(torch.zeros(n, dtype=torch.long), times)


def test_config_file_and_errors(tmp_path):
    cfg = load_engine_config(ENGINE_YAML)
    assert (cfg.engine_name, cfg.control_mode, cfg.control_freq, cfg.sim_freq, cfg.substeps) == (
        "mujoco", "pos", 30, 120, 4)
    bad = tmp_path / "e.yaml"
    bad.write_text("engine_name: mujoco\nsim_frq: 120\n")
    with pytest.raises(ConfigError, match="e.yaml: unknown key 'sim_frq'; did you mean 'sim_freq'"):
        load_engine_config(bad)
    bad.write_text("engine_name: mujoco\nsim_freq: 100\n")
    with pytest.raises(ConfigError, match="multiple of control_freq"):
        load_engine_config(bad)
    bad.write_text("engine_name: mujoco\ncontrol_freq: fast\n")
    with pytest.raises(ConfigError, match="key 'control_freq': expected int"):
        load_engine_config(bad)


def test_unknown_backend_is_named(character):
    with pytest.raises(ConfigError, match="unknown engine_name 'bullet'.*mujoco"):
        make_engine(EngineConfig(engine_name="bullet"), character, 1)


def test_reset_state_round_trips_and_bodies_match_fk(engine, character, deepmimic_dir):
    _, _, state = _clip_state(character, deepmimic_dir)
    engine.reset(torch.arange(4), state)
    got = engine.get_state()
    for field in ("root_pos", "root_vel", "root_ang_vel", "dof_pos", "dof_vel"):
        assert torch.allclose(getattr(got, field), getattr(state, field), atol=1e-5), field
    assert torch.allclose((got.root_rot * state.root_rot).sum(-1).abs(), torch.ones(4), atol=1e-6)
    pos, rot = character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    assert (engine.body_pos - pos).abs().max() < 1e-4
    # and they are where MuJoCo itself puts the bodies
    m, d = engine.model, mujoco.MjData(engine.model)
    for i in range(4):
        d.qpos[:] = engine.qpos()[i]
        mujoco.mj_kinematics(m, d)
        assert np.abs(d.xpos[1:] - engine.body_pos[i].numpy()).max() < 1e-4


@pytest.mark.parametrize("read_between", [False, True])
def test_state_after_a_partial_reset_matches_a_full_conversion(engine, character, deepmimic_dir, read_between):
    """After resets only their rows are converted again and posed again: the same state and body kinematics as
    computing them for every env, whether or not they were read between two resets."""
    _, _, state = _clip_state(character, deepmimic_dir)
    engine.reset(torch.arange(4), state)
    engine.set_targets(state.dof_pos)
    engine.step()
    before = engine.get_state()
    held, held_bodies = before.root_pos.clone(), engine.body_pos.clone()
    engine.reset(torch.tensor([1]), state.index(torch.tensor([3])))
    if read_between:
        engine.body_pos  # noqa: B018  read: computed, then made stale again by the next reset
    engine.reset(torch.tensor([2]), state.index(torch.tensor([0])))
    partial = engine.get_state()
    partial_kinematics = engine.body_pos, engine._derived["body_mat"], engine.joint_matrices
    assert torch.equal(before.root_pos, held)  # what was handed out earlier is not changed
    engine._invalidate()
    full = engine.get_state()
    for field in ("root_pos", "root_rot", "dof_pos", "root_vel", "root_ang_vel", "dof_vel"):
        assert torch.equal(getattr(partial, field), getattr(full, field)), field
    full_kinematics = engine.body_pos, engine._derived["body_mat"], engine.joint_matrices
    for got, want in zip(partial_kinematics, full_kinematics, strict=True):
        assert torch.allclose(got, want, atol=1e-6, rtol=0)
    assert torch.allclose(partial.root_pos[1], state.root_pos[3], atol=1e-6)
    assert torch.equal(partial.root_pos[0], before.root_pos[0])
    assert torch.equal(partial_kinematics[0][0], held_bodies[0])
    assert not torch.equal(partial_kinematics[0][1], held_bodies[1])


def test_ground_contact_comes_from_mujoco_contacts(engine, character, deepmimic_dir):
    """Per-body floor contact equals MuJoCo's own contact list for the state the sensors saw.

    MuJoCo evaluates sensors at the start of each physics step, so after a control step the contacts are those
    of the last substep's starting state, 1/120 s before the returned state.
    """
    _, _, state = _clip_state(character, deepmimic_dir)
    engine.reset(torch.arange(4), state)
    engine.set_targets(state.dof_pos)
    engine.step()
    m, d = engine.model, mujoco.MjData(engine.model)
    floor = m.geom("floor").id
    for i in range(4):
        mujoco.mj_setState(m, d, engine._out[i, -2], mujoco.mjtState.mjSTATE_FULLPHYSICS)
        mujoco.mj_forward(m, d)
        touching = {int(m.geom_bodyid[c.geom[0] if c.geom[1] == floor else c.geom[1]]) - 1
                    for c in d.contact[: d.ncon] if floor in (c.geom[0], c.geom[1])}
        assert set(torch.nonzero(engine.ground_contact[i]).flatten().tolist()) == touching
    # Right after a reset the contacts are those of the new poses.
    engine.reset(torch.arange(4), state)
    for i in range(4):
        d.qpos[:] = engine.qpos()[i]
        mujoco.mj_forward(m, d)
        touching = {int(m.geom_bodyid[c.geom[0] if c.geom[1] == floor else c.geom[1]]) - 1
                    for c in d.contact[: d.ncon] if floor in (c.geom[0], c.geom[1])}
        assert set(torch.nonzero(engine.ground_contact[i]).flatten().tolist()) == touching


def test_blow_up_is_detected_per_env(engine, character):
    state = engine.get_state()
    wild = CharacterState(*(t.clone() for t in (state.root_pos, state.root_rot, state.dof_pos, state.root_vel,
                                               state.root_ang_vel, state.dof_vel)))
    wild.dof_vel[2] = 1e12  # env 2 only
    engine.reset(torch.arange(4), wild)
    engine.set_targets(wild.dof_pos)
    engine.step()
    assert engine.failed.tolist() == [False, False, True, False]
    assert torch.isfinite(engine.get_state().dof_pos).all()
    engine.reset(torch.tensor([2]), state.index(torch.tensor([2])))
    assert not engine.failed.any()


def test_threads_give_the_same_physics(character, deepmimic_dir):
    _, _, state = _clip_state(character, deepmimic_dir, n=8)
    results = []
    for threads in (1, 2):
        e = MujocoEngine(EngineConfig(engine_name="mujoco", num_threads=threads), character, 8)
        e.reset(torch.arange(8), state)
        for _ in range(10):
            e.set_targets(state.dof_pos)
            e.step()
        results.append(e.get_state().dof_pos.clone())
        e.close()
    assert torch.equal(results[0], results[1])


def _track(character, clip_path, seconds):
    """Run PD targets = the clip's poses from the clip's first state; yield (engine, reference state) per step."""
    lib = MotionLibrary([load_clip(clip_path)], None, character)
    e = make_engine(load_engine_config(ENGINE_YAML), character, 1)
    clip = torch.zeros(1, dtype=torch.long)
    t = torch.zeros(1)
    e.reset(torch.arange(1), lib.get_state(clip, t))
    for _ in range(int(round(seconds * 30))):
        t = t + e.control_dt
        ref = lib.get_state(clip, t)
        e.set_targets(ref.dof_pos)
        e.step()
        yield e, ref
    e.close()


def test_pd_tracking_holds_a_standing_clip(character):
    """Physics and gains sanity: PD targets = the idle clip's poses hold it for its whole 4-s cycle, within 2 cm."""
    from amp_studio import DATA_DIR

    for e, ref in _track(character, DATA_DIR / "motions" / "idle_sway.pkl", 4.0):
        pos, _ = character.forward_kinematics(ref.root_pos, ref.root_rot, ref.dof_pos)
        assert not e.failed.any()
        assert (e.body_pos - pos).norm(dim=-1).mean() < 0.02


def test_pd_tracking_of_a_walk_stays_upright(character, deepmimic_dir):
    """PD targets = the walk's poses, root started from the clip: upright, on its feet, for half a cycle.

    Open loop, with no balance feedback, the character falls 0.8-1.1 s in (of a 1.27 s cycle) whatever the
    start phase; learning supplies the feedback.
    """
    head = character.body_id("head")
    non_foot = torch.ones(character.num_bodies, dtype=torch.bool)
    non_foot[[character.body_id("right_foot"), character.body_id("left_foot")]] = False
    for e, ref in _track(character, deepmimic_dir / "humanoid3d_walk.txt", 0.6):
        assert not e.failed.any()
        assert e.get_state().root_pos[0, 2] > 0.75
        assert e.body_pos[0, head, 2] > 1.2
        assert not (e.ground_contact[0] & non_foot).any()
        assert (e.get_state().root_pos[0, :2] - ref.root_pos[0, :2]).norm() < 0.15


def test_ball_joint_pd_settles_on_the_exp_map_rotation(character):
    """Three gear-axis position actuators on a ball joint are a PD drive on its exponential map: with no gravity
    the torso settles on exp(target) relative to the pelvis, and the actuators read the map's components."""
    from amp_studio.rotations import exp_map_to_quat, quat_conj, quat_mul, quat_to_exp_map

    e = make_engine(load_engine_config(ENGINE_YAML), character, 1)
    try:
        m, d = e.model, mujoco.MjData(e.model)
        m.opt.gravity[:] = 0.0
        target = np.array([0.3, -0.4, 0.5])
        d.qpos[:] = character.ball.pose_to_qpos(np.r_[0, 0, 2.0, 1, 0, 0, 0, np.zeros(28)])
        d.ctrl[:] = 0.0
        d.ctrl[:3] = target
        for _ in range(240):
            mujoco.mj_step(m, d)
        torso, pelvis = character.body_id("torso") + 1, character.body_id("pelvis") + 1
        rel = quat_mul(quat_conj(torch.tensor(d.xquat[pelvis])), torch.tensor(d.xquat[torso]))
        err = quat_to_exp_map(quat_mul(quat_conj(exp_map_to_quat(torch.tensor(target))), rel)).norm().item()
        assert err < 2e-3, err
        np.testing.assert_allclose(d.actuator_length[:3], quat_to_exp_map(rel).numpy(), atol=1e-9)
    finally:
        e.close()


def test_exp_maps_stay_continuous_through_pi(character):
    """A shoulder turning past pi reads as angle > pi along the same axis, not as a flip to the other side."""
    e = make_engine(load_engine_config(ENGINE_YAML), character, 1)
    try:
        axis = torch.tensor([0.6, 0.0, 0.8], dtype=torch.float64)
        shoulder = character.joints[[j.name for j in character.joints].index("right_shoulder")].dof_start
        state = _rest_state(character, 1)
        state.dof_pos[0, shoulder:shoulder + 3] = axis * (np.pi - 0.01)
        e.reset(torch.arange(1), state)
        before = e.get_state().dof_pos[0, shoulder:shoulder + 3].double()
        assert torch.allclose(before, axis * (np.pi - 0.01), atol=1e-6)
        # Turn the ball joint 0.02 rad further about the same axis, as a step of physics would.
        adr = character.ball.ball_qpos[2]
        half = 0.5 * (np.pi + 0.01)
        e._state[0, 1 + adr] = np.r_[np.cos(half), np.sin(half) * axis.numpy()]
        e._invalidate()
        after = e.get_state().dof_pos[0, shoulder:shoulder + 3].double()
        assert torch.allclose(after, axis * (np.pi + 0.01), atol=1e-6), after
    finally:
        e.close()


def _rest_state(character, n):
    zeros = torch.zeros(n, 3)
    return CharacterState(torch.tensor([[0.0, 0.0, 0.9]]).repeat(n, 1), torch.tensor([[1.0, 0, 0, 0]]).repeat(n, 1),
                          torch.zeros(n, character.num_dofs), zeros, zeros.clone(), torch.zeros(n, character.num_dofs))


@pytest.fixture
def ball_character(tmp_path):
    """A character written with MuJoCo's own ball joints (hips, shoulders) beside a hinge triple and hinges."""
    from amp_studio.character import CharacterModel
    from tests.character.synthetic import write_ball_character

    return CharacterModel(write_ball_character(tmp_path))


def test_native_ball_joints_stand_under_pd(ball_character):
    """Its rest pose, feet on the floor, held by PD for 2 s: no blow-up, and it stays where it stood."""
    c = ball_character
    e = make_engine(load_engine_config(ENGINE_YAML), c, 2)
    try:
        m, d = c.mj_model, mujoco.MjData(c.mj_model)
        mujoco.mj_kinematics(m, d)
        feet = [g for g in range(m.ngeom) if m.body(int(m.geom_bodyid[g])).name.endswith("_foot")]
        sole = min(d.geom_xpos[g][2] - m.geom_size[g][2] for g in feet)
        state = _rest_state(c, 2)
        state.root_pos[:, 2] = float(m.body_pos[1][2] - sole + 0.002)
        e.reset(torch.arange(2), state)
        rest, _ = c.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
        for _ in range(60):
            e.set_targets(state.dof_pos)
            e.step()
            assert not e.failed.any()
        assert (e.body_pos - rest).norm(dim=-1).max() < 0.15
        assert torch.isfinite(e.get_state().dof_vel).all() and e.get_state().dof_vel.abs().max() < 1.0
    finally:
        e.close()


def test_native_ball_joints_settle_on_their_exp_map_targets(ball_character):
    """With no gravity, PD targets with every spherical joint turned reach exactly those maps, and the engine's
    bodies are where MuJoCo puts them."""
    c = ball_character
    e = make_engine(load_engine_config(ENGINE_YAML), c, 1)
    try:
        e.model.opt.gravity[:] = 0.0
        state = _rest_state(c, 1)
        state.root_pos[0, 2] = 3.0
        e.reset(torch.arange(1), state)
        target = torch.zeros(1, c.num_dofs)
        for start, v in zip(c.spherical_dof_index[:, 0].tolist(), ([0.2, 0.1, -0.2], [0.5, 0.2, -0.3],
                            [-0.5, 0.2, 0.3], [0.3, -0.2, 0.4], [-0.3, -0.2, -0.4]), strict=True):
            target[0, start:start + 3] = torch.tensor(v)
        target[0, c.hinge_dof_index] = 0.3
        for _ in range(60):
            e.set_targets(target)
            e.step()
        assert not e.failed.any()
        assert (e.get_state().dof_pos - target).abs().max() < 1e-4
        m, d = e.model, mujoco.MjData(e.model)
        d.qpos[:] = e.qpos()[0]
        mujoco.mj_kinematics(m, d)
        assert np.abs(d.xpos[1:] - e.body_pos[0].numpy()).max() < 1e-5
    finally:
        e.close()
