"""The characters the app can show and train, without Qt: the shipped ones, their names, loading one off the GUI
thread, which character a clip is for, and a run's env config made for the chosen character.

A clip is for a character when its DoF count matches (clips store no character). Loading a character for the app
builds its CharacterModel (torch, and the checks every run makes) and its view model; finding the shipped ones only
compiles their files, so that the window opens without torch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from amp_studio import DATA_DIR
from amp_studio.config_loading import load_yaml, resolve_path
from amp_studio.errors import AmpStudioError, one_line

ASSETS_DIR = DATA_DIR / "assets"
CHARACTER_FILTER = "MuJoCo characters (*.xml);;All files (*)"


@dataclass(frozen=True)
class Character:
    """A character file as the app lists it: its friendly name and its DoF count (None: not known yet)."""

    path: Path
    name: str
    num_dofs: int | None = None

    def describe(self) -> str:
        """'g1 (29 DoFs)': how messages name it."""
        return f"{self.name} ({self.num_dofs} DoFs)" if self.num_dofs is not None else self.name


def key(path: str | Path) -> str:
    """One spelling per file, to compare characters named by relative, absolute or linked paths."""
    return str(Path(path).resolve())


def friendly_name(path: str | Path) -> str:
    """A shipped character's folder (data/assets/g1/g1.xml: "g1"); any other file's name without .xml."""
    path = Path(path).resolve()
    return path.parent.name if path.parent.parent == ASSETS_DIR.resolve() else path.stem


def shipped_character_files() -> list[Path]:
    """Every data/assets/*/*.xml: candidates, checked by probe (a folder may also hold included files)."""
    return sorted(ASSETS_DIR.glob("*/*.xml"))


def probe(path: str | Path) -> Character:
    """The character a file holds, from its compiled view model (MuJoCo only, no torch: this runs while the window
    opens). Raises ValueError (or another exception) when the file is not a character of this kind."""
    from amp_studio.rendering.scene import view_model

    model = view_model(path).model
    return Character(Path(path), friendly_name(path), int(model.nv) - 6)  # a free root's 6, then one per DoF


def load_character(path: str | Path):
    """(CharacterModel, Character) for the app to switch to, off the GUI thread; the view model is compiled too,
    so that the viewport switches at once. Raises CharacterError (or another exception) when it cannot be used."""
    from amp_studio.character import CharacterModel

    model = CharacterModel(path)
    probe(path)
    return model, Character(Path(path), friendly_name(path), model.num_dofs)


def failure_text(path: str | Path, exc: BaseException) -> str:
    """One line for a character that failed to load: the CharacterError's message (it names the file)."""
    text = one_line(str(exc)) or type(exc).__name__
    return text if isinstance(exc, AmpStudioError) or str(path) in text else f"{path}: {text}"


def character_with_dofs(num_dofs: int, known: list[Character] | tuple[Character, ...]) -> str:
    """How to name the character a clip of num_dofs DoFs is for: a known one's name, else its DoF count."""
    names = [c.name for c in known if c.num_dofs == num_dofs]
    return f"{' or '.join(dict.fromkeys(names))} ({num_dofs} DoFs)" if names else f"a character with {num_dofs} DoFs"


def wrong_character_text(clip_name: str, clip_character: str, current: Character) -> str:
    """The refusal of a clip for another character, naming the clip and both characters."""
    return (f"{clip_name} is for {clip_character}, not for {current.describe()}, the character chosen: it cannot "
            f"be played or trained on {current.name}. Choose {clip_character.split(' (')[0]} in the Character "
            "box to use it.")


class WrongCharacter(AmpStudioError):
    """A clip added to the library that is for another character than the chosen one."""


# ----- runs -----


def env_config_character(env_config: str | Path | None) -> str | None:
    """The character file an env config names, resolved as the trainer resolves it (None: unreadable)."""
    if not env_config:
        return None
    try:
        value = (load_yaml(env_config).get("env") or {}).get("char_file")
        return key(resolve_path(value)) if isinstance(value, str) and value.strip() else None
    except (AmpStudioError, OSError, AttributeError, ValueError):
        return None


def env_config_for(env_config: str | Path, char_file: str | Path, folder: str | Path) -> tuple[Path, bool]:
    """The env config a run on char_file uses: env_config itself when it names that character, else a copy for it
    written to folder (named by its content, so runs never share a file that changes). Returns (path, whether it is
    such a copy). The copy drops the key and contact bodies, which are the other character's body names: key
    bodies are then found from the character's file, contact bodies from its clips."""
    if env_config_character(env_config) == key(char_file):
        return Path(env_config), False
    doc = load_yaml(env_config)
    block = dict(doc.get("env") or {})
    block["char_file"] = key(char_file)
    for names_bodies in ("key_bodies", "contact_bodies"):
        block.pop(names_bodies, None)
    doc = {**doc, "env": block}
    text = (f"# {Path(env_config).name} for the character {friendly_name(char_file)}, as AMP Studio started it\n"
            + yaml.safe_dump(doc, sort_keys=False))
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
    path = Path(folder) / f"{Path(env_config).stem}_{friendly_name(char_file)}_{digest}.yaml"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path, True


def env_motion_file(env_config: str | Path) -> str | None:
    """The clip or dataset an env config trains on by default (None: unreadable)."""
    try:
        value = (load_yaml(env_config).get("env") or {}).get("motion_file")
    except (AmpStudioError, OSError, AttributeError):
        return None
    return value if isinstance(value, str) else None
