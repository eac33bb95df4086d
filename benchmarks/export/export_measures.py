"""Exports, measured: ONNX parity with torch and its speed, and the cost of a 10-s replay video.

ONNX: on observations recorded from the model's own deterministic rollout, the largest difference between
onnxruntime's and torch's PD targets, and the time per batch of each (ratio onnxruntime / torch, same run).
Video: a --seconds replay rendered and encoded at --size and --fps (seconds taken, file size).

    python benchmarks/export/export_measures.py [--model data/models/amp_humanoid_walk_model.pt] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from amp_studio import DATA_DIR
from amp_studio.engines.spherical_targets import clamp_spherical_targets
from amp_studio.rendering.video import VideoSettings
from amp_studio.runs.checkpoints import load_checkpoint
from amp_studio.runs.onnx_export import export_onnx
from amp_studio.runs.policy_video import write_policy_video
from amp_studio.runs.run_arguments import policy_frame_overrides
from amp_studio.runs.training import make_training


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(DATA_DIR / "models" / "amp_humanoid_walk_model.pt"))
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_humanoid_env.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_humanoid_agent.yaml"))
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="960x540")
    parser.add_argument("--fps", type=float, default=30.0)
    args = parser.parse_args()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        onnx_path = export_onnx(args.model, Path(tmp) / "policy.onnx")
        out["onnx_export_s"] = round(time.perf_counter() - start, 2)
        out["onnx_mb"] = round(onnx_path.stat().st_size / 1e6, 3)
        session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        model = load_checkpoint(args.model)
        runner = make_training(args.env_config, DATA_DIR / "engines" / "mujoco_engine.yaml", args.agent_config, 8,
                               seed=5, env_overrides=policy_frame_overrides(model, args.env_config),
                               log=lambda line: None)
        runner.load_policy(args.model, model)
        env, agent = runner.env, runner.agent
        ball = env.engine._ball_dofs
        obs, recorded = env.reset(), []
        with torch.no_grad():
            for _ in range(125):
                recorded.append(obs.clone())
                obs, _, done, _ = env.step(agent.act(obs, deterministic=True)[0])
                if done.any():
                    obs = env.reset(done.nonzero().flatten())
            batch = torch.cat(recorded)
            ref = clamp_spherical_targets(env.action_to_targets(agent.act(batch, deterministic=True)[0]), ball)
        got = session.run(None, {"obs": batch.numpy()})[0]
        out["observations"] = len(batch)
        out["onnx_max_abs_diff_rad"] = float(np.abs(got - ref.numpy()).max())

        def timed(fn, reps=200) -> float:
            fn()
            t = time.perf_counter()
            for _ in range(reps):
                fn()
            return (time.perf_counter() - t) / reps

        one = batch[:1]
        with torch.no_grad():
            torch_s = timed(lambda: clamp_spherical_targets(env.action_to_targets(agent.act(one, True)[0]), ball))
        onnx_s = timed(lambda: session.run(None, {"obs": one.numpy()}))
        out["torch_ms_per_obs"] = round(1e3 * torch_s, 4)
        out["onnx_ms_per_obs"] = round(1e3 * onnx_s, 4)
        out["onnx_over_torch_time"] = round(onnx_s / torch_s, 3)

        width, height = (int(v) for v in args.size.split("x"))
        start = time.perf_counter()
        video = write_policy_video(Path(tmp) / "replay.mp4", env, agent, args.seconds,
                                   VideoSettings(width, height, args.fps, "track"))
        out["video_seconds"] = args.seconds
        out["video_size"] = args.size
        out["video_render_encode_s"] = round(time.perf_counter() - start, 2)
        out["video_mb"] = round(video.stat().st_size / 1e6, 3)
        env.close()
    for key, value in out.items():
        print(f"{key:<24} {value}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
