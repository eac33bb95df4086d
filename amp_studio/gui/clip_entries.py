"""The motion library's entries, without Qt: a clip with what its checks found and the character it was made for,
read and checked off the GUI thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from amp_studio.gui.bvh_preview import BVH_SUFFIXES
from amp_studio.gui.characters import (
    Character,
    WrongCharacter,
    character_with_dofs,
    friendly_name,
    wrong_character_text,
)


@dataclass
class ClipEntry:
    """One clip in the library, with what its checks found."""

    path: Path
    frames: object  # numpy array (num_frames, 6 + num_dofs)
    fps: float
    loop: str
    weight: float
    info: dict
    flags: list[str] = field(default_factory=list)
    flag_names: list[str] = field(default_factory=list)  # the same, named for the narrow QA column
    mirrored: bool = False  # the left-right mirror of the file's motion
    body_names: list[str] = field(default_factory=list)  # the character's, for choosing contact bodies
    contact_bodies: list[str] | None = None  # the user's choice; None: those found in the clip
    char_file: str = ""  # the character it was read, checked or retargeted for ("": not known)

    @property
    def contacts(self) -> list[str]:
        """The bodies this clip may touch the ground with: the user's choice, else those found in the clip."""
        return list(self.info.get("contact_bodies", [])) if self.contact_bodies is None else self.contact_bodies

    @property
    def name(self) -> str:
        """The file's name without folders (and "(mirror)" for a mirror)."""
        return f"{self.path.name} (mirror)" if self.mirrored else self.path.name

    @property
    def duration(self) -> float:
        """Seconds."""
        return (len(self.frames) - 1) / self.fps

    @property
    def num_dofs(self) -> int:
        """The DoFs of the character it is for: its frames' width after the root's 6 values."""
        return int(self.frames.shape[1]) - 6

    @property
    def is_bvh(self) -> bool:
        """Motion capture, which the import dialog can retarget onto any character."""
        return self.path.suffix.lower() in BVH_SUFFIXES

    @property
    def character_name(self) -> str:
        """The character it was made for, by name."""
        return friendly_name(self.char_file) if self.char_file else f"{self.num_dofs} DoFs"


def load_entries(path: Path, char_file: str, known: tuple[Character, ...] = (), character=None) -> list[ClipEntry]:
    """Read a clip or a dataset and check every clip on the character (runs off the GUI thread). A clip for another
    character (another DoF count) is refused, naming it and both characters (known: how to name the other one).

    Imports the motion tools here, on first use, so that the window opens without loading them.
    """
    from amp_studio.character import CharacterModel
    from amp_studio.motion import load_motions

    character = character or CharacterModel(char_file)
    # The DoF count is checked here rather than by the reader, so that the message can name the characters.
    motions = load_motions(path, None, character)
    for clip, _ in motions:
        if clip.num_dofs != character.num_dofs:
            name = Path(clip.source).name if getattr(clip, "source", None) else Path(path).name
            current = Character(Path(char_file), friendly_name(char_file), character.num_dofs)
            raise WrongCharacter(None, wrong_character_text(name, character_with_dofs(clip.num_dofs, known), current))
    return [clip_entry(clip, path, character, weight) for clip, weight in motions]


def clip_entry(clip, path: Path, character, weight: float = 1.0) -> ClipEntry:
    """A loaded clip (a MotionClip) as the library holds it, checked on the character (off the GUI thread)."""
    from amp_studio.motion.motion_checks import motion_info, qa_findings

    info = motion_info(clip, character)
    findings = qa_findings(info)
    source = Path(clip.source) if getattr(clip, "source", None) else Path(path)
    return ClipEntry(source, clip.frames, clip.fps, clip.loop, weight, info, [text for _, text in findings],
                     [name for name, _ in findings], clip.mirrored, list(character.body_names),
                     char_file=str(character.path))


def qa_cell(e: ClipEntry) -> str:
    """"ok", the one problem's name, or how many there are (the tooltip has them all)."""
    if not e.flags:
        return "ok"
    return e.flag_names[0] if len(e.flag_names) == 1 else f"{len(e.flags)} problems"
