"""Where a location policy loses task return: the seconds after each new target, turning and walking.

Runs the deterministic policy of a checkpoint on the env config's task (10-s episodes, as learn_location.py
measures) and prints, by time since the target last moved: heading error to the target, speed toward it,
distance and task reward per step; and the turning rate while the heading error is over 30 deg. Compare with
location_return_bound.py's ideal walker, whose turning rate is a parameter, and with the dataset's own turning
rate (the style reward resists turns the clips do not make).

    python benchmarks/learning/location_breakdown.py data/models/amp_location_humanoid_model.pt [--eval_episodes 16]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from amp_studio.envs.amp_obs import heading_angle
from amp_studio.envs.vec_env import DoneFlag

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from learn_location import measured_task  # noqa: E402
from location_return_bound import wrap  # noqa: E402
from timed_training import checkpoint_parser, policy_and_eval_env  # noqa: E402


def dataset_turning(env, samples: int = 20000) -> np.ndarray:
    """Heading rates (deg/s) of the env's clips over one control step, at times drawn as reference-state init
    draws them (clips by weight, uniform in time), in the env's heading frame."""
    lib, dt = env.motion_lib, env.dt
    generator = torch.Generator().manual_seed(0)
    clip_ids = lib.sample_clips(samples, generator=generator)
    times = lib.sample_times(clip_ids, truncate_end=dt, generator=generator)
    before, after = (heading_angle(lib.get_state(clip_ids, t).root_rot, env.config.heading)
                     for t in (times, times + dt))
    return torch.rad2deg(wrap(after - before).abs() / dt).numpy()


def main() -> None:
    parser = checkpoint_parser(__doc__.splitlines()[0], "amp_location_locomotion_humanoid_env.yaml",
                               "amp_task_humanoid_agent.yaml", 16)
    args = parser.parse_args()
    runner, env = policy_and_eval_env(args, eval_overrides=measured_task(args.env_config))
    dt = env.dt
    n = env.num_envs
    obs = env.reset(torch.arange(n))
    since = torch.zeros(n)
    target = env.target.clone()
    yaw = None
    # Per step: seconds since the target moved, heading error (deg), turning rate (deg/s), speed toward, distance,
    # reward.
    rows = []
    episodes = 0
    while episodes < args.eval_episodes:
        actions, _ = runner.agent.act(obs, deterministic=True)
        obs, reward, done, _ = env.step(actions)
        state = env.engine.get_state()
        new_yaw = heading_angle(state.root_rot, env.config.heading)
        offset = env.target - state.root_pos[:, :2]
        distance = offset.norm(dim=-1)
        error = wrap(torch.atan2(offset[:, 1], offset[:, 0]) - new_yaw).abs()
        rate = torch.zeros(n) if yaw is None else wrap(new_yaw - yaw).abs() / dt
        toward = (offset / distance.clamp_min(1e-6).unsqueeze(-1) * state.root_vel[:, :2]).sum(-1)
        since = torch.where((env.target - target).norm(dim=-1) > 1e-6, dt, since + dt)
        live = done == DoneFlag.NULL
        rows.append(torch.stack((since, torch.rad2deg(error), torch.rad2deg(rate), toward, distance, reward), -1)[live])
        ended = torch.nonzero(~live).flatten()
        episodes += len(ended)
        if len(ended):
            obs = env.reset(ended)
            since[ended] = 0.0
        target, yaw = env.target.clone(), new_yaw
    r = torch.cat(rows).numpy()
    far = r[:, 4] > 1.0
    turning = far & (r[:, 1] > 30)
    print(f"{args.checkpoint}: {episodes} episodes, task return {r[:, 5].mean():.3f}")
    print(f"steps over 1 m from the target with heading error > 30 deg: {turning.sum() / max(far.sum(), 1):.2f}; "
          f"their turning rate: median {np.median(r[turning, 2]):.0f} deg/s")
    clips = dataset_turning(env)
    print(f"the clips' turning rate (by weight, all times): median {np.median(clips):.0f} deg/s, 90th percentile "
          f"{np.percentile(clips, 90):.0f} deg/s, {np.mean(clips > np.median(r[turning, 2])):.0%} of times faster "
          f"than the policy's median turn")
    facing = far & (r[:, 1] < 15)
    print(f"speed toward the target when facing it (< 15 deg, > 1 m away): {r[facing, 3].mean():.2f} m/s")
    print(f"{'since target moved':>18} {'heading err':>11} {'toward m/s':>10} {'distance':>8} {'reward':>6}")
    for lo, hi in ((0, 1), (1, 2), (2, 3), (3, 5), (5, 10)):
        m = (r[:, 0] >= lo) & (r[:, 0] < hi)
        if m.any():
            print(f"{f'{lo}-{hi} s':>18} {r[m, 1].mean():9.0f} deg {r[m, 3].mean():10.2f} {r[m, 4].mean():8.2f} "
                  f"{r[m, 5].mean():6.3f}")


if __name__ == "__main__":
    main()
