"""The app's icon, the icons of its main actions, its style sheet and its freedesktop entry.

Installed as the package `amp_studio.resources` (pyproject.toml maps this folder there), so that the app finds
them through `importlib.resources` from a source checkout and from an installed wheel alike.
"""
