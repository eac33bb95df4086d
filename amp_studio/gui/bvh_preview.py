"""A BVH import as the import dialog shows it, made off the GUI thread and without Qt: the retargeted clip and its
figures (bvh_import.import_bvh), the skeleton facts, and the source skeleton's joints in metres and z up to draw
over the character. The motion tools are imported in the functions, so that the window opens without torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BVH_SUFFIXES = (".bvh",)
SOURCE_FPS = 30.0  # the drawn source skeleton's rate at most: enough to see, a quarter of a 120 fps file's memory


@dataclass
class Preview:
    """One import of the file, as the dialog shows it."""

    path: Path
    facts: object  # SkeletonFacts of the settings used
    result: object | None  # BvhImport; None when the retarget failed
    error: str  # why it failed; "" when it did not
    parents: list[int]  # each joint's parent (-1: the root), to draw the source skeleton
    source: np.ndarray  # (F, J, 3) the source's joints in metres, z up, lowest point on the floor, at source_fps
    source_fps: float
    entry: object | None  # the library's ClipEntry of the retargeted clip
    character: object  # the CharacterModel, kept for the next import


def make_preview(path: str | Path, char_file: str, settings: dict | None = None, workdir: str | None = None,
                 character=None, entry_maker=None) -> Preview:
    """Read, analyse and retarget a BVH file (off the GUI thread). settings: None (as any load does: the mapping
    beside the file, else detection) or {"up", "unit", "fps", "landmarks": landmark -> joint name or None}, given
    to the import as a mapping file written in workdir. Raises when the file or the settings cannot be read; a
    retarget that fails is Preview.error. entry_maker(clip, path, character) makes the library's entry."""
    from amp_studio.character import CharacterModel
    from amp_studio.motion.bvh_reader import BvhClip, read_bvh
    from amp_studio.motion.retarget.bvh_import import ImportOptions, import_bvh, mapping_beside
    from amp_studio.motion.retarget.mapping import load_mapping
    from amp_studio.motion.retarget.skeleton import analyse
    from amp_studio.motion.retarget.source_motion import up_rotation

    path = Path(path)
    character = character or CharacterModel(char_file)
    clip = read_bvh(path)
    options = ImportOptions()
    if settings is not None:
        mapping_file = Path(workdir) / mapping_beside(path).name  # named so that messages name the file's mapping
        _write_mapping(mapping_file, settings)
        options = ImportOptions(up=settings["up"], unit=settings["unit"], fps=settings.get("fps"),
                                mapping=str(mapping_file))
    mapping_file = Path(options.mapping) if options.mapping else mapping_beside(path)
    facts = analyse(clip, up=options.up, unit=options.unit,
                    mapping=load_mapping(mapping_file) if mapping_file.is_file() else None)
    step = max(1, math.ceil(clip.fps / SOURCE_FPS - 1e-6))
    part = BvhClip(path=clip.path, joints=clip.joints, frame_time=clip.frame_time * step, values=clip.values[::step])
    source = facts.unit * part.global_transforms()[0] @ up_rotation(facts.up).T
    source[..., 2] -= source[..., 2].min()
    result, error, entry = None, "", None
    try:
        result = import_bvh(path, character, options)
        entry = entry_maker(result.clip, path, character) if entry_maker else None
    except Exception as exc:  # whatever the retarget trips on, the user may fix it here
        error = str(exc)
    return Preview(path, facts, result, error, [j.parent for j in clip.joints], source.astype(np.float32),
                   clip.fps / step, entry, character)


def _write_mapping(path: Path, settings: dict) -> None:
    import yaml

    from amp_studio.motion.retarget.mapping import MAPPING_VERSION

    doc = {"version": MAPPING_VERSION, "up": settings["up"], "unit": settings["unit"],
           "landmarks": dict(settings["landmarks"])}
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
