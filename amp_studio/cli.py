"""The command line: `main.py motion info|convert ...` (training and test modes come with the trainer)."""

from __future__ import annotations

import argparse
import json
import sys

from amp_studio import DEFAULT_CHARACTER
from amp_studio.errors import AmpStudioError

_INFO_LABELS = {
    "duration": ("duration", "s"),
    "fps": ("fps", ""),
    "frames": ("frames", ""),
    "loop": ("loop mode", ""),
    "num_dofs": ("DoFs", ""),
    "root_height_min": ("root height min", "m"),
    "root_height_mean": ("root height mean", "m"),
    "root_height_max": ("root height max", "m"),
    "lowest_point_min": ("lowest point min", "m"),
    "lowest_point_mean": ("lowest point mean", "m"),
    "joint_limit_violation_max": ("joint limit violation max", "rad"),
}


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amp-studio", description="AMP Studio: author physics-based character controllers with AMP."
    )
    sub = parser.add_subparsers(dest="command")
    motion = sub.add_parser("motion", help="inspect and convert motion clips")
    motion_sub = motion.add_subparsers(dest="motion_command", required=True)

    info = motion_sub.add_parser("info", help="timing, root height, ground clearance and joint limits of a clip")
    info.add_argument("file", help="clip file (.pkl MimicKit, .txt DeepMimic)")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.add_argument("--char_file", default=str(DEFAULT_CHARACTER), help="character MJCF (default: the humanoid)")

    convert = motion_sub.add_parser("convert", help="convert a clip to MimicKit's .pkl format")
    convert.add_argument("input", help="clip file in any readable format")
    convert.add_argument("output", help="output .pkl path")
    convert.add_argument("--char_file", default=str(DEFAULT_CHARACTER), help="character MJCF (default: the humanoid)")
    return parser


def _motion_info(args: argparse.Namespace) -> int:
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_clip
    from amp_studio.motion.motion_checks import motion_info, qa_flags

    character = CharacterModel(args.char_file)
    clip = load_clip(args.file, character.num_dofs)
    info = motion_info(clip, character)
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"{args.file}")
    for key, value in info.items():
        label, unit = _INFO_LABELS[key]
        if key == "fps":
            text = f"{value:g}"
        elif isinstance(value, float):
            text = f"{value:.4f}"
        else:
            text = str(value)
        print(f"  {label:<27} {text} {unit}".rstrip())
    for flag in qa_flags(info):
        print(f"  warning: {flag}")
    return 0


def _motion_convert(args: argparse.Namespace) -> int:
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_clip, save_clip

    character = CharacterModel(args.char_file)
    clip = load_clip(args.input, character.num_dofs)
    save_clip(clip, args.output)
    print(f"wrote {args.output}: {clip.num_frames} frames at {clip.fps:g} fps, {clip.duration:.3f} s, {clip.loop}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code. Bad input prints one error line, never a traceback."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "motion":
            handler = {"info": _motion_info, "convert": _motion_convert}[args.motion_command]
            return handler(args)
        parser.print_help()
        return 0
    except AmpStudioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {name}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
