"""A synthetic actor standing still, carried onto the humanoid up to the ankle targets: the starting point for the
tests of the steps that place the body and the feet."""

from __future__ import annotations

from dataclasses import dataclass

from amp_studio.character import CharacterModel
from amp_studio.motion.retarget.character_rig import CharacterRig
from amp_studio.motion.retarget.foot_contacts import FootContacts, detect_contacts
from amp_studio.motion.retarget.leg_ik import AnkleTargets, ankle_targets, settle
from amp_studio.motion.retarget.skeleton import analyse
from amp_studio.motion.retarget.source_motion import source_motion
from amp_studio.motion.retarget.transfer import Transfer, transfer
from tests.motion.retarget.skeletons import build_clip

FPS = 30.0  # build_clip's frame rate


@dataclass
class Standing:
    rig: CharacterRig
    moved: Transfer
    contacts: FootContacts
    ankles: AnkleTargets


def standing(character: CharacterModel, num_frames: int = 20) -> Standing:
    clip = build_clip("cmu", num_frames=num_frames)
    facts = analyse(clip)
    rig = CharacterRig(character)
    src = source_motion(clip, facts.landmarks.joints, facts.up, facts.unit)
    moved = transfer(src, rig)
    contacts = detect_contacts(moved.positions, src.fps)
    settle(rig, moved, contacts)
    return Standing(rig, moved, contacts, ankle_targets(rig, moved, contacts, src.fps))
