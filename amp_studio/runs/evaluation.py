"""Deterministic evaluation of a policy: episode length, falls, speed, DTW pose error, location success, steering
errors."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from amp_studio.envs.amp_env import AMPEnv
from amp_studio.envs.amp_obs import heading_cos_sin, unturn
from amp_studio.envs.vec_env import DoneFlag
from amp_studio.learning.amp_agent import AMPAgent
from amp_studio.learning.losses import style_reward
from amp_studio.runs.playback import Playback, PlaybackStep
from amp_studio.runs.skill_measures import EpisodeSkills, summarize
from amp_studio.runs.steering_judge import SteeringJudge


def relative_body_positions(env: AMPEnv, body_pos: torch.Tensor, root_pos: torch.Tensor,
                            root_rot: torch.Tensor) -> torch.Tensor:
    """Non-root body positions relative to the root, in its heading frame (the twist: steady for every kind of
    clip, whichever frame the policy observes in). Shape: (N, B, 3) -> (N, B - 1, 3)."""
    cos, sin = heading_cos_sin(root_rot)
    return unturn(cos.unsqueeze(1), sin.unsqueeze(1), body_pos[:, 1:] - root_pos.unsqueeze(1))


def dtw_pose_error(motion: np.ndarray, reference: np.ndarray) -> float:
    """Mean per-frame pose distance along the best dynamic-time-warping alignment of a motion to a reference.

    A frame's distance is the mean over bodies of the distance between corresponding positions (metres). The
    alignment may start and end anywhere in the reference (subsequence DTW): an episode that began mid-cycle is
    matched against the same phase of the clip, not its first frame. Shapes: (T1, B, 3), (T2, B, 3).
    """
    cost = np.linalg.norm(motion[:, None] - reference[None], axis=-1).mean(-1)  # (T1, T2)
    t1, t2 = cost.shape
    total = np.full((t1 + 1, t2 + 1), np.inf)
    steps = np.zeros((t1 + 1, t2 + 1))
    total[0, :] = 0.0  # free start anywhere in the reference
    index = np.arange(1, t2 + 1)
    for i in range(1, t1 + 1):
        up, diag = total[i - 1, 1:], total[i - 1, :-1]
        take_diag = diag <= up
        best = np.where(take_diag, diag, up)
        best_steps = np.where(take_diag, steps[i - 1, :-1], steps[i - 1, 1:])
        # Within a row, a cell is reached from the row before at some column k <= j, then along the reference:
        # total[i, j] = S[j] + min_k (best[k] - S[k - 1]) with S the row's prefix sums. A running minimum finds
        # it; on ties the latest k wins, as a step from the row before does over one from the left.
        prefix = np.cumsum(cost[i - 1])
        start = best - (prefix - cost[i - 1])
        running = np.minimum.accumulate(start)
        fresh = start <= np.concatenate(([np.inf], running[:-1]))
        k = np.maximum.accumulate(np.where(fresh, index, 0)) - 1
        total[i, 1:] = prefix + running
        steps[i, 1:] = best_steps[k] + index - k
    j = int(np.argmin(total[t1, 1:] / np.maximum(steps[t1, 1:], 1))) + 1  # free end
    return float(total[t1, j] / steps[t1, j])


def reference_poses(env: AMPEnv, clip_id: int, seconds: float) -> np.ndarray:
    """The clip's root-relative body positions at the control rate over `seconds` (wrapping clips repeat)."""
    lib = env.motion_lib
    length = float(lib.clip_lengths[clip_id])
    span = seconds if bool(lib.clip_wraps[clip_id]) else min(seconds, length)
    times = torch.arange(0.0, span + 1e-9, env.dt, dtype=torch.float64)
    state = lib.get_state(torch.full((len(times),), clip_id, dtype=torch.long), times)
    pos, _ = env.character.forward_kinematics(state.root_pos, state.root_rot, state.dof_pos)
    return relative_body_positions(env, pos, state.root_pos, state.root_rot).numpy()


def pose_error_to_clips(env: AMPEnv, motion: np.ndarray, references: dict[int, np.ndarray] | None = None) -> float:
    """DTW pose error (m) of a motion's root-relative body positions (T, B - 1, 3, at the control rate) against
    the nearest of the env's clips; references caches each clip's poses between calls.

    An episode starts anywhere in its clip (reference state initialization), so the reference runs one clip
    length longer than the motion: the alignment can begin at the episode's start in the clip and follow it for
    the episode's whole length (a wrapping clip repeats; a clip that does not wrap is all there). Without that, an
    episode begun late in a long cycle, such as the spin's 4.4 s, had its last seconds squeezed onto the
    reference's end, and one begun 20 s into the 33-s long walk was matched against its first 12 s."""
    references = {} if references is None else references
    lib = env.motion_lib
    best = math.inf
    for clip in range(lib.num_clips):
        length = float(lib.clip_lengths[clip])
        if clip not in references:
            references[clip] = reference_poses(env, clip, env.config.episode_length + length + 1.0)
        ref = references[clip][: len(motion) + round(length / env.dt) + 30]
        wraps = bool(lib.clip_wraps[clip])
        best = min(best, dtw_pose_error(motion, ref) if wraps else piecewise_pose_error(motion, ref))
    return best


def piecewise_pose_error(motion: np.ndarray, reference: np.ndarray) -> float:
    """DTW pose error against a reference that may be shorter than the motion (a clip that does not wrap): each
    piece of the motion half the reference long is matched where it fits in the reference, and the pieces' errors
    averaged. No one alignment can stretch a short clip over a long episode: a walk that goes on past a 2.7-s clip
    would have its later steps squeezed onto the clip's last frames. A motion no longer than the reference is
    matched whole, as dtw_pose_error does."""
    if len(motion) <= len(reference):
        return dtw_pose_error(motion, reference)
    window = max(2, len(reference) // 2)
    pieces = [motion[i:i + window] for i in range(0, len(motion) - window // 2, window)]
    return float(np.mean([dtw_pose_error(piece, reference) for piece in pieces]))


@torch.no_grad()
def evaluate(env: AMPEnv, agent: AMPAgent, episodes: int, pose_error: bool = True,
             clip_id: int | None = None, watch: Callable[[], bool] | None = None) -> dict[str, float]:
    """Run the deterministic policy for `episodes` whole episodes (each to its time limit or a fall) and report:
    episode_length_mean (s), fall_rate, root_speed_mean (m/s), pose_error_dtw (m, against the nearest clip),
    disc_reward_mean (the style reward per step, where the agent's discriminator is trained), and for the
    location task task_return (mean task reward per step, in [0, 1]), success_rate and final_distance_mean (m);
    for the steering task task_return, heading_error_deg_median and speed_error_median (steering_judge); and the
    skill measures of each episode against the clip it started in, averaged (skill_measures: skill_tilt,
    skill_turn, skill_height, skill_airborne, skill_extremes, skill_events, skill_events_expected,
    skill_events_share, and skill_reached, the share of episodes that reached the clip's skill).
    With clip_id, every episode starts in that clip (a dataset's per-clip evaluation); the pose error is still
    against the nearest clip. With watch (a viewer's update: False once its window is closed), the episodes play
    in real time and watch() is called after every step until it returns False; the figures are the same.

    Episodes are handed to envs as they start, and every started episode runs to its end: stopping at the first
    `episodes` to end would, with more envs than episodes, keep only the shortest (the falls)."""
    is_location = hasattr(env, "target")
    n = env.num_envs
    judge = SteeringJudge(n, env.dt) if hasattr(env, "set_command") else None

    skills = EpisodeSkills(env)
    skill_episodes: list[dict[str, float]] = []

    def reset(ids: torch.Tensor) -> torch.Tensor:
        if clip_id is None:
            obs = env.reset(ids)
        else:
            clips = torch.full((len(ids),), clip_id, dtype=torch.long)
            times = (env.motion_lib.sample_times(clips, generator=env.generator) if env.config.rand_reset
                     else torch.zeros(len(ids), dtype=env.motion_lib.dtype))
            obs = env.reset_to(ids, clips, times)
        skills.restart(ids)
        return obs

    started = min(n, episodes)  # episodes begun so far
    active = torch.arange(n) < started
    playback = Playback(env, agent, restart=reset, follow=active, realtime=watch is not None)
    playback.restart()
    steps = torch.zeros(n, dtype=torch.long)
    poses: list[list[np.ndarray]] = [[] for _ in range(n)]
    lengths, falls, speeds, errors, successes, distances = [], 0, [], [], [], []
    task_rewards, style_rewards = [], []
    references: dict[int, np.ndarray] = {}

    def observe(step: PlaybackStep) -> None:
        nonlocal falls, started
        if playback.realtime and not watch():
            playback.realtime = False  # the window was closed: the rest runs at full speed
        reward, done, info = step.reward, step.done, step.info
        state = env.engine.get_state()
        steps.add_(1)
        skills.step()
        speeds.append(state.root_vel[active, :2].norm(dim=-1))
        task_rewards.append(reward[active])
        if judge is not None:
            judge.add(info["command"], info["planar_velocity"], active)
        if agent.has_style_judge:
            logits = agent.disc_logits(info["disc_obs"][active])
            style_rewards.append(style_reward(logits, agent.config.disc_reward_scale))
        if pose_error:
            rel = relative_body_positions(env, env.engine.body_pos, state.root_pos, state.root_rot).numpy()
            for i in torch.nonzero(active).flatten().tolist():
                poses[i].append(rel[i])
        ended = step.ended
        skill_episodes.extend(skills.ended(ended))
        for i in ended.tolist():
            lengths.append(int(steps[i]))
            falls += int(done[i] == DoneFlag.FAIL)
            if is_location:
                successes.append(bool(info["success"][i]))
                distances.append(float(info["target_distance"][i]))
            if pose_error and len(poses[i]) > 1:
                errors.append(pose_error_to_clips(env, np.stack(poses[i]), references))
            poses[i] = []
        if len(ended):
            if judge is not None:
                judge.restart(ended)
            steps[ended] = 0
            more = min(len(ended), episodes - started)  # the first envs to end begin the episodes still to run
            active[ended[more:]] = False  # every env that ended restarts; these are no longer followed
            started += more

    playback.run(observe, until=lambda: not bool(active.any()))
    result = {
        "episodes": len(lengths),
        "episode_length_mean": float(np.mean(lengths)) * env.dt,
        "fall_rate": falls / len(lengths),
        "root_speed_mean": float(torch.cat(speeds).mean()),
    }
    if pose_error:
        result["pose_error_dtw"] = float(np.mean(errors)) if errors else float("nan")
    result.update(summarize(skill_episodes))
    if style_rewards:
        result["disc_reward_mean"] = float(torch.cat(style_rewards).mean())
    if is_location:
        result["task_return"] = float(torch.cat(task_rewards).mean())
        result["success_rate"] = float(np.mean(successes))
        result["final_distance_mean"] = float(np.mean(distances))
    if judge is not None:
        result["task_return"] = float(torch.cat(task_rewards).mean())
        result.update(judge.summary())
    return result


def clip_root_speed(env: AMPEnv, clip_id: int | None = None) -> float:
    """Mean horizontal root speed of the clips, weighted like sampling, or of one clip (m/s)."""
    lib = env.motion_lib
    speeds = []
    for clip in lib.clips:
        f = clip.frames
        speeds.append(float(np.linalg.norm(np.diff(f[:, :2], axis=0), axis=-1).sum() / clip.duration))
    return speeds[clip_id] if clip_id is not None else float(np.dot(speeds, lib.clip_weights.numpy()))
