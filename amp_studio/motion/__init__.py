"""Motion clips: the clip type, file formats, datasets, checks and the batched motion library."""

from amp_studio.motion.clip_io import (
    dataset_contact_bodies,
    load_clip,
    load_dataset,
    load_motions,
    save_clip,
    write_dataset,
)
from amp_studio.motion.motion_clip import LOOP_MODES, MotionClip
from amp_studio.motion.motion_library import MotionLibrary

__all__ = [
    "LOOP_MODES",
    "MotionClip",
    "MotionLibrary",
    "dataset_contact_bodies",
    "load_clip",
    "load_dataset",
    "load_motions",
    "save_clip",
    "write_dataset",
]
