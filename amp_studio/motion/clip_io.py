"""Reading clips of any supported format and datasets of weighted clips."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import yaml

from amp_studio.character import CharacterModel
from amp_studio.config_loading import is_file, load_yaml
from amp_studio.errors import MotionError, describe
from amp_studio.motion.deepmimic_format import read_deepmimic
from amp_studio.motion.mirror import mirror_clip
from amp_studio.motion.motion_clip import MotionClip
from amp_studio.motion.pkl_format import read_pkl, write_pkl

CLIP_READERS = {".pkl": read_pkl, ".txt": read_deepmimic, ".json": read_deepmimic}
MOCAP_SUFFIXES = (".bvh",)
"""Motion capture of any skeleton: retargeted onto the character as it is read (amp_studio.motion.retarget)."""
DATASET_SUFFIXES = (".yaml", ".yml")
_ENTRY_KEYS = ("file", "weight", "mirror")
MAX_WEIGHT = 1e6  # weights are relative; larger ones are garbage, and their sum could overflow


def load_clip(path: str | Path, num_dofs: int | None = None, character: CharacterModel | None = None) -> MotionClip:
    """Read one clip by its extension; with num_dofs, also check the frame width against the character. A BVH
    file is retargeted onto `character` (default: the humanoid), with the mapping saved beside it if there is
    one, and cached by content."""
    path = Path(path)
    suffix = path.suffix.lower()
    reader = CLIP_READERS.get(suffix)
    if reader is None and suffix not in MOCAP_SUFFIXES:
        known = ", ".join(sorted(CLIP_READERS) + list(MOCAP_SUFFIXES))
        raise MotionError(path, f"unknown clip format '{path.suffix}' (readable: {known}; datasets: .yaml)")
    if not is_file(path):
        raise MotionError(path, "file not found")
    if reader is None:
        from amp_studio.motion.retarget.bvh_import import load_bvh_clip  # only BVH needs the retargeting

        clip = load_bvh_clip(path, character)
    else:
        clip = reader(path)
    if num_dofs is not None:
        clip.check_dofs(num_dofs)
    return clip


def save_clip(clip: MotionClip, path: str | Path) -> None:
    """Write a clip; .pkl (MimicKit's format) is the one writable format."""
    path = Path(path)
    if path.suffix.lower() != ".pkl":
        raise MotionError(path, f"can only write .pkl clips, not '{path.suffix}'")
    write_pkl(clip, path)


def load_dataset(path: str | Path, num_dofs: int | None = None,
                 character: CharacterModel | None = None) -> list[tuple[MotionClip, float]]:
    """Clips and weights of a dataset YAML `motions: [{file, weight, mirror}, ...]`, files relative to the YAML.

    An entry with `mirror: true` gives the clip and its left-right mirror on the character, each with the
    entry's weight; `mirror: only` gives the mirror alone (mirroring needs the character).
    """
    path = Path(path)
    doc = load_yaml(path, MotionError)
    if not isinstance(doc.get("motions"), list) or not doc["motions"]:
        raise MotionError(path, "field 'motions': expected a non-empty list of {file, weight} entries")
    entries = []
    for i, entry in enumerate(doc["motions"]):
        where = f"motions[{i}]"
        if not isinstance(entry, dict) or "file" not in entry:
            raise MotionError(path, f"{where}: expected a mapping with 'file' and 'weight'")
        for key in entry:
            if key not in _ENTRY_KEYS:
                close = difflib.get_close_matches(str(key)[:80], _ENTRY_KEYS, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise MotionError(path, f"{where}: unknown key '{str(key)[:80]}'{hint}")
        weight = entry.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight == weight:
            raise MotionError(path, f"{where}.weight: expected a number, got {describe(weight)}")
        if weight < 0:
            raise MotionError(path, f"{where}.weight: must not be negative, got {describe(weight)}")
        if weight > MAX_WEIGHT:
            raise MotionError(path, f"{where}.weight: must be at most {MAX_WEIGHT:g}, got {describe(weight)}")
        mirror = entry.get("mirror", False)
        if mirror not in (True, False, "only"):
            raise MotionError(path, f"{where}.mirror: expected true, false or only, got {describe(mirror)}")
        if mirror and character is None:
            raise MotionError(path, f"{where}.mirror: mirroring needs the character the clips are for")
        file = entry["file"]
        if not isinstance(file, str) or not file.strip() or "\x00" in file:
            raise MotionError(path, f"{where}.file: expected the name of a clip file, got {describe(file)}")
        clip_path = path.parent / file
        if not is_file(clip_path):
            raise MotionError(path, f"{where}.file: clip {describe(file)} not found (looked for "
                                    f"{describe(str(clip_path))})")
        try:
            clip = load_clip(clip_path, num_dofs, character)
        except MotionError as exc:
            raise MotionError(path, f"{where}.file: {exc}") from None
        if mirror != "only":
            entries.append((clip, float(weight)))
        if mirror:
            try:
                entries.append((mirror_clip(clip, character), float(weight)))
            except MotionError as exc:
                raise MotionError(path, f"{where}.mirror: {exc}") from None
    if sum(w for _, w in entries) <= 0:
        raise MotionError(path, "field 'motions': the weights add up to zero; at least one must be positive")
    return entries


def dataset_contact_bodies(path: str | Path, character: CharacterModel | None = None) -> tuple[str, ...] | None:
    """A dataset's optional top-level `contact_bodies: [body, ...]` (the bodies its clips may touch the ground
    with, as the user chose them); None for a clip file or a dataset without the key."""
    path = Path(path)
    if path.suffix.lower() not in DATASET_SUFFIXES:
        return None
    names = load_yaml(path, MotionError).get("contact_bodies")
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MotionError(path, f"field 'contact_bodies': expected a list of body names, got {describe(names)}")
    if character is not None:
        unknown = [n for n in names if n not in character.body_names]
        if unknown:
            raise MotionError(path, f"field 'contact_bodies': no body named {describe(unknown[0])} on the character "
                                    f"(bodies: {', '.join(character.body_names)})")
    return tuple(names)


def load_motions(path: str | Path, num_dofs: int | None = None,
                 character: CharacterModel | None = None) -> list[tuple[MotionClip, float]]:
    """A clip (weight 1) or a dataset YAML, by extension; datasets with mirror entries need the character."""
    if Path(path).suffix.lower() in DATASET_SUFFIXES:
        return load_dataset(path, num_dofs, character)
    return [(load_clip(path, num_dofs, character), 1.0)]


def write_dataset(entries: list[tuple[str | Path, float] | tuple[str | Path, float, bool]], path: str | Path,
                  contact_bodies: list[str] | tuple[str, ...] | None = None) -> None:
    """Write a dataset YAML of (file, weight[, mirrored]) and, if given, its contact bodies; clip paths are stored
    relative to the YAML where possible."""
    path = Path(path)
    motions = []
    for file, weight, *mirrored in entries:
        try:
            rel = Path(os.path.relpath(Path(file).resolve(), path.resolve().parent))
        except ValueError:  # another drive on Windows
            rel = Path(file).resolve()
        motion = {"file": rel.as_posix(), "weight": float(weight)}
        if mirrored and mirrored[0]:
            motion["mirror"] = "only"
        motions.append(motion)
    doc = {"motions": motions}
    if contact_bodies is not None:
        doc["contact_bodies"] = list(contact_bodies)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
