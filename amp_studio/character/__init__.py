"""Kinematic character model read from MJCF."""

from amp_studio.character.character_model import DEFAULT_KEY_BODIES, CharacterModel, Joint

__all__ = ["CharacterModel", "DEFAULT_KEY_BODIES", "Joint"]
