"""A test stand-in for NVIDIA's isaacgym package: the gymapi / gymtorch subset AMP Studio uses, MuJoCo underneath.

Put tests/engines/fake_isaacgym on sys.path to import it as `isaacgym`. Never installed, never shipped.
"""
