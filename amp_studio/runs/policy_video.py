"""A policy's replay as a video: env 0 under the deterministic policy, with the reference clip as a ghost (for
imitation), the target (for the location task) or the command and velocity arrows (for the steering task)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from amp_studio.rendering.video import VideoFrame, VideoSettings, write_video
from amp_studio.runs.playback import Playback, PlaybackStep


def _pose(state, i: int) -> np.ndarray:
    return torch.cat((state.root_pos[i], state.root_rot[i], state.dof_pos[i])).double().numpy()


@torch.no_grad()
def policy_video_frames(env, agent, seconds: float, fps: float, ghost: bool = True) -> Iterator[VideoFrame]:
    """Frames of env 0 from a fresh start for `seconds` at `fps` (the policy runs at the env's control rate; each
    frame shows the latest step). A fall restarts the episode, as a replay does."""
    clip = t0 = None
    elapsed, sim_time = 0.0, 0.0

    def start(ids: torch.Tensor) -> torch.Tensor:
        nonlocal clip, t0, elapsed
        clip = env.motion_lib.sample_clips(1, generator=env.generator)
        t0 = env.motion_lib.sample_times(clip, generator=env.generator)
        elapsed = 0.0
        return env.reset_to(ids, clip, t0)

    def advance(step: PlaybackStep) -> None:
        nonlocal elapsed, sim_time
        sim_time += env.dt
        elapsed += env.dt

    playback = Playback(env, agent, restart=start, follow=torch.arange(env.num_envs) == 0)
    playback.restart(torch.zeros(1, dtype=torch.long))
    for i in range(max(1, round(seconds * fps))):
        while sim_time + 1e-9 < i / fps:
            playback.step(advance)  # a fall restarts env 0 before the frame shows it
        state = env.engine.get_state()
        reference = None
        steering = hasattr(env, "set_command")
        if ghost and not hasattr(env, "target") and not steering:
            ref = env.motion_lib.get_state(clip, t0 + elapsed)
            reference = _pose(ref, 0)
        target = tuple(env.target[0].tolist()) if hasattr(env, "target") else None
        command = tuple(env.command()[0].tolist()) if steering else None
        velocity = tuple(env.planar_velocity()[0].tolist()) if steering else None
        yield VideoFrame(_pose(state, 0), reference, target, command, velocity)


def write_policy_video(path: str | Path, env, agent, seconds: float, settings: VideoSettings, ghost: bool = True,
                       progress=None) -> Path:
    """Render env 0's replay to an .mp4 (see write_video)."""
    frames = policy_video_frames(env, agent, seconds, settings.fps, ghost)
    return write_video(path, frames, max(1, round(seconds * settings.fps)), str(env.character.path), settings,
                       progress)
