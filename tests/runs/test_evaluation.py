from __future__ import annotations

import numpy as np
import pytest

from amp_studio.runs.evaluation import dtw_pose_error, piecewise_pose_error


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


def _plain_subsequence_dtw(motion: np.ndarray, reference: np.ndarray) -> float:
    """The textbook recurrence, one cell at a time: free start and end in the reference, mean cost per step."""
    cost = np.linalg.norm(motion[:, None] - reference[None], axis=-1).mean(-1)
    t1, t2 = cost.shape
    total = np.full((t1 + 1, t2 + 1), np.inf)
    steps = np.zeros((t1 + 1, t2 + 1))
    total[0, :] = 0.0
    for i in range(1, t1 + 1):
        for j in range(1, t2 + 1):
            moves = [(total[i - 1, j - 1], steps[i - 1, j - 1]), (total[i - 1, j], steps[i - 1, j]),
                     (total[i, j - 1], steps[i, j - 1])]
            prev, n = min(moves, key=lambda m: m[0])
            total[i, j], steps[i, j] = cost[i - 1, j - 1] + prev, n + 1
    return min(total[t1, j] / steps[t1, j] for j in range(1, t2 + 1))


def test_the_row_scan_agrees_with_the_plain_recurrence():
    rng = np.random.default_rng(3)
    for _ in range(20):
        motion = rng.normal(size=(rng.integers(1, 25), 4, 3))
        reference = rng.normal(size=(rng.integers(1, 40), 4, 3))
        assert abs(dtw_pose_error(motion, reference) - _plain_subsequence_dtw(motion, reference)) < 1e-12


def _clip_episode(env, start: float):
    """The clip's own root-relative poses for one episode from `start` (s), at the control rate."""
    import torch

    from amp_studio.runs.evaluation import relative_body_positions

    start = round(start / env.dt) * env.dt  # on the reference's frame times
    times = start + torch.arange(0.0, env.config.episode_length, env.dt, dtype=torch.float64)
    state = env.motion_lib.get_state(torch.zeros(len(times), dtype=torch.long), times)
    pos, _ = env.character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    return relative_body_positions(env, pos, state.root_pos, state.root_rot).numpy()


@pytest.mark.parametrize("clip, start", [("humanoid3d_crawl.txt", 2.6),  # late in a 2.9-s cycle
                                         ("humanoid3d_long_walk1.txt", 20.0)])  # 20 s into 33 s, no wrap
def test_a_clip_replayed_from_anywhere_in_it_has_no_error(deepmimic_dir, clip, start):
    from amp_studio.envs import make_env_from_files
    from amp_studio.runs.evaluation import pose_error_to_clips

    env = make_env_from_files("data/envs/amp_humanoid_env.yaml", "data/engines/mujoco_engine.yaml", 1,
                              env_overrides={"motion_file": str(deepmimic_dir / clip)})
    episode = _clip_episode(env, start)
    assert pose_error_to_clips(env, episode) < 1e-4
    # Every body 0.17 m off its place is not the clip.
    assert pose_error_to_clips(env, episode + 0.1) > 0.1
    env.close()


def test_more_envs_than_episodes_counts_the_first_envs_episodes_whole():
    """With 16 envs and 4 episodes the result is envs 0-3's first episodes, run to their ends: not the 4 of 16
    that ended first (the falls)."""
    import torch

    from amp_studio.envs import make_env_from_files
    from amp_studio.envs.vec_env import DoneFlag
    from amp_studio.learning.agent_config import load_agent_config
    from amp_studio.learning.amp_agent import AMPAgent
    from amp_studio.runs.evaluation import evaluate

    def env_and_agent():
        env = make_env_from_files("data/envs/amp_humanoid_env.yaml", "data/engines/mujoco_engine.yaml", 16, seed=5,
                                  env_overrides={"episode_length": 1.5})
        agent = AMPAgent(load_agent_config("data/agents/amp_humanoid_agent.yaml"), env.obs_dim, env.action_dim,
                         env.disc_obs_dim, seed=0)  # untrained, not started from the clip: most envs fall
        return env, agent

    env, agent = env_and_agent()
    obs = env.reset(torch.arange(16))
    first_end = torch.zeros(16, dtype=torch.long)
    fell = torch.zeros(16, dtype=torch.bool)
    with torch.no_grad():
        for step in range(1, env.max_episode_steps + 1):
            obs, _, done, _ = env.step(agent.act(obs, deterministic=True)[0])
            new = (done != DoneFlag.NULL) & (first_end == 0)
            first_end[new] = step
            fell[new] = done[new] == DoneFlag.FAIL
    env.close()
    assert (first_end > 0).all() and len(set(first_end.tolist())) > 1  # lengths differ, so order matters

    env, agent = env_and_agent()
    result = evaluate(env, agent, 4, pose_error=False)
    env.close()
    assert result["episodes"] == 4
    assert result["episode_length_mean"] == pytest.approx(first_end[:4].float().mean().item() * env.dt)
    assert result["fall_rate"] == pytest.approx(fell[:4].float().mean().item())


def test_a_motion_longer_than_a_clip_that_does_not_wrap_is_matched_piece_by_piece():
    """Three cycles of a two-cycle clip's motion: whole, they cannot follow one monotone alignment onto the clip;
    piece by piece, every piece lies in the clip, so the error is nil."""
    t = np.linspace(0.0, 2.0 * 2 * np.pi, 60, endpoint=False)
    reference = np.stack([np.stack([np.sin(t), np.cos(t), 0.1 * np.sin(2 * t)], -1)] * 3, axis=1)  # (60, 3, 3)
    motion = np.concatenate([reference[:30]] * 6)  # the first cycle, six times
    assert dtw_pose_error(motion, reference) > 0.05
    assert piecewise_pose_error(motion, reference) < 1e-9
    assert piecewise_pose_error(reference[:40], reference) == dtw_pose_error(reference[:40], reference)
