# Type stubs for NVIDIA Isaac Gym (Preview 4), written for AMP Studio: only the part its isaac_gym adapter uses.
# Isaac Gym is not on PyPI and ships no stubs; signatures follow its Python API reference (docs/api/python).
