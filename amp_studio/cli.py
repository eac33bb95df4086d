"""The command line: MimicKit's `--mode train|test` arguments, `export`, and `motion ...` (motion_command.py)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from amp_studio.engine_availability import worker_environment
from amp_studio.errors import AmpStudioError
from amp_studio.runs.run_arguments import (
    build_run_parser,
    max_seconds,
    read_model_file,
    training_from_args,
    use_model_configs,
    with_arg_file,
)


def _build_export_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amp-studio export", description="Take a trained policy elsewhere.")
    export_sub = parser.add_subparsers(dest="export_command", required=True)
    onnx = export_sub.add_parser("onnx", help="the policy as one ONNX graph: raw observation in, PD targets out")
    onnx.add_argument("--model_file", required=True, help="checkpoint or model (.pt) from a run")
    onnx.add_argument("--out", required=True, help="output .onnx path")
    return parser


def _export_onnx(args: argparse.Namespace) -> int:
    from amp_studio.runs.onnx_export import export_onnx

    path = export_onnx(args.model_file, args.out)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    return 0


def _train(args: argparse.Namespace) -> int:
    devices = args.devices or ["cpu"]
    from amp_studio.runs.multiprocess import launch, launched_by_torchrun

    if len(devices) > 1 or launched_by_torchrun():
        launch(devices, _train_process, args)
    else:
        _train_process(devices[0], 1, args)
    return 0


def _train_process(device: str, world: int, args: argparse.Namespace) -> None:
    """One training process (of `world`): the whole run when there is one."""
    from amp_studio.learning import distributed
    from amp_studio.runs.multiprocess import threads_per_process

    main = distributed.is_main()
    say = print if main else (lambda *a, **k: None)
    model = read_model_file(args)
    runner = training_from_args(args, out_dir=args.out_dir, logger=args.logger, model_state=model,
                                threads=threads_per_process(world) if world > 1 else None)
    if model is not None:
        if runner.load_checkpoint(args.model_file, model) == "policy":
            say(f"starting from the policy in {args.model_file} (a policy-only file: fresh critic and discriminator)")
        else:
            say(f"resumed from {args.model_file} at iteration {runner.iteration}, {runner.samples:,d} samples")
    callback = None
    viewer = _viewer(args, runner.env) if main else None
    if viewer is not None:
        def callback(metrics: dict) -> None:
            viewer.update()
    processes = f", {world} processes on {' '.join(args.devices)}" if world > 1 else ""
    say(f"training in {args.out_dir} ({args.num_envs} envs{' each' if world > 1 else ''}{processes}); "
        "Ctrl-C stops and saves a checkpoint")
    # A polite kill (SIGTERM) stops like Ctrl-C: the checkpoint is written before exiting.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        runner.train(max_samples=args.max_samples, callback=callback, max_seconds=max_seconds(args))
    except KeyboardInterrupt:
        say("stopped")
    finally:
        # Past the checkpoint a SIGTERM just ends the process; raised inside teardown it only garbled it.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        runner.close()
    say(f"checkpoint: {Path(args.out_dir) / 'checkpoints' / 'latest.pt'}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _viewer(args: argparse.Namespace, env):
    """MuJoCo's viewer on env 0 for --visualize true, where a window can open; None otherwise."""
    if not args.visualize:
        return None
    from amp_studio.runs.live_viewer import LiveViewer, display_available

    if not display_available():
        print("--visualize true: no display here (DISPLAY is not set), so no window; running without it. "
              "Run under a desktop session or `xvfb-run` to see the character.", file=sys.stderr)
        return None
    return LiveViewer(env.engine, camera_mode=env.config.camera_mode)


def _test(args: argparse.Namespace) -> int:
    from amp_studio.runs.evaluation import evaluate
    from amp_studio.runs.skill_measures import SKILL_KEYS, clip_reference

    if not args.model_file:
        raise AmpStudioError(None, "--mode test needs --model_file (a checkpoint)")
    if args.record_clip and Path(args.record_clip).suffix.lower() != ".pkl":
        raise AmpStudioError(args.record_clip, "--record_clip writes MimicKit .pkl clips; give a .pkl path")
    if args.video:
        _video_settings(args)  # bad settings fail before anything runs
        if Path(args.video).suffix.lower() != ".mp4":
            raise AmpStudioError(args.video, "--video writes .mp4 (H.264); give a .mp4 path")
    model = read_model_file(args)
    if args.model_configs:
        use_model_configs(args, model)
    runner = training_from_args(args, model_state=model)
    runner.load_policy(args.model_file, model)
    env = runner.env
    if args.record_clip:
        from amp_studio.motion import save_clip
        from amp_studio.runs.rollout_recording import record_rollout
        from amp_studio.runs.skill_judge import judge_skill_recording

        clip, _ = record_rollout(env, runner.agent, env.config.episode_length, name=Path(args.record_clip).stem)
        save_clip(clip, args.record_clip)
        print(f"recorded {clip.num_frames} frames ({clip.duration:.2f} s at {clip.fps:g} fps) of env 0 to "
              f"{args.record_clip}")
        recording = judge_skill_recording(clip, env.config.episode_length)
        print(f"  the recording: {recording['inversions']} inversions (peak tilt {recording['tilt_peak_deg']:.0f} "
              f"deg), root up to {recording['height_peak']:.2f} m, {recording['tilt_end_deg']:.0f} deg tilt at the end"
              f", {'stands' if recording['stands_at_end'] else 'does not stand'} at the end")
    if args.video:
        _video(args, env, runner.agent)
    episodes = args.test_episodes or runner.config.test_episodes
    viewer = _viewer(args, env)
    if viewer is None:
        result = evaluate(env, runner.agent, episodes)
    else:
        # The viewer shows the evaluated episodes (env 0) in real time; closing the window speeds up the rest.
        print(f"--visualize true: showing env 0 of the {episodes} test episodes in MuJoCo's viewer", file=sys.stderr)
        try:
            result = evaluate(env, runner.agent, episodes, watch=viewer.update)
        finally:
            viewer.close()
    keys = ["episode_length_mean", "fall_rate", "root_speed_mean", "pose_error_dtw", "disc_reward_mean",
            "task_return", "success_rate", "final_distance_mean", "heading_error_deg_median", "speed_error_median",
            "speed_error_1s_median", "judged_seconds", *SKILL_KEYS]
    # The key event the skill measures count: the clips' own (one per clip of a dataset).
    result["skill_event"] = ",".join(sorted({clip_reference(env, c).event or "none"
                                             for c in range(env.motion_lib.num_clips)}))
    for key in ["episodes", *keys, "skill_event"]:
        if key in result:
            print(f"  {key:<24} {result[key]:.4f}" if isinstance(result[key], float) else f"  {key:<24} {result[key]}")
    if args.json:
        report = {k: result[k] for k in [*keys, "skill_event"] if k in result}
        if args.record_clip:
            report["recording"] = recording
        print(json.dumps(report))
    return 0


def _video_settings(args: argparse.Namespace):
    from amp_studio.rendering.video import VideoSettings

    try:
        width, height = (int(v) for v in args.video_size.lower().split("x"))
    except ValueError:
        raise AmpStudioError(args.video, f"--video_size: expected WIDTHxHEIGHT, got '{args.video_size}'") from None
    settings = VideoSettings(width, height, args.video_fps, args.video_camera)
    settings.validate(args.video)
    return settings


def _video(args: argparse.Namespace, env, agent) -> None:
    import time

    from amp_studio.runs.policy_video import write_policy_video

    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            bar = "#" * (30 * done // total)
            print(f"\rvideo [{bar:<30}] {done}/{total} frames", end="" if done < total else "\n", file=sys.stderr,
                  flush=True)

    path = write_policy_video(args.video, env, agent, args.video_seconds, _video_settings(args), args.video_ghost,
                              progress)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, {time.perf_counter() - start:.1f} s)")


def _install_desktop(argv: list[str]) -> int:
    from amp_studio.desktop_integration import install_desktop_entry

    parser = argparse.ArgumentParser(prog="main.py install-desktop",
                                     description="Install AMP Studio's launcher and icon for this user.")
    parser.add_argument("--data_home", help="where to install (default: $XDG_DATA_HOME, else ~/.local/share)")
    args = parser.parse_args(argv)
    for path in install_desktop_entry(args.data_home):
        print(f"wrote {path}")
    print("AMP Studio is now in your desktop's application menu (log out and in if it does not show yet).")
    return 0


def _run_under(python: str, argv: list[str]) -> int:
    """The same command run by another interpreter (Isaac Gym's Python 3.8, say); returns its exit code."""
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        raise AmpStudioError(python, "--worker_python: not an executable file")
    rest, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--worker_python":
            skip = True
        elif not arg.startswith("--worker_python="):
            rest.append(arg)
    child = subprocess.Popen([python, "-m", "amp_studio.cli", *rest], env={**os.environ,
                             **worker_environment(python)})
    # Ctrl-C reaches the child from the terminal (same process group); a polite kill is passed on to it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signal.SIGTERM))
    return child.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Bad input prints one error line, never a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--video" in argv:
        # Offscreen GL without a display; MuJoCo picks its GL backend when first imported.
        os.environ.setdefault("MUJOCO_GL", "egl")
    try:
        if argv and argv[0] == "motion":
            from amp_studio.motion_command import build_motion_parser, motion_handler

            args = build_motion_parser().parse_args(argv[1:])
            handler = motion_handler(args.motion_command)
            return handler(args)
        if argv and argv[0] == "install-desktop":
            return _install_desktop(argv[1:])
        if argv and argv[0] == "export":
            args = _build_export_parser().parse_args(argv[1:])
            return {"onnx": _export_onnx}[args.export_command](args)
        if not argv or argv[0] in ("--screenshot", "--motion", "--run", "--char_file", "gui"):
            from amp_studio.gui.app import main as gui_main

            return gui_main(argv[1:] if argv and argv[0] == "gui" else argv)
        argv = with_arg_file(argv)
        args = build_run_parser().parse_args(argv)
        if args.worker_python and worker_environment(args.worker_python):
            return _run_under(args.worker_python, argv)
        return _train(args) if args.mode == "train" else _test(args)
    except AmpStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {name}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # `python -m amp_studio.cli`: how the desktop entry and --worker_python start it
    from amp_studio.engine_availability import import_isaac_gym_first

    import_isaac_gym_first(sys.argv[1:])
    sys.exit(main())
