"""`python -m amp_studio.worker train|replay ...`: a worker process speaking the line protocol."""

import sys

from amp_studio.engine_availability import import_isaac_gym_first

if __name__ == "__main__":
    import_isaac_gym_first(sys.argv[1:])  # before the worker imports torch
    from amp_studio.worker.worker_main import main

    sys.exit(main())
