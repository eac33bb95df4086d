"""Where a steering policy misses: its speed error by commanded speed, and when and from which clips it falls.

Runs the deterministic policy of a checkpoint on the env config's task (10-s episodes, every command drawn at random,
as learn_steering.py measures) and prints the frame-by-frame and 1-s speed errors (steering_judge) by band of
commanded speed, with each band's share of the judged time; then every fall: the command in force, whether it was
the episode's first, the seconds since that command came, and the clip the episode started in.

    python benchmarks/learning/steering_breakdown.py data/models/amp_steering_humanoid_model.pt \
        [--eval_episodes 128] [--seed 2]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from amp_studio.envs.vec_env import DoneFlag
from amp_studio.runs.playback import Playback
from amp_studio.runs.steering_judge import CYCLE_SECONDS, SETTLE_SECONDS, velocity_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from learn_steering import measured_task  # noqa: E402
from timed_training import checkpoint_parser, policy_and_eval_env  # noqa: E402

SPEED_BANDS = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.6, 5.0)
"""m/s: band edges of the commanded speed (the locomotion dataset's commands lie within 0.67-3.56)."""


def main() -> None:
    parser = checkpoint_parser(__doc__.splitlines()[0], "amp_steering_humanoid_env.yaml",
                               "amp_task_humanoid_agent.yaml", 128)
    args = parser.parse_args()
    runner, env = policy_and_eval_env(args, eval_overrides=measured_task(args.env_config))
    n, dt = env.num_envs, env.dt
    last = torch.full((n, 3), float("nan"))  # the command of the step before
    since = torch.zeros(n)  # seconds since the command came
    first = torch.ones(n, dtype=torch.bool)  # still on the episode's first command
    window = torch.zeros(max(1, round(CYCLE_SECONDS / dt)), n, 2)  # the last second's velocities
    judged: list[np.ndarray] = []  # rows of (commanded speed, frame error, 1-s error)
    falls: list[str] = []
    ended = 0
    step = 0

    def observe(played) -> None:
        nonlocal ended, step
        command, velocity = played.info["command"], played.info["planar_velocity"]
        changed = ~((command - last).abs().max(-1).values <= 1e-6)
        first[changed & ~last.isnan().any(-1)] = False
        since[changed] = 0.0
        last.copy_(command)
        window[step % len(window)] = velocity
        step += 1
        settled = since >= SETTLE_SECONDS - 1e-6
        if bool(settled.any()):
            c = command[settled].double().numpy()
            frame = velocity_errors(velocity[settled].double().numpy(), c)[1]
            cycle = velocity_errors(window[:, settled].mean(0).double().numpy(), c)[1]
            judged.append(np.stack((c[:, 2], frame, cycle), axis=1))
        for i in played.ended.tolist():
            ended += 1
            if played.done[i] == DoneFlag.FAIL:
                clip = env.motion_lib.clips[int(env.episode_clips[i])].name
                falls.append(f"  {command[i, 2]:.2f} m/s, {'first' if first[i] else 'later'} command, "
                             f"{since[i]:.1f} s after it; started in {clip}")
            last[i] = float("nan")
            first[i] = True
        since.add_(dt)

    playback = Playback(env, runner.agent)
    playback.restart()
    playback.run(observe, until=lambda: ended >= args.eval_episodes)
    rows = np.concatenate(judged)
    print(f"{ended} episodes, {len(falls)} falls; {len(rows) * dt:.0f} s judged "
          f"(from {SETTLE_SECONDS} s after each command)")
    print(f"{'command m/s':>11} {'share':>6} {'speed err':>9} {'1 s err':>8}")
    for lo, hi in zip(SPEED_BANDS[:-1], SPEED_BANDS[1:], strict=True):
        band = rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi)]
        if len(band):
            print(f"{lo:>5.1f}-{hi:<5.1f} {len(band) / len(rows):6.2f} {np.median(band[:, 1]):9.3f} "
                  f"{np.median(band[:, 2]):8.3f}")
    print(f"{'all':>11} {1.0:6.2f} {np.median(rows[:, 1]):9.3f} {np.median(rows[:, 2]):8.3f}")
    if falls:
        print("falls (the command in force):")
        print("\n".join(falls))


if __name__ == "__main__":
    main()
