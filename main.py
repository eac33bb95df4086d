"""AMP Studio: `python main.py` opens the app; `--mode train|test` is the headless CLI; `motion ...` clip tools."""

import contextlib
import sys
from pathlib import Path


def _import_isaac_gym_first(argv: list[str]) -> None:
    # Isaac Gym refuses to load after torch, which everything else imports: when an engine config selects it,
    # import it before anything else (where it is missing, the engine builder says so clearly later).
    for i, arg in enumerate(argv[:-1]):
        if arg == "--engine_config":
            path = Path(argv[i + 1])
            if path.is_file() and "isaac_gym" in path.read_text(encoding="utf-8", errors="replace"):
                with contextlib.suppress(ImportError):
                    import isaacgym  # noqa: F401


if __name__ == "__main__":
    _import_isaac_gym_first(sys.argv[1:])
    from amp_studio.cli import main

    sys.exit(main())
