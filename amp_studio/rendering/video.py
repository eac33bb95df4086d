"""Videos of the character: a sequence of poses (with an optional reference ghost and target) drawn by the
viewport's scene through MuJoCo's offscreen renderer and encoded to H.264 by ffmpeg (imageio-ffmpeg's build)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from amp_studio.errors import AmpStudioError
from amp_studio.rendering.scene import Scene


@dataclass(frozen=True)
class VideoSettings:
    """What a video looks like: size in pixels, frames per second, and whether the camera follows the character."""

    width: int = 960
    height: int = 540
    fps: float = 30.0
    camera: str = "track"  # track: follows the root; fixed: stays where the first frame put it

    def validate(self, path: str | Path | None = None) -> None:
        if not (16 <= self.width <= 1920 and 16 <= self.height <= 1200):
            raise AmpStudioError(path, f"video size {self.width}x{self.height}: each side must be 16-1920 "
                                       "(width) or 16-1200 (height) pixels")
        if self.width % 2 or self.height % 2:
            raise AmpStudioError(path, f"video size {self.width}x{self.height}: H.264 needs even sides")
        if not 1 <= self.fps <= 240:
            raise AmpStudioError(path, f"video fps {self.fps}: expected 1-240")
        if self.camera not in ("track", "fixed"):
            raise AmpStudioError(path, f"video camera '{self.camera}': expected 'track' or 'fixed'")


@dataclass(frozen=True)
class VideoFrame:
    """One frame's content: a pose as Scene.set_pose takes it, and optionally a ghost pose, a target xy and a
    steering command ([direction x, y, speed]) with the planar velocity ([vx, vy]), drawn as arrows."""

    pose: np.ndarray
    ghost: np.ndarray | None = None
    target: tuple[float, float] | None = None
    command: tuple[float, float, float] | None = None
    velocity: tuple[float, float] | None = None


def write_video(path: str | Path, frames: Iterable[VideoFrame], num_frames: int, char_file: str,
                settings: VideoSettings = VideoSettings(), progress: Callable[[int, int], None] | None = None
                ) -> Path:
    """Render and encode frames to an .mp4; progress(done, total) after each frame. Returns the path.

    Written to a temporary name and renamed when complete, so a cancelled or failed export leaves no half file.
    """
    import imageio_ffmpeg

    path = Path(path)
    settings.validate(path)
    if path.suffix.lower() != ".mp4":
        raise AmpStudioError(path, "videos are written as .mp4 (H.264); give a .mp4 path")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part.mp4")
    scene = Scene(char_file)
    scene.tracking = settings.camera == "track"
    writer = imageio_ffmpeg.write_frames(str(tmp), (settings.width, settings.height), fps=settings.fps,
                                         codec="libx264", pix_fmt_out="yuv420p", quality=7, macro_block_size=2,
                                         ffmpeg_log_level="error")
    writer.send(None)  # start ffmpeg
    done = 0
    try:
        for frame in frames:
            first = done == 0
            scene.set_pose(frame.pose)
            if first and not scene.tracking:
                root = np.asarray(frame.pose[:2], dtype=np.float64)
                scene.camera.lookat[:] = [root[0], root[1], 0.9]
            scene.set_ghost(frame.ghost)
            scene.set_target(frame.target)
            scene.set_steering(frame.command, frame.velocity)
            image, _ = scene.render(settings.width, settings.height)
            writer.send(np.ascontiguousarray(image))
            done += 1
            if progress is not None:
                progress(done, num_frames)
            if done >= num_frames:
                break
        writer.close()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        scene.close()
    if done == 0:
        tmp.unlink(missing_ok=True)
        raise AmpStudioError(path, "no frames to write")
    tmp.replace(path)
    return path


def clip_video_frames(poses, seconds: float, fps: float) -> Iterable[VideoFrame]:
    """A clip's preview (ClipPoses) from its start, sampled at the video's fps."""
    for i in range(max(1, round(seconds * fps))):
        yield VideoFrame(poses.pose(i / fps))
