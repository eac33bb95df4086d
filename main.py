"""AMP Studio: `python main.py` opens the app; `--mode train|test` is the headless CLI; `motion ...` clip tools."""

import sys

if __name__ == "__main__":
    from amp_studio.engine_availability import import_isaac_gym_first

    import_isaac_gym_first(sys.argv[1:])
    from amp_studio.cli import main

    sys.exit(main())
