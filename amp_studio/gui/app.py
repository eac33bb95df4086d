"""Starting the desktop app, and `--screenshot`: render the window with a clip and a run, save it, exit."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="amp-studio", description="AMP Studio desktop app")
    parser.add_argument("--screenshot", help="render the window to this PNG and exit")
    parser.add_argument("--motion", action="append", default=[], help="clip or dataset to load (repeatable)")
    parser.add_argument("--run", action="append", default=[], help="run directory to open (repeatable)")
    parser.add_argument("--char_file", help="the character (a MuJoCo file) to open the app with, e.g. "
                                            "data/assets/g1/g1.xml (default: the last session's, else the humanoid)")
    parser.add_argument("--size", default="1500x950", help="window size for screenshots, WxH")
    parser.add_argument("--panel", choices=("window", "plots"), default="window",
                        help="what --screenshot renders: the whole window, or the plots alone (at --size)")
    return parser


def dispose(window) -> None:
    """Close the window and delete it now: Qt crashes at exit if widgets outlive the application object, and
    the window's signal connections keep its Python wrapper alive until then."""
    import gc

    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()


def make_application():
    """The QApplication with the app's name, icon, style sheet and desktop entry name (Wayland taskbars match
    the window to the installed entry by it)."""
    from PySide6.QtWidgets import QApplication

    from amp_studio.desktop_integration import APP_ID
    from amp_studio.gui.icons import app_icon, style_sheet

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("AMP Studio")
    app.setOrganizationName("AMPStudio")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setStyleSheet(style_sheet())
    return app


def scripted_window():
    """The application and its shown main window for a script (benchmarks, README screenshots): offscreen unless
    there is a display, and with settings of its own, so that a user's layout is neither used nor changed."""
    import tempfile

    if not os.environ.get("DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AMP_STUDIO_SETTINGS", os.path.join(tempfile.mkdtemp(), "settings.ini"))
    from amp_studio.gui.main_window import MainWindow

    app = make_application()
    window = MainWindow()
    window.show()
    return app, window


def wait_until(app, condition, seconds: float) -> bool:
    """Run the event loop until condition() holds or seconds pass; returns whether it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def _character(char_file: str):
    """(CharacterModel, Character) of --char_file, or False after printing why it cannot be used (one line, as
    every bad file on the command line)."""
    from amp_studio.gui.characters import failure_text, load_character

    try:
        return load_character(char_file)
    except Exception as exc:  # noqa: BLE001 - any failure to load is the file's: CharacterError, MuJoCo's, OSError
        print(f"error: {failure_text(char_file, exc)}", file=sys.stderr)
        return False


def main(argv: list[str] | None = None) -> int:
    """Open the main window (or render it to --screenshot); returns the exit code."""
    args = _parser().parse_args(argv)
    headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or
                                                         os.environ.get("WAYLAND_DISPLAY") or
                                                         os.environ.get("QT_QPA_PLATFORM"))
    if args.screenshot and headless:
        # No screen: Qt's offscreen platform paints the same widgets; MuJoCo renders through EGL anyway.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    elif headless:
        print("error: no display here (DISPLAY is not set), so the window cannot open. Run it in a desktop "
              "session, or on a virtual screen with `xvfb-run -a python main.py`; `python main.py --screenshot "
              "OUT.png` renders the window without one, and `python main.py --mode train` trains headless.",
              file=sys.stderr)
        return 1

    import amp_studio.gui  # noqa: F401 - sets MUJOCO_GL before MuJoCo loads
    from amp_studio.gui.main_window import MainWindow

    character = _character(args.char_file) if args.char_file else None
    if character is False:
        return 1
    app = make_application()
    window = MainWindow(args.char_file)
    if character is not None:
        window.motion_panel.set_character(character[1], character[0])  # loaded once: the G1's takes a second
    if args.screenshot:
        width, height = (int(v) for v in args.size.lower().split("x"))
        window.resize(width, height)
    window.show()
    if args.screenshot:  # no one sees the window's messages
        window.motion_panel.load_failed.connect(lambda text: print(f"not loaded: {text}", file=sys.stderr))
    for path in args.motion:
        window.motion_panel.add_path(path)
    for path in args.run:
        window.open_run(path)
    if not args.screenshot:
        code = app.exec()
        dispose(window)
        return int(code)
    wait_until(app, lambda: not window.motion_panel.busy, 120)
    if window.motion_panel.entries:
        window.timeline.seek(0.4 * window.timeline.duration)
    wait_until(app, lambda: window.viewport.up_to_date and window.viewport.image is not None, 20)
    wait_until(app, lambda: False, 0.3)  # let plots and layout settle
    Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
    if args.panel == "plots":
        # The plots alone, at the requested size: a figure of several runs' curves.
        plots = window.plots_panel
        plots.setParent(None)
        plots.resize(width, height)
        plots.show()
        plots.refresh()
        wait_until(app, lambda: False, 1.0)  # axes widen to their tick labels after the first paint
        ok = plots.grab().save(args.screenshot)
    else:
        ok = window.grab().save(args.screenshot)
    print(f"screenshot: {args.screenshot}" if ok else f"error: could not write {args.screenshot}")
    window.shutdown()
    dispose(window)
    return 0 if ok else 1
