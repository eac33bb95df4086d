"""A steering policy driven through a scripted 60-s course: commanded against actual speed and heading.

Six commands of 10 s each (the table below: walk ahead, turn left, speed up, run, turn about, slow down) are held
on one env as the app's keys hold them; the policy runs deterministically and every control step's command and the
root's planar velocity over that step are kept. Each command is judged from 1.5 s after it came
(amp_studio/runs/steering_judge.py): median heading error (degrees) and relative speed error. A fall restarts
the character and is counted. --figure draws both traces (pyqtgraph, offscreen); --record_clip writes the drive as
a clip with its task_commands, which others can judge from the file alone.

    python benchmarks/learning/steering_drive.py [--model data/models/amp_steering_humanoid_model.pt]
        [--figure docs/images/steering_drive.png] [--record_clip output/steering_drive.pkl]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

from amp_studio import DATA_DIR
from amp_studio.envs.amp_obs import heading_angle
from amp_studio.envs.vec_env import DoneFlag
from amp_studio.motion import MotionClip, save_clip
from amp_studio.rotations import quat_to_exp_map
from amp_studio.runs.playback import Playback
from amp_studio.runs.steering_judge import SETTLE_SECONDS, cycle_velocities, velocity_errors
from amp_studio.runs.training import make_training

COURSE = [  # (heading in degrees from the start's facing, speed m/s), 10 s each
    (0.0, 1.0), (90.0, 1.0), (90.0, 2.0), (0.0, 3.0), (180.0, 1.5), (-90.0, 0.8)]
SECONDS_EACH = 10.0


def drive(runner, course, seconds_each: float) -> dict:
    """Run the course; per-step arrays of time, command (N, 3) and velocity (N, 2), falls, and clip frames."""
    env, agent = runner.env, runner.agent
    env.max_episode_steps = 2**62  # the user drives: no time limit
    playback = Playback(env, agent)
    playback.restart()
    start_heading = float(heading_angle(env.engine.get_state().root_rot[:1], env.config.heading)[0])
    times, commands, velocities, frames, falls = [], [], [], [], 0
    steps_each = round(seconds_each / env.dt)
    for k, (degrees, speed) in enumerate(course):
        angle = start_heading + math.radians(degrees)
        env.set_command(torch.tensor([0]), torch.tensor([[math.cos(angle), math.sin(angle)]]), torch.tensor([speed]))
        playback.obs = env._obs
        for i in range(steps_each):
            step = playback.step()
            times.append((k * steps_each + i + 1) * env.dt)
            commands.append(step.info["command"][0].numpy().copy())
            velocities.append(step.info["planar_velocity"][0].numpy().copy())
            falls += int(step.done[0] == DoneFlag.FAIL)
            s = env.engine.get_state()
            rot = quat_to_exp_map(s.root_rot[:1].double())[0]
            frames.append(torch.cat((s.root_pos[0].double(), rot, s.dof_pos[0].double())).numpy())
    return {"time": np.array(times), "command": np.array(commands), "velocity": np.array(velocities),
            "frames": np.array(frames), "falls": falls, "dt": env.dt}


def judge_segments(run: dict, course, seconds_each: float) -> list[dict]:
    """Per command: median heading and speed errors from SETTLE_SECONDS after it came to its end."""
    rows = []
    cycle = cycle_velocities(run["velocity"], 1.0 / run["dt"])
    for k, (degrees, speed) in enumerate(course):
        t = run["time"] - k * seconds_each
        judged = (t > SETTLE_SECONDS) & (t <= seconds_each + 1e-9)
        heading, rel = velocity_errors(run["velocity"][judged], run["command"][judged])
        _, cycle_rel = velocity_errors(cycle[judged], run["command"][judged])
        actual = np.linalg.norm(run["velocity"][judged], axis=-1)
        rows.append({"from_s": k * seconds_each, "heading_deg": degrees, "speed": speed,
                     "heading_error_deg_median": round(float(np.median(heading)), 2),
                     "speed_error_median": round(float(np.median(rel)), 3),
                     "speed_error_1s_median": round(float(np.median(cycle_rel)), 3),
                     "actual_speed_median": round(float(np.median(actual)), 2)})
    return rows


def draw(run: dict, path: str) -> None:
    """Commanded and actual speed (top) and heading (bottom) against time, as a PNG."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    import pyqtgraph.exporters
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # pyqtgraph draws through Qt
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    layout = pg.GraphicsLayoutWidget()
    layout.resize(1100, 620)
    t, cmd, vel = run["time"], run["command"], run["velocity"]
    window = max(1, round(0.5 / run["dt"]))  # half a second: the stride's sway averaged out of the shown trace
    kernel = np.ones(window) / window
    smooth = np.stack([np.convolve(vel[:, i], kernel, mode="same") for i in range(2)], axis=-1)
    speed = layout.addPlot(row=0, col=0, title="speed (m/s)")
    speed.addLegend(offset=(10, 5))
    speed.plot(t, np.linalg.norm(vel, axis=-1), pen=pg.mkPen((170, 170, 170), width=1), name="actual, each step")
    speed.plot(t, np.linalg.norm(smooth, axis=-1), pen=pg.mkPen((31, 119, 180), width=2), name="actual, 0.5 s mean")
    speed.plot(t, cmd[:, 2], pen=pg.mkPen((214, 39, 40), width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
               name="commanded")
    heading = layout.addPlot(row=1, col=0, title="heading of the velocity from the start's facing (degrees)")
    heading.setXLink(speed)
    start = math.atan2(cmd[0, 1], cmd[0, 0]) - math.radians(COURSE[0][0])
    heading.plot(t, _wrapped_degrees(np.arctan2(smooth[:, 1], smooth[:, 0]) - start),
                 pen=pg.mkPen((31, 119, 180), width=2), connect="finite")
    heading.plot(t, _wrapped_degrees(np.arctan2(cmd[:, 1], cmd[:, 0]) - start),
                 pen=pg.mkPen((214, 39, 40), width=2, style=pg.QtCore.Qt.PenStyle.DashLine), connect="finite")
    heading.setYRange(-180, 180)
    heading.setLabel("bottom", "time (s)")
    layout.show()
    app.processEvents()
    exporter = pg.exporters.ImageExporter(layout.scene())
    exporter.parameters()["width"] = 1100
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    exporter.export(path)


def _wrapped_degrees(radians: np.ndarray) -> np.ndarray:
    """Angles in (-180, 180]; NaN where they wrap, so that a line does not cross the plot at the wrap."""
    degrees = (np.degrees(radians) + 180.0) % 360.0 - 180.0
    jumps = np.abs(np.diff(degrees)) > 180.0
    degrees[1:][jumps] = np.nan
    return degrees


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DATA_DIR / "models" / "amp_steering_humanoid_model.pt"))
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_steering_humanoid_env.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_task_humanoid_agent.yaml"))
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", help="write the speed and heading traces here (.png)")
    parser.add_argument("--record_clip", help="write the drive as a clip with task_commands (.pkl)")
    args = parser.parse_args()
    runner = make_training(args.env_config, args.engine_config, args.agent_config, 1, args.seed,
                           log=lambda line: None)
    runner.load_policy(args.model)
    run = drive(runner, COURSE, SECONDS_EACH)
    rows = judge_segments(run, COURSE, SECONDS_EACH)
    print(f"{'from s':>6} {'heading':>7} {'speed':>5} {'head err deg':>12} {'speed err':>9} {'1-s err':>7} "
          f"{'actual m/s':>10}")
    for r in rows:
        print(f"{r['from_s']:6.0f} {r['heading_deg']:7.0f} {r['speed']:5.1f} {r['heading_error_deg_median']:12.1f} "
              f"{r['speed_error_median']:9.3f} {r['speed_error_1s_median']:7.3f} {r['actual_speed_median']:10.2f}")
    print(f"falls: {run['falls']}")
    if args.figure:
        draw(run, args.figure)
        print(f"wrote {args.figure}")
    if args.record_clip:
        clip = MotionClip(1.0 / run["dt"], "clamp", run["frames"], name=Path(args.record_clip).stem,
                          task_commands=np.concatenate((run["command"][1:], run["command"][-1:])))
        save_clip(clip, args.record_clip)
        print(f"wrote {args.record_clip}")
    print(json.dumps({"falls": run["falls"], "segments": rows}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
