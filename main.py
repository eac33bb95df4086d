"""AMP Studio: `python main.py` opens the app; `--mode train|test` is the headless CLI; `motion ...` clip tools."""

import sys

from amp_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
