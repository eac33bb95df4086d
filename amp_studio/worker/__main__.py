"""`python -m amp_studio.worker train|replay ...`: a worker process speaking the line protocol."""

import sys

from amp_studio.worker.worker_main import main

if __name__ == "__main__":
    sys.exit(main())
