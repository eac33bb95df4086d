from __future__ import annotations

import numpy as np

from amp_studio.runs.evaluation import dtw_pose_error


def _wave(t: np.ndarray) -> np.ndarray:
    """A 'pose' of two bodies moving along x with time. Shape: (T, 2, 3)."""
    x = np.sin(2 * np.pi * t)
    return np.stack((np.stack((x, 0 * x, 0 * x), -1), np.stack((0 * x, x, 0 * x), -1)), axis=1)


def test_identical_and_phase_shifted_motion_have_no_error():
    ref = _wave(np.arange(0, 4, 1 / 30))
    assert dtw_pose_error(ref[:60], ref) < 1e-9
    # An episode that starts mid-cycle matches the same phase of the reference.
    assert dtw_pose_error(ref[17:77], ref) < 1e-9
    # Slower or faster playback is warped away.
    slow = _wave(np.arange(0, 2, 1 / 45))
    assert dtw_pose_error(slow, ref) < 0.05


def test_error_is_the_mean_body_distance_when_offset():
    ref = _wave(np.arange(0, 2, 1 / 30))
    shifted = ref[:40] + np.array([0.0, 0.0, 0.1])  # every body 10 cm higher
    assert abs(dtw_pose_error(shifted, ref) - 0.1) < 1e-9


def test_a_clip_replayed_from_late_in_its_cycle_has_no_error(deepmimic_dir):
    import torch

    from amp_studio.envs import make_env_from_files
    from amp_studio.runs.evaluation import pose_error_to_clips, relative_body_positions

    env = make_env_from_files("data/envs/amp_humanoid_env.yaml", "data/engines/mujoco_engine.yaml", 1,
                              env_overrides={"motion_file": str(deepmimic_dir / "humanoid3d_crawl.txt")})
    lib = env.motion_lib
    start = round(0.9 * float(lib.clip_lengths[0]) / env.dt) * env.dt  # 2.6 s into the crawl's 2.9-s cycle
    times = start + torch.arange(0.0, env.config.episode_length, env.dt, dtype=torch.float64)
    state = lib.get_state(torch.zeros(len(times), dtype=torch.long), times)
    pos, _ = env.character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    episode = relative_body_positions(env, pos, state.root_pos, state.root_rot).numpy()
    assert pose_error_to_clips(env, episode) < 1e-4
    # The same clip played at the wrong speed is not the clip.
    assert pose_error_to_clips(env, episode[::2]) > 0.01
    env.close()
