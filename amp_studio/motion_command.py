"""`main.py motion info|convert|mirror`: clips inspected and converted from the command line, motion capture
(BVH) retargeted onto the character included."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from amp_studio import DEFAULT_CHARACTER
from amp_studio.errors import MotionError

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
    "contact_bodies": ("contact bodies", ""),
}
_CHARACTER_HELP = "character MJCF (default: the humanoid)"


def build_motion_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amp-studio motion", description="Inspect and convert motion clips.")
    motion_sub = parser.add_subparsers(dest="motion_command", required=True)

    info = motion_sub.add_parser("info", help="timing, root height, ground clearance and joint limits of a clip")
    info.add_argument("file", help="clip file (.pkl MimicKit, .txt DeepMimic, .bvh motion capture)")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.add_argument("--char_file", default=str(DEFAULT_CHARACTER), help=_CHARACTER_HELP)

    convert = motion_sub.add_parser("convert", help="convert a clip to MimicKit's .pkl format; a .bvh (or a folder "
                                                    "of them) is retargeted onto the character")
    convert.add_argument("input", help="clip file in any readable format, or a folder of .bvh files")
    convert.add_argument("output", help="output .pkl path (a folder for a folder in)")
    convert.add_argument("--char_file", default=str(DEFAULT_CHARACTER), help=_CHARACTER_HELP)
    convert.add_argument("--mapping", help="landmark mapping YAML (default: IN.mapping.yaml beside the BVH if "
                                           "there is one, else found from the skeleton)")
    convert.add_argument("--up", choices=("x", "y", "z", "+x", "+y", "+z", "-x", "-y", "-z"),
                         help="the file's up axis (default: found from the skeleton)")
    convert.add_argument("--unit", help="metres per file unit, or m, cm, mm, inch, ft, dm, cmu (default: found "
                                        "from the actor's size)")
    convert.add_argument("--fps", type=float, help="frame rate of the output (default: the source's)")
    convert.add_argument("--start", type=float, help="seconds into the source where the clip starts")
    convert.add_argument("--end", type=float, help="seconds into the source where the clip ends")
    convert.add_argument("--loop", choices=("wrap", "clamp"), help="loop mode (default: wrap when the clip ends "
                                                                     "as it begins)")

    mirror = motion_sub.add_parser("mirror", help="write the left-right mirror of a clip (reflected across the "
                                                  "world xz-plane) as a MimicKit .pkl")
    mirror.add_argument("input", help="clip file in any readable format")
    mirror.add_argument("output", help="output .pkl path")
    mirror.add_argument("--char_file", default=str(DEFAULT_CHARACTER), help=_CHARACTER_HELP)
    return parser


def motion_handler(command: str):
    return {"info": motion_info, "convert": motion_convert, "mirror": motion_mirror}[command]


def motion_info(args: argparse.Namespace) -> int:
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_clip
    from amp_studio.motion.motion_checks import motion_info as clip_info
    from amp_studio.motion.motion_checks import qa_flags

    character = CharacterModel(args.char_file)
    clip = load_clip(args.file, character.num_dofs, character)
    info = clip_info(clip, character)
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"{args.file}")
    for key, value in info.items():
        if key == "retarget":
            continue
        label, unit = _INFO_LABELS[key]
        if key == "fps":
            text = f"{value:g}"
        elif isinstance(value, float):
            text = f"{value:.4f}"
        elif isinstance(value, list):
            text = ", ".join(value)
        else:
            text = str(value)
        print(f"  {label:<27} {text} {unit}".rstrip())
    if clip.retarget:
        from amp_studio.motion.retarget.quality import summary

        print(f"  retargeted from {clip.retarget.get('source')}:")
        for line in summary(clip.retarget):
            print(f"    {line}")
    for flag in qa_flags(info):
        print(f"  warning: {flag}")
    return 0


def motion_convert(args: argparse.Namespace) -> int:
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_clip, save_clip

    character = CharacterModel(args.char_file)
    source = Path(args.input)
    if source.is_dir() or source.suffix.lower() == ".bvh":
        return _convert_bvh(args, character)
    clip = load_clip(args.input, character.num_dofs, character)
    save_clip(clip, args.output)
    print(f"wrote {args.output}: {clip.num_frames} frames at {clip.fps:g} fps, {clip.duration:.3f} s, {clip.loop}")
    return 0


def _convert_bvh(args: argparse.Namespace, character) -> int:
    from amp_studio.motion import save_clip
    from amp_studio.motion.clip_io import write_dataset
    from amp_studio.motion.retarget.bvh_import import ImportOptions, import_bvh
    from amp_studio.motion.retarget.mapping import save_mapping
    from amp_studio.motion.retarget.quality import summary

    source, out = Path(args.input), Path(args.output)
    options = ImportOptions(up=_up(args.up), unit=_unit(args.unit, source), fps=args.fps, start=args.start,
                            end=args.end, loop=args.loop, mapping=args.mapping)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.suffix.lower() == ".bvh")
        if not files:
            raise MotionError(source, "no .bvh files in this folder")
        out.mkdir(parents=True, exist_ok=True)
        jobs = [(f, out / f"{f.stem}.pkl") for f in files]
    else:
        jobs = [(source, out)]
    written = []
    for bvh, pkl in jobs:
        result = import_bvh(bvh, character, options)
        facts = result.facts
        print(f"{bvh}")
        for line in facts.summary():
            print(f"  {line}")
        contacts = result.quality["contact_fraction"]
        print(f"  contacts: left foot {100 * contacts['left']:.0f}% of frames, right foot "
              f"{100 * contacts['right']:.0f}%; loop found: {result.loop_found}")
        for line in summary(result.quality):
            print(f"  {line}")
        save_clip(result.clip, pkl)
        mapping = pkl.with_name(pkl.stem + ".mapping.yaml")
        save_mapping(facts, mapping)
        clip = result.clip
        print(f"wrote {pkl}: {clip.num_frames} frames at {clip.fps:g} fps, {clip.duration:.3f} s, {clip.loop}; "
              f"mapping {mapping}")
        written.append((pkl, 1.0))
    if source.is_dir():
        dataset = out / "dataset.yaml"
        write_dataset(written, dataset)
        print(f"wrote {dataset}: {len(written)} clips")
    return 0


def _up(value: str | None) -> str | None:
    if value is None:
        return None
    return value if value[0] in "+-" else f"+{value}"


def _unit(value: str | None, source: Path) -> float | None:
    """Metres per file unit from a number or a unit's name."""
    if value is None:
        return None
    from amp_studio.motion.retarget.skeleton import UNITS

    if value in UNITS:
        return UNITS[value]
    try:
        unit = float(value)
    except ValueError:
        raise MotionError(source, f"--unit: expected metres per unit or one of {', '.join(UNITS)}, got '{value}'") \
            from None
    if not 0 < unit < 1e3:
        raise MotionError(source, f"--unit: must be a positive number of metres per unit, got {value}")
    return unit


def motion_mirror(args: argparse.Namespace) -> int:
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_clip, save_clip
    from amp_studio.motion.mirror import mirror_clip

    character = CharacterModel(args.char_file)
    clip = mirror_clip(load_clip(args.input, character.num_dofs, character), character)
    save_clip(clip, args.output)
    print(f"wrote {args.output}: the mirror of {args.input}, {clip.num_frames} frames at {clip.fps:g} fps")
    return 0
