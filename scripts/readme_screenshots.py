"""The README's screenshots of the app at its default size: a run in progress, a location replay, and the BVH
import dialog.

    python scripts/readme_screenshots.py [--out docs/images] [--only bvh]

Writes amp_studio.png (the walk clip in the library, a training run of it under way: curves, runs table, the live
character), location_replay.png (the shipped location model following a target clicked on the ground) and
bvh_import_dialog.png (the shared Xia neutral walk opened in the import dialog). Runs on Qt's offscreen platform
when there is no display; needs ../shared/motions/ for the location model's clips and the BVH walk.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "images"))
    parser.add_argument("--iterations", type=int, default=25, help="iterations of the run before the screenshot")
    parser.add_argument("--only", choices=("bvh",), help="only the BVH import dialog")
    args = parser.parse_args()
    import amp_studio.gui  # noqa: F401 - MUJOCO_GL before MuJoCo loads
    from amp_studio import DATA_DIR
    from amp_studio.gui.app import dispose, scripted_window, wait_until

    app, window = scripted_window()

    def wait(condition, seconds: float) -> bool:
        return wait_until(app, condition, seconds)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    bvh_dialog(window, wait, out / "bvh_import_dialog.png")
    if args.only == "bvh":
        window.shutdown()
        dispose(window)
        return
    window.motion_panel.add_path(str(DATA_DIR / "motions" / "walk_keyframed.pkl"))
    wait(lambda: not window.motion_panel.busy and window.motion_panel.entries, 120)
    tp = window.training_panel
    tp.num_envs.setValue(64)
    tp.max_samples.setValue(20_000_000)
    tp.out_dir.setText(tempfile.mkdtemp(prefix="readme_run_"))
    tp.start_button.click()
    record = window.runs_panel.runs[-1]
    if not wait(lambda: record.metrics.size >= args.iterations, 600):
        raise SystemExit(f"the run did not get going: {window.workers[-1].error}")
    wait(lambda: False, 1.0)  # a few more poses and a redraw of the curves
    window.grab().save(str(out / "amp_studio.png"))
    print(f"wrote {out / 'amp_studio.png'}")
    window.workers[-1].stop()
    wait(lambda: not window.workers[-1].alive, 60)

    window.open_model(DATA_DIR / "models" / "amp_location_humanoid_model.pt")
    vp = window.viewport
    wait(lambda: vp.pick_targets and vp.scene.target is not None, 300)
    vp.set_tracking(True)
    window.replay.send("set_target", xy=[4.0, 3.0])
    wait(lambda: False, 6.0)  # it turns and walks toward the target
    window.grab().save(str(out / "location_replay.png"))
    print(f"wrote {out / 'location_replay.png'}")
    window.shutdown()
    dispose(window)


def bvh_dialog(window, wait, path: Path) -> None:
    """The import dialog as adding a .bvh to the library opens it, its preview at 1.2 s into the walk."""
    from amp_studio.paths import SHARED_DIR

    panel = window.motion_panel
    panel.import_bvh(str(SHARED_DIR / "motions" / "bvh" / "xia" / "neutral_01_000.bvh"))
    wait(lambda: not panel.busy and panel.import_dialogs, 120)
    dialog = panel.import_dialogs[-1]
    dialog.resize(1280, 780)
    dialog.timeline.seek(1.2)
    dialog.viewport.scene.camera.azimuth = 60
    dialog.viewport.refresh()
    wait(lambda: False, 0.5)
    wait(lambda: dialog.viewport.up_to_date and dialog.viewport.image is not None, 20)
    dialog.grab().save(str(path))
    print(f"wrote {path}")
    dialog.reject()


if __name__ == "__main__":
    main()
