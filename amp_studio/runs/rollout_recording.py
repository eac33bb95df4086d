"""A policy's rollout written down as a clip: the simulated character's root and exact joint values per control
step, so that it can be previewed, checked, mirrored and trained on like any captured clip."""

from __future__ import annotations

import numpy as np
import torch

from amp_studio.motion import MotionClip
from amp_studio.rotations import quat_to_exp_map
from amp_studio.runs.playback import Playback, PlaybackStep


@torch.no_grad()
def record_rollout(env, agent, seconds: float, env_id: int = 0, name: str = "rollout"
                   ) -> tuple[MotionClip, np.ndarray]:
    """Reset env_id, run the deterministic policy and record env_id from its first state until `seconds` pass or
    its episode ends. A tracking env starts where it says (recording_start: a looped skill from standing to
    standing); other envs start as their resets draw. Returns the clip (at the control rate, clamped ends) and the
    simulated body positions of its frames, (num_frames, num_bodies, 3), for checking. A steering env's commands go
    into the clip's task_commands: frame i's is the command in force from frame i to i + 1."""
    follow = torch.arange(env.num_envs) == env_id
    restart = None
    if hasattr(env, "recording_start"):
        clip_id, start = env.recording_start(seconds)

        def restart(ids: torch.Tensor) -> torch.Tensor:
            n = len(ids)
            return env.reset_to(ids, torch.full((n,), clip_id, dtype=torch.long),
                                torch.full((n,), start, dtype=env.motion_lib.dtype))
    playback = Playback(env, agent, restart=restart, follow=follow)
    playback.restart(torch.tensor([env_id]))
    frames, bodies, commands = [], [], []
    steering = hasattr(env, "command")

    def grab(step: PlaybackStep | None = None) -> bool:
        s = env.engine.get_state()
        root_rot = quat_to_exp_map(s.root_rot[env_id:env_id + 1].double())[0]
        frames.append(torch.cat((s.root_pos[env_id].double(), root_rot, s.dof_pos[env_id].double())).numpy())
        bodies.append(env.engine.body_pos[env_id].double().numpy().copy())
        if steering:
            commands.append(env.command()[env_id].double().numpy())
        # A fall's last state, or the time limit's, ends the recording: the env would restart it elsewhere.
        return step is None or not len(step.ended)

    grab()
    playback.run(grab, max_steps=max(1, round(seconds / env.dt)))
    clip = MotionClip(fps=1.0 / env.dt, loop="clamp", frames=np.stack(frames), name=name,
                      task_commands=np.stack(commands) if steering else None)
    return clip, np.stack(bodies)
