#!/usr/bin/env bash
# Sets up AMP Studio on a fresh Debian machine: system libraries for Qt, MuJoCo
# rendering and a virtual X display, then a virtual environment at .venv with the
# package and its test tools. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's xcb platform plugin needs these under Xvfb; EGL (Mesa, software llvmpipe) and OSMesa serve MuJoCo's
# offscreen renderer, which the viewport uses under a desktop, Xvfb or Qt's offscreen platform alike.
DEB_PACKAGES=(
  xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
  libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxcb-cursor0 libxkbcommon-x11-0 libxkbcommon0
  libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri libopengl0 libosmesa6 libglib2.0-0 libfontconfig1 libdbus-1-3
)
missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# torch first and pinned: 2.13.0 is a CPU build that installs from local disk here;
# an unpinned torch would pull a multi-gigabyte CUDA build.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  .venv/bin/pip install -q "torch==2.13.0"
fi
.venv/bin/pip install -q -e ".[dev]"
# MuJoCo Warp compiles its kernels on first use (about a minute and a half on a CPU): once here, into its cache.
.venv/bin/python scripts/compile_warp_kernels.py
