"""AMP Studio entry point: `python main.py motion info FILE`, `python main.py motion convert IN OUT`."""

import sys

from amp_studio.cli import main

if __name__ == "__main__":
    sys.exit(main())
