"""Where a steering policy misses: its speed error by commanded speed, and when and from which clips it falls.

Runs the deterministic policy of a checkpoint on the env config's task (10-s episodes, every command drawn at random,
as learn_steering.py measures) and prints the frame-by-frame and 1-s speed errors (steering_judge) by band of
commanded speed, with each band's share of the judged time; the episodes and falls begun in each clip; then every
fall: the command in force, whether it was the episode's first, the seconds since that command came, and the clip
the episode started in.

    python benchmarks/learning/steering_breakdown.py data/models/amp_steering_humanoid_model.pt \
        [--eval_episodes 128] [--seed 2]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from amp_studio.envs.vec_env import DoneFlag
from amp_studio.motion.mirror import MIRROR_SUFFIX
from amp_studio.runs.playback import Playback
from amp_studio.runs.steering_judge import SETTLE_SECONDS, SteeringJudge

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
    judge = SteeringJudge(env.num_envs, env.dt)  # the evaluation's own judge, with its per-step commanded speeds
    falls: list[str] = []
    ended = 0
    starts, fell = Counter(), Counter()  # per start clip (a mirror counted with its clip)

    def observe(played) -> None:
        nonlocal ended
        judge.add(played.info["command"], played.info["planar_velocity"], torch.ones(env.num_envs, dtype=torch.bool))
        for i in played.ended.tolist():
            ended += 1
            clip = env.motion_lib.clips[int(env.episode_clips[i])]
            source = clip.name.removesuffix(MIRROR_SUFFIX) if clip.mirrored else clip.name  # the table's row
            starts[source] += 1
            if played.done[i] == DoneFlag.FAIL:
                fell[source] += 1
                falls.append(f"  {judge.last[i, 2]:.2f} m/s, {'first' if judge.commands[i] == 1 else 'later'} "
                             f"command, {judge.since[i]:.1f} s after it; started in {clip.name}")
        if len(played.ended):
            judge.restart(played.ended)

    playback = Playback(env, runner.agent)
    playback.restart()
    playback.run(observe, until=lambda: ended >= args.eval_episodes)
    rows = np.stack([np.concatenate(part) for part in (judge.commanded, judge.speed, judge.cycle_speed)], axis=1)
    print(f"{ended} episodes, {len(falls)} falls; {judge.judged_steps * env.dt:.0f} s judged "
          f"(from {SETTLE_SECONDS} s after each command)")
    print(f"{'command m/s':>11} {'share':>6} {'speed err':>9} {'1 s err':>8}")
    for lo, hi in zip(SPEED_BANDS[:-1], SPEED_BANDS[1:], strict=True):
        band = rows[(rows[:, 0] >= lo) & (rows[:, 0] < hi)]
        if len(band):
            print(f"{lo:>5.1f}-{hi:<5.1f} {len(band) / len(rows):6.2f} {np.median(band[:, 1]):9.3f} "
                  f"{np.median(band[:, 2]):8.3f}")
    print(f"{'all':>11} {1.0:6.2f} {np.median(rows[:, 1]):9.3f} {np.median(rows[:, 2]):8.3f}")
    print(f"{'started in (and its mirror)':<36} {'episodes':>8} {'falls':>5}")
    for clip, count in sorted(starts.items()):
        print(f"{clip:<36} {count:>8} {fell[clip]:>5}")
    if falls:
        print("falls (the command in force):")
        print("\n".join(falls))


if __name__ == "__main__":
    main()
