"""A BVH file made into a clip of the character: read, understood, retargeted, trimmed, its loop mode found and
its frame rate set, with the figures that say how well it went. Imports are cached by content, so reading the
same file again (a dataset, an env config, the app) costs a file read.

The retarget: every body takes its source joint's rotation (transfer.py; a robot's chains of hinges by
hinge_chains.py), the legs are solved to put the ankles where the source's stand (leg_ik.py in closed form,
hinge_legs.py for a robot's), stance feet held in place and their soles on the floor (a robot's flat: flat_feet.py),
the body moved over feet that a robot's joint ranges keep its legs from reaching (body_reach.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from amp_studio.character import CharacterModel
from amp_studio.errors import MotionError
from amp_studio.motion.bvh_reader import read_bvh
from amp_studio.motion.motion_clip import MotionClip
from amp_studio.motion.pkl_format import read_pkl, write_pkl
from amp_studio.motion.retarget.body_height import place_body
from amp_studio.motion.retarget.body_reach import solve_legs_reaching
from amp_studio.motion.retarget.character_rig import CharacterRig
from amp_studio.motion.retarget.flat_feet import flatten_stance
from amp_studio.motion.retarget.foot_contacts import FootContacts, detect_contacts
from amp_studio.motion.retarget.heel_lift import lift_heels
from amp_studio.motion.retarget.leg_ik import AnkleTargets, ankle_targets, settle
from amp_studio.motion.retarget.mapping import load_mapping
from amp_studio.motion.retarget.quality import quality
from amp_studio.motion.retarget.skeleton import SkeletonFacts, analyse
from amp_studio.motion.retarget.source_motion import SourceMotion, source_motion
from amp_studio.motion.retarget.transfer import Transfer, transfer
from amp_studio.rotations import exp_map_to_quat, quat_slerp, quat_to_exp_map

VERSION = 3
"""Bumped when the retarget changes what it makes: cached imports of another version are made again."""
LOOP_POSE_TOLERANCE = 0.1
"""Radians (RMS over the joints) within which the first and last poses are one pose: the clip wraps."""
LOOP_VELOCITY_TOLERANCE = 0.5
"""Radians per second (RMS over the joints) within which the joints move alike at both ends: a walk that ends in
the pose it began with, but mid-stride the other way, does not loop."""
LOOP_HEIGHT_TOLERANCE = 0.03


@dataclass
class ImportOptions:
    """What the user may set; None: found from the file."""

    up: str | None = None
    unit: float | None = None
    fps: float | None = None
    start: float | None = None
    end: float | None = None
    loop: str | None = None
    mapping: str | None = None

    def key(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "mapping"}


@dataclass
class BvhImport:
    clip: MotionClip
    facts: SkeletonFacts
    quality: dict
    loop_found: str
    mapping_file: Path | None


@dataclass
class RetargetTargets:
    """What the solver aims at: the source, its transfer onto the character (root settled on the floor and lowered
    where a leg cannot reach), the stance contacts, the landmark targets before any lowering (what the figures
    score against), and each side's ankle targets."""

    source: SourceMotion
    moved: Transfer
    contacts: FootContacts
    targets: dict[str, np.ndarray]
    ankles: AnkleTargets


def retarget_targets(clip, facts: SkeletonFacts, rig: CharacterRig) -> RetargetTargets:
    src = source_motion(clip, facts.landmarks.joints, facts.up, facts.unit)
    moved = transfer(src, rig)
    contacts = detect_contacts(moved.positions, src.fps)
    flatten_stance(rig, moved, contacts, src.fps)
    settle(rig, moved, contacts)
    targets = {name: p.copy() for name, p in moved.positions.items()}
    ankles = ankle_targets(rig, moved, contacts, src.fps)
    lift_heels(rig, moved, ankles, src.fps)
    place_body(rig, moved, ankles, src.fps)
    return RetargetTargets(src, moved, contacts, targets, ankles)


def mapping_beside(path: Path) -> Path:
    """Where a saved mapping for a BVH file lives: `walk.bvh` -> `walk.mapping.yaml`."""
    return path.with_name(path.stem + ".mapping.yaml")


def import_bvh(path: str | Path, character: CharacterModel | None = None,
               options: ImportOptions | None = None) -> BvhImport:
    """Retarget a BVH file onto the character (default: the humanoid)."""
    path = Path(path)
    options = options or ImportOptions()
    character = character or CharacterModel()
    started = time.perf_counter()
    clip = read_bvh(path)
    mapping_file = Path(options.mapping) if options.mapping else mapping_beside(path)
    mapping = load_mapping(mapping_file) if mapping_file.is_file() else None
    facts = analyse(clip, up=options.up, unit=options.unit, mapping=mapping)
    missing = [n for n in ("pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
                           "right_ankle", "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
                           "left_wrist", "right_wrist", "neck") if facts.landmarks.joints.get(n) is None]
    if missing:
        raise MotionError(path, f"could not find the skeleton's {', '.join(missing)}; name them in a mapping file "
                                f"({mapping_beside(path).name}, see `motion convert --mapping`)")
    rig = CharacterRig(character)
    aims = retarget_targets(clip, facts, rig)
    src, contacts, targets = aims.source, aims.contacts, aims.targets
    frames = solve_legs_reaching(rig, aims.moved, aims.ankles, src.fps)
    seconds = time.perf_counter() - started

    first, last = _trim(path, len(frames), src.fps, options.start, options.end)
    frames = frames[first:last]
    fps = file_fps(clip.frame_time)
    loop_found = detect_loop(frames, fps)
    retargeted = MotionClip(fps, options.loop or loop_found, frames, name=path.stem, source=str(path))
    trimmed = {n: p[first:last] for n, p in targets.items()}
    cut = contacts.cut(first, last)
    figures = quality(retargeted, rig, trimmed, {n: p[first:last] for n, p in src.positions.items()}, cut, seconds)
    if options.fps and abs(options.fps - retargeted.fps) > 1e-9:
        retargeted = resample(retargeted, options.fps)
    retargeted.retarget = {"source": path.name, "up": facts.up, "unit": float(facts.unit),
                           **{k: v for k, v in figures.items() if k != "fps"}}
    return BvhImport(retargeted, facts, figures, loop_found, mapping_file if mapping is not None else None)


def file_fps(frame_time: float) -> float:
    """The frame rate a Frame Time stands for: files write 1/120 s as 0.008333, which is 120.005 fps; a rate
    within 0.01% of a whole number is that number."""
    fps = 1.0 / frame_time
    return float(round(fps)) if abs(fps - round(fps)) < 1e-4 * fps else fps


def _trim(path: Path, num_frames: int, fps: float, start: float | None, end: float | None) -> tuple[int, int]:
    first = 0 if start is None else int(round(start * fps))
    last = num_frames if end is None else int(round(end * fps)) + 1
    if not 0 <= first < min(last, num_frames) - 1:
        raise MotionError(path, f"--start {start} / --end {end}: the clip is {(num_frames - 1) / fps:.3f} s long; "
                                f"the kept part must hold at least two frames")
    return first, min(last, num_frames)


def detect_loop(frames: np.ndarray, fps: float) -> str:
    """`wrap` when the clip ends as it began: the joints in the same pose (LOOP_POSE_TOLERANCE) moving the same
    way (LOOP_VELOCITY_TOLERANCE), the root as high (LOOP_HEIGHT_TOLERANCE), the body tilted alike; else `clamp`."""
    if len(frames) < 3:
        return "clamp"
    a, b = frames[0], frames[-1]
    pose = np.sqrt(np.mean((a[6:] - b[6:]) ** 2))
    velocity = np.sqrt(np.mean(((frames[1, 6:] - a[6:]) - (b[6:] - frames[-2, 6:])) ** 2)) * fps
    height = abs(a[2] - b[2])
    up = [_up_of(frames[i, 3:6]) for i in (0, -1)]
    same = pose < LOOP_POSE_TOLERANCE and velocity < LOOP_VELOCITY_TOLERANCE and height < LOOP_HEIGHT_TOLERANCE
    return "wrap" if same and up[0] @ up[1] > 0.97 else "clamp"


def _up_of(exp_map: np.ndarray) -> np.ndarray:
    q = exp_map_to_quat(torch.from_numpy(np.asarray(exp_map, np.float64))).numpy()
    w, x, y, z = q
    return np.array([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)])


def resample(clip: MotionClip, fps: float) -> MotionClip:
    """The clip at another frame rate: positions and joint values interpolated linearly, the root's rotation
    along the shorter arc."""
    times = np.arange(0.0, clip.duration + 1e-9, 1.0 / fps)
    src_t = np.arange(clip.num_frames) / clip.fps
    frames = np.stack([np.interp(times, src_t, clip.frames[:, k]) for k in range(clip.frames.shape[1])], axis=1)
    i = np.clip(np.searchsorted(src_t, times, side="right") - 1, 0, clip.num_frames - 2)
    w = torch.from_numpy((times - src_t[i]) * clip.fps)
    q = exp_map_to_quat(torch.from_numpy(clip.frames[:, 3:6]))
    frames[:, 3:6] = quat_to_exp_map(quat_slerp(q[i], q[i + 1], w)).numpy()
    return MotionClip(fps, clip.loop, frames, name=clip.name, source=clip.source)


# ----- the cache -----

def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "amp_studio" / "bvh_imports"


def cache_key(path: Path, character: CharacterModel, options: ImportOptions) -> str:
    """Of everything the import depends on: the file's bytes, its mapping's, the character's, the options."""
    digest = hashlib.sha256()
    digest.update(f"v{VERSION}".encode())
    digest.update(path.read_bytes())
    mapping = Path(options.mapping) if options.mapping else mapping_beside(path)
    if mapping.is_file():
        digest.update(mapping.read_bytes())
    digest.update(character.path.read_bytes())
    digest.update(json.dumps(options.key(), sort_keys=True).encode())
    return digest.hexdigest()[:32]


def load_bvh_clip(path: str | Path, character: CharacterModel | None = None,
                  options: ImportOptions | None = None) -> MotionClip:
    """A BVH file as a clip of the character, from the cache when this exact import was made before."""
    path = Path(path)
    character = character or CharacterModel()
    options = options or ImportOptions()
    try:
        cached = cache_dir() / f"{cache_key(path, character, options)}.pkl"
    except OSError as exc:
        raise MotionError(path, f"cannot be read ({exc.strerror or exc})") from None
    if cached.is_file():
        try:
            clip = read_pkl(cached)
            return MotionClip(clip.fps, clip.loop, clip.frames, name=path.stem, source=str(path),
                              retarget=clip.retarget)
        except MotionError:
            pass  # a damaged cache entry is made again
    clip = import_bvh(path, character, options).clip
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        write_pkl(clip, tmp)
        os.replace(tmp, cached)
    except OSError:
        pass  # no cache (read-only home): the import still works, only the next one is not instant
    return clip
