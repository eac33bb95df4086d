"""Why a tracking (ADD) policy's episodes end, and where in its clip: a fall, the root off the clip's path, or a
body off the clip's pose.

Runs the deterministic policy of a checkpoint on the add env (each episode from a random clip time, restarted when
it ends, as test mode does) and sorts every ending by what pose termination and the fall check saw at that step:
the root farther than pose_termination_dist from the clip's root (world frame, with global_obs), a body farther
than that from the clip's (relative to the roots), the root's height farther than root_height_termination_dist from
the clip's (where it is set), a fall (a body other than the contact bodies on the ground, or
diverged physics), or the time limit. Then the early endings by the clip's phase at the end, in tenths of the clip,
and by the seconds into the episode (whether episodes fail on their way in from the random start or later). For the
tenth of the clip where most end, how they ended: medians of the root's height against the clip's at the end, and of
the root's peak height and the pelvis's peak tilt in their last half second against the clip's there, and how many
had the root's heading 90 degrees or more off the clip's then (a spin's turn behind or ahead).

    python benchmarks/learning/tracking_endings.py RUN/checkpoints/latest.pt --env_config RUN/env_config.yaml \
        [--eval_episodes 256] [--seed 2]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import torch

from amp_studio.envs.vec_env import DoneFlag
from amp_studio.rotations import tilt_deg
from amp_studio.runs.playback import Playback

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))  # the shared code: benchmarks/lib/
from timed_training import checkpoint_parser, policy_and_eval_env  # noqa: E402

LAST_S = 0.5  # how far back an ending's peaks and heading gaps are looked for
TURN_OFF_DEG = 90.0

CAUSES = ("root off the path", "body off the pose", "root and body", "root off the height", "fall", "time limit",
          "clip ended")


def ending_cause(done: int, body_far: bool, root_far: bool, height_far: bool = False) -> str:
    """One of CAUSES for an episode that ended with done flag `done` and these pose checks at its last step."""
    if done == DoneFlag.TIME:
        return "time limit"
    if done == DoneFlag.SUCC:
        return "clip ended"
    if body_far and root_far:
        return "root and body"
    if root_far:
        return "root off the path"
    if body_far:
        return "body off the pose"
    return "root off the height" if height_far else "fall"


def main() -> None:
    parser = checkpoint_parser(__doc__.splitlines()[0], "add_humanoid_env.yaml", "add_humanoid_agent.yaml", 256)
    args = parser.parse_args()
    runner, env = policy_and_eval_env(args)
    if not hasattr(env, "pose_gaps"):
        raise SystemExit(f"error: {args.env_config}: not a tracking env (env_name: add)")
    limit = env.config.pose_termination_dist
    height_limit = env.config.root_height_termination_dist
    causes, phases, seconds, lengths = Counter(), Counter(), Counter(), []
    ended = vertical = 0  # vertical: root endings where the height gap alone is past the pose limit
    window = max(1, round(LAST_S / env.dt))
    # The last `window` steps of each env (a ring): |heading gap| (deg), the pelvis's tilt and the clip's (deg), the
    # root's height and the clip's (m).
    recent = torch.zeros(window, env.num_envs, 5)
    last_moments, tick = {}, 0  # tenth of the clip -> one row per early ending there

    def observe(played) -> None:
        nonlocal ended, vertical, tick
        state, (clip, _, _) = env.engine.get_state(), env.clip_pose_now()  # the clip's pose the env already holds
        recent[tick % window] = torch.stack((
            torch.rad2deg(env.heading_gaps()).abs(), tilt_deg(state.root_rot.double()).float(),
            tilt_deg(clip.root_rot.double()).float(), state.root_pos[:, 2], clip.root_pos[:, 2]), dim=-1)
        tick += 1
        if not len(played.ended):
            return
        body_gap, root_gap = env.pose_gaps()
        root_far = root_gap > limit if env.obs_heading is None else torch.zeros_like(root_gap, dtype=torch.bool)
        height_gap = env.root_height_gaps().abs()
        height_far = height_gap > height_limit if height_limit > 0 else torch.zeros_like(root_far)
        clip_lengths = env.motion_lib.clip_lengths[env.episode_clips]
        phase = (env.clip_times() % clip_lengths) / clip_lengths
        for i in played.ended.tolist():
            ended += 1
            cause = ending_cause(int(played.done[i]), bool(body_gap[i] > limit), bool(root_far[i]),
                                 bool(height_far[i]))
            causes[cause] += 1
            vertical += int(cause in ("root off the path", "root and body") and bool(height_gap[i] > limit))
            lengths.append(float(env.progress[i]) * env.dt)
            if cause != "time limit":
                phases[min(9, int(phase[i] * 10))] += 1
                seconds[int(lengths[-1])] += 1
                steps = max(1, min(window, int(env.progress[i])))
                last = recent[(torch.arange(tick - steps, tick) % window), i]
                peaks = last.max(dim=0).values
                last_moments.setdefault(min(9, int(phase[i] * 10)), []).append(
                    (float(recent[(tick - 1) % window, i, 4] - recent[(tick - 1) % window, i, 3]), *peaks[1:].tolist(),
                     float(peaks[0] >= TURN_OFF_DEG)))

    playback = Playback(env, runner.agent)
    playback.restart()
    playback.run(observe, until=lambda: ended >= args.eval_episodes)
    height = f", root height limit {height_limit} m" if height_limit > 0 else ""
    print(f"{ended} episodes, {sum(lengths) / len(lengths):.2f} s long on average; pose limit {limit} m{height}")
    print(f"{'ended by':<20} {'episodes':>8} {'share':>6}")
    for cause in CAUSES:
        if causes[cause]:
            print(f"{cause:<20} {causes[cause]:>8} {causes[cause] / ended:6.2f}")
    if causes["root off the path"] + causes["root and body"]:
        print(f"of the root's endings, {vertical} with the height gap alone past {limit} m")
    early = sum(phases.values())
    if early:
        print("endings before the time limit by the clip's phase (tenths of the clip):")
        print(" ".join(f"{tenth / 10:.1f}:{phases[tenth]}" for tenth in range(10)))
        print("endings before the time limit by seconds into the episode:")
        print(" ".join(f"{s}-{s + 1}:{seconds[s]}" for s in range(max(seconds) + 1)))
        tenth = max(last_moments, key=lambda k: len(last_moments[k]))
        rows = torch.tensor(last_moments[tenth])
        below, tilt, clip_tilt, height, clip_height = rows[:, :5].median(dim=0).values.tolist()
        where = f"{tenth / 10:.1f}-{(tenth + 1) / 10:.1f}"
        print(f"the {len(rows)} endings at {where} of the clip (medians): the root {below:.2f} m below the clip's "
              f"at the end; in the last {LAST_S} s, the root's peak {height:.2f} m (the clip's "
              f"{clip_height:.2f}), the pelvis's peak tilt {tilt:.0f} deg (the clip's {clip_tilt:.0f}); "
              f"{int(rows[:, 5].sum())} with the heading {TURN_OFF_DEG:.0f} deg or more off the clip's")


if __name__ == "__main__":
    main()
