"""The arguments of `--mode train|test` (MimicKit's run.py arguments), shared by the command line and the training
and replay workers; the workers import this, not the CLI, so that they stay free of the app's GUI side."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from amp_studio import DATA_DIR
from amp_studio.errors import AmpStudioError


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got '{text}'")


def build_run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amp-studio",
        description="Train and test AMP controllers (MimicKit's run.py arguments). "
                    "`amp-studio motion ...` inspects and converts clips; `amp-studio export onnx ...` exports a "
                    "policy; `amp-studio install-desktop` adds the app to the desktop's menu; no arguments: the app.",
    )
    parser.add_argument("--mode", choices=("train", "test"), required=True)
    parser.add_argument("--arg_file", help="a file of further arguments (MimicKit args/*.txt); the command line wins")
    parser.add_argument("--num_envs", type=int, default=256)
    parser.add_argument("--engine_config", default=str(DATA_DIR / "engines" / "mujoco_engine.yaml"))
    parser.add_argument("--env_config", default=str(DATA_DIR / "envs" / "amp_humanoid_env.yaml"))
    parser.add_argument("--agent_config", default=str(DATA_DIR / "agents" / "amp_humanoid_agent.yaml"))
    parser.add_argument("--visualize", type=_bool, default=False, help="true: show env 0 in MuJoCo's viewer")
    parser.add_argument("--out_dir", default="output", help="run directory (train)")
    parser.add_argument("--model_file", help="checkpoint: the policy to test, or a run to resume (train)")
    parser.add_argument("--model_configs", type=_bool, default=False,
                        help="test: true: use the env, agent and engine configs stored in --model_file (as it was "
                             "trained) instead of --env_config, --agent_config and --engine_config")
    parser.add_argument("--max_samples", type=int, help="stop training after this many samples")
    parser.add_argument("--max_minutes", type=float, help="stop training after this many minutes of training")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--logger", choices=("tb", "txt"), default="tb",
                        help="tb: TensorBoard events as well as metrics.jsonl; txt: metrics.jsonl and log only")
    parser.add_argument("--test_episodes", type=int, help="episodes to evaluate (default: the agent config's)")
    parser.add_argument("--motion_file", help="clip or dataset to use instead of the env config's")
    parser.add_argument("--json", action="store_true", help="test: end with one JSON object of the results")
    parser.add_argument("--record_clip", help="test: also record one episode of env 0 (deterministic policy) as a "
                                              "MimicKit .pkl clip here")
    parser.add_argument("--video", help="test: also render env 0's replay to this .mp4 (H.264)")
    parser.add_argument("--video_size", default="960x540", help="video width x height in pixels")
    parser.add_argument("--video_fps", type=float, default=30.0, help="video frames per second")
    parser.add_argument("--video_camera", choices=("track", "fixed"), default="track",
                        help="track: the camera follows the character; fixed: it stays where it started")
    parser.add_argument("--video_seconds", type=float, default=10.0, help="video length in seconds")
    parser.add_argument("--video_ghost", type=_bool, default=True,
                        help="imitation: show the reference clip as a translucent ghost")
    parser.add_argument("--devices", nargs="+", help="train with one process per device, e.g. cpu cpu or "
                        "cuda:0 cuda:1 (gradients averaged; torchrun's environment is honoured for multi-node)")
    parser.add_argument("--disc_reward_weight", type=float, help="imitation (style) reward weight (agent config's)")
    parser.add_argument("--task_reward_weight", type=float, help="task reward weight (agent config's)")
    parser.add_argument("--worker_python", help="run under this Python interpreter instead, e.g. Isaac Gym's "
                                                "Python 3.8 environment's (it needs numpy, torch, mujoco and PyYAML; "
                                                "this project is found through PYTHONPATH)")
    return parser


def agent_overrides(args: argparse.Namespace) -> dict | None:
    """Agent settings given on the command line."""
    keys = ("disc_reward_weight", "task_reward_weight")
    found = {k: getattr(args, k) for k in keys if getattr(args, k, None) is not None}
    return found or None


def read_model_file(args: argparse.Namespace) -> dict | None:
    """args.model_file's contents (None without one), read once for both building the env and loading it."""
    from amp_studio.runs.checkpoints import load_checkpoint

    return load_checkpoint(args.model_file) if getattr(args, "model_file", None) else None


def training_from_args(args: argparse.Namespace, num_envs: int | None = None, out_dir: str | None = None,
                       model_state: dict | None = None, **kwargs):
    """The Runner for parsed `--mode train|test` arguments (the CLI's and the GUI worker's one way to build it).
    With args.model_file, its env observes in the frame that file's policy was trained in; model_state is the
    file's contents when the caller has read them (read_model_file), to load it without reading it again."""
    from amp_studio.runs.training import make_training

    overrides = {"motion_file": args.motion_file} if args.motion_file else {}
    if model_state is None:
        model_state = read_model_file(args)
    if model_state is not None:
        overrides.update(policy_frame_overrides(model_state, args.env_config, overrides))
    return make_training(args.env_config, args.engine_config, args.agent_config,
                         args.num_envs if num_envs is None else num_envs, args.seed, out_dir, overrides or None,
                         agent_overrides(args), **kwargs)


def policy_frame_overrides(state: dict, env_config: str | Path, overrides: dict | None = None) -> dict:
    """Env settings that make env_config (with overrides) observe in the frame the policy of a checkpoint (its
    contents) was trained in: a policy observes in its own frame, whichever env config it is tested or continued
    with."""
    from amp_studio.envs import load_env_config
    from amp_studio.runs.checkpoints import frame_overrides, trained_frame

    return frame_overrides(trained_frame(state), load_env_config(env_config, overrides)[1])


def use_model_configs(args: argparse.Namespace, model_state: dict | None = None) -> None:
    """Point args' config paths at the configs stored in args.model_file (written to a temporary folder);
    model_state: the file's contents when already read."""
    import tempfile

    if model_state is None:
        model_state = read_model_file(args)
    configs = model_state.get("configs") or {}
    folder = Path(tempfile.mkdtemp(prefix="amp_studio_model_configs_"))
    for flag, name in (("env_config", "env_config.yaml"), ("agent_config", "agent_config.yaml"),
                       ("engine_config", "engine_config.yaml")):
        text = configs.get(name)
        if not isinstance(text, str):
            raise AmpStudioError(args.model_file, f"holds no {name} to replay it with; give --{flag} instead")
        (folder / name).write_text(text, encoding="utf-8")
        setattr(args, flag, str(folder / name))


def max_seconds(args: argparse.Namespace) -> float | None:
    """--max_minutes in seconds (None: no time limit)."""
    return None if args.max_minutes is None else 60.0 * args.max_minutes


def with_arg_file(argv: list[str]) -> list[str]:
    """MimicKit's --arg_file: its arguments first, so that the command line overrides them."""
    if "--arg_file" not in argv:
        return argv
    i = argv.index("--arg_file")
    if i + 1 >= len(argv):
        raise AmpStudioError(None, "--arg_file needs a file name")
    path = Path(argv[i + 1])
    if not path.is_file():
        raise AmpStudioError(path, "argument file not found")
    tokens = shlex.split(path.read_text(encoding="utf-8"), comments=True)
    return tokens + argv[:i] + argv[i + 2:]
