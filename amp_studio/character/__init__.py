"""Kinematic character model read from MJCF."""

from amp_studio.character.character_model import CharacterModel, Joint
from amp_studio.character.character_state import CharacterState

__all__ = ["CharacterModel", "CharacterState", "Joint"]
