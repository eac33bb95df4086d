"""The viewport's 3D scene, without Qt: the character (and a ghost) posed by qpos, rendered by MuJoCo.

The GUI process draws poses with its own kinematic model of the character: it only runs mj_kinematics,
never physics, so whatever a worker's policy or engine does cannot reach it. It is the simulation's model, with
ball joints for the spherical joints, so a pose looks here exactly as it was simulated or recorded.
"""

from __future__ import annotations

import functools
import math
import threading
from pathlib import Path

import mujoco
import numpy as np

from amp_studio.ball_joints import BallJointCharacter, build_ball_joint_spec, finish_ball_joint_model
from amp_studio.rendering.offscreen import OffscreenRenderer

GHOST_RGBA = (0.35, 0.75, 1.0, 0.35)
OVERLAY_RGBA = (1.0, 0.55, 0.1, 0.9)  # orange: apart from the character's colours and the ghost's blue
OVERLAY_POINT_RGBA = (0.95, 0.2, 0.15, 1.0)
OVERLAY_WIDTH = 0.012  # metres: a bone's capsule radius
OVERLAY_RADIUS = 0.025  # metres: a marked joint's sphere
COMMAND_RGBA = (0.2, 0.85, 0.3, 0.9)  # green: the steering command, apart from the overlay's orange, target's red
VELOCITY_RGBA = (0.7, 0.3, 0.95, 0.9)  # violet: the velocity the character actually moves at
ARROW_SCALE = 0.5  # metres of arrow per m/s: a 3.5 m/s run is a 1.75 m arrow, still near the character
ARROW_WIDTH = 0.04  # metres
ARROW_HEIGHTS = (0.03, 0.06)  # metres above the ground (command, velocity): apart, so equal arrows both show
# MuJoCo draws an arrow geom over half its size[2] (shaft to a third, head to a half), which mjv_connector sets to
# the distance between its points: the far point is put twice the wanted length away.
_ARROW_DRAWN = 0.5
TARGET = "target_marker"
FLOOR = "floor"
MAX_SIZE = (1920, 1200)  # offscreen buffer; larger views are rendered at this size and scaled


def build_view_model(char_file: str) -> BallJointCharacter:
    """The character (ball joints) with a checkered floor, lights, a sky and a movable target marker (a mocap body)."""
    spec, *drives = build_ball_joint_spec(char_file)
    _drop_file_surroundings(spec)
    spec.visual.global_.offwidth, spec.visual.global_.offheight = MAX_SIZE
    spec.visual.quality.shadowsize = 2048
    # Multisampling doubles a frame's cost on software GL (25 -> 12 ms at 640x480 here); shapes stay clear without.
    spec.visual.quality.offsamples = 0
    spec.visual.headlight.ambient = [0.35, 0.35, 0.38]
    spec.visual.headlight.diffuse = [0.45, 0.45, 0.45]
    spec.add_texture(name="sky", type=mujoco.mjtTexture.mjTEXTURE_SKYBOX,
                           builtin=mujoco.mjtBuiltin.mjBUILTIN_GRADIENT, width=64, height=64,
                           rgb1=[0.62, 0.72, 0.82], rgb2=[0.12, 0.14, 0.18])
    spec.add_texture(name="grid", type=mujoco.mjtTexture.mjTEXTURE_2D, builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
                     width=512, height=512, rgb1=[0.55, 0.58, 0.62], rgb2=[0.68, 0.71, 0.75],
                     mark=mujoco.mjtMark.mjMARK_EDGE, markrgb=[0.55, 0.58, 0.62])
    # No reflectance: a reflective floor renders the scene twice (2x slower on software GL).
    material = spec.add_material(name="grid", texrepeat=[1, 1], texuniform=True, reflectance=0.0)
    material.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "grid"
    floor = spec.worldbody.add_geom(name=FLOOR, type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 0.05],
                                    material="grid")
    floor.size = [50.0, 50.0, 0.05]
    light = spec.worldbody.add_light(name="sun", pos=[0, 0, 6], dir=[0.2, 0.3, -1.0], castshadow=True)
    light.diffuse = [0.6, 0.6, 0.6]
    marker = spec.worldbody.add_body(name=TARGET, mocap=True, pos=[0, 0, -10])
    marker.add_geom(type=mujoco.mjtGeom.mjGEOM_CYLINDER, size=[0.15, 0.02, 0], rgba=[0.95, 0.3, 0.2, 0.9],
                    contype=0, conaffinity=0, group=1)
    marker.add_geom(type=mujoco.mjtGeom.mjGEOM_SPHERE, size=[0.06, 0, 0], pos=[0, 0, 1.0],
                    rgba=[0.95, 0.3, 0.2, 0.9], contype=0, conaffinity=0, group=1)
    return finish_ball_joint_model(spec, *drives)


def _drop_file_surroundings(spec: mujoco.MjSpec) -> None:
    """Remove the file's own ground planes and skyboxes (the G1's file has both): the scene adds its own, and a
    second floor would flicker through the first and take the name the ground picking looks for."""
    found, geom = [], spec.worldbody.first_geom()
    while geom is not None:
        if geom.type == mujoco.mjtGeom.mjGEOM_PLANE:
            found.append(geom)
        geom = spec.worldbody.next_geom(geom)
    found += [t for t in getattr(spec, "textures", ()) if t.type == mujoco.mjtTexture.mjTEXTURE_SKYBOX]
    for element in found:
        spec.delete(element) if hasattr(spec, "delete") else element.delete()  # MuJoCo 3.2 (Python 3.8): no delete


def view_model(char_file: str | Path) -> BallJointCharacter:
    """build_view_model's model, kept while the file is unchanged: a character with meshes (the G1) takes a second
    or more to compile, and the app builds a scene of it for each switch and import dialog. Scenes only read it."""
    path = Path(char_file).resolve()
    try:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = None  # MuJoCo reports the missing file
    return _cached_view_model(str(path), key)


@functools.lru_cache(maxsize=8)
def _cached_view_model(path: str, stamp: tuple[int, int] | None) -> BallJointCharacter:
    return build_view_model(path)


class Scene:
    """A posed character, an optional ghost, target and steering arrows, a free camera, and MuJoCo's offscreen
    renderer.

    Poses and the camera may change on one thread while another renders: `lock` guards the scene update,
    and the GL work runs outside it. The renderer belongs to the thread that first renders.
    """

    def __init__(self, char_file: str):
        self.lock = threading.RLock()
        self.version = 0  # bumped by every change; a frame knows which version it shows
        self.character = view_model(char_file)
        self.model = self.character.model
        self.data = mujoco.MjData(self.model)
        self.ghost = mujoco.MjData(self.model)
        self.ghost_visible = False
        self.overlay_segments = np.zeros((0, 2, 3))  # another skeleton drawn over the character (set_overlay)
        self.overlay_points = np.zeros((0, 3))
        self.steering_command: np.ndarray | None = None  # direction x, y and speed (set_steering)
        self.steering_velocity: np.ndarray | None = None  # planar velocity x, y
        self.option = mujoco.MjvOption()
        self.perturb = mujoco.MjvPerturb()
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_FREE
        self.camera.distance, self.camera.azimuth, self.camera.elevation = 4.0, 135.0, -15.0
        self.camera.lookat[:] = [0.0, 0.0, 0.9]
        self.tracking = True
        self.shadows = False  # 4x slower on software GL; a toggle
        self._renderer: OffscreenRenderer | None = None
        self._marker = self.model.body(TARGET).mocapid[0]
        self._floor = self.model.geom(FLOOR).id
        self._pick_scene = mujoco.MjvScene(self.model, 1000)
        self.pose = self.character.qpos_to_pose(self.model.qpos0)
        self.set_pose(self.pose)

    # ----- poses -----

    def set_pose(self, pose) -> None:
        """Pose the character: root position, root quaternion (w, x, y, z), DoFs (spherical joints' exp maps)."""
        with self.lock:
            self.pose = np.asarray(pose, dtype=np.float64).copy()
            self.data.qpos[:] = self.character.pose_to_qpos(self.pose)
            mujoco.mj_kinematics(self.model, self.data)
            self.version += 1
            if self.tracking:
                root = self.data.qpos[:3]
                self.camera.lookat[:] = [root[0], root[1], 0.9]

    def set_ghost(self, pose) -> None:
        """Pose the translucent reference character (a pose as set_pose takes), or hide it with None."""
        with self.lock:
            self.ghost_visible = pose is not None
            if pose is not None:
                self.ghost.qpos[:] = self.character.pose_to_qpos(pose)
                mujoco.mj_kinematics(self.model, self.ghost)
            self.version += 1

    def set_target(self, xy) -> None:
        """Show the location target at xy on the ground, or hide it with None."""
        with self.lock:
            self.data.mocap_pos[self._marker] = [xy[0], xy[1], 0.0] if xy is not None else [0.0, 0.0, -10.0]
            self.version += 1

    def set_overlay(self, segments=None, points=None) -> None:
        """Draw line segments ((K, 2, 3) start and end points, metres) as thin capsules and points ((P, 3)) as
        small spheres over the scene, e.g. a motion-capture skeleton beside the character it was retargeted to;
        None (or empty) draws none. They are not part of the model: no physics or picking sees them."""
        with self.lock:
            self.overlay_segments = np.zeros((0, 2, 3)) if segments is None else \
                np.asarray(segments, dtype=np.float64).reshape(-1, 2, 3)
            self.overlay_points = np.zeros((0, 3)) if points is None else \
                np.asarray(points, dtype=np.float64).reshape(-1, 3)
            self.version += 1

    def add_overlay(self, scene: mujoco.MjvScene) -> None:
        """Append the overlay's geoms to a scene mjv_updateScene filled (as many as it has room for)."""
        rgba, point_rgba = np.array(OVERLAY_RGBA, np.float32), np.array(OVERLAY_POINT_RGBA, np.float32)
        eye, zero = np.eye(3).ravel(), np.zeros(3)
        for a, b in self.overlay_segments:
            if scene.ngeom >= scene.maxgeom:
                return
            if np.linalg.norm(b - a) < 1e-6:
                continue  # a zero-length bone (a helper joint on its parent) has no direction to draw
            geom = scene.geoms[scene.ngeom]
            mujoco.mjv_initGeom(geom, mujoco.mjtGeom.mjGEOM_CAPSULE, zero, zero, eye, rgba)
            mujoco.mjv_connector(geom, mujoco.mjtGeom.mjGEOM_CAPSULE, OVERLAY_WIDTH, a, b)
            geom.category = mujoco.mjtCatBit.mjCAT_DECOR
            scene.ngeom += 1
        size = np.full(3, OVERLAY_RADIUS)
        for p in self.overlay_points:
            if scene.ngeom >= scene.maxgeom:
                return
            geom = scene.geoms[scene.ngeom]
            mujoco.mjv_initGeom(geom, mujoco.mjtGeom.mjGEOM_SPHERE, size, p, eye, point_rgba)
            geom.category = mujoco.mjtCatBit.mjCAT_DECOR
            scene.ngeom += 1

    def set_steering(self, command=None, velocity=None) -> None:
        """Show a steering task's HUD at the character's root: the command ([direction x, y (world), speed m/s])
        and the planar velocity ([vx, vy] m/s) as arrows on the ground, ARROW_SCALE metres per m/s; None hides
        either. Like the overlay they are not part of the model."""
        with self.lock:
            self.steering_command = None if command is None else np.asarray(command, dtype=np.float64)[:3].copy()
            self.steering_velocity = None if velocity is None else np.asarray(velocity, dtype=np.float64)[:2].copy()
            self.version += 1

    def add_steering(self, scene: mujoco.MjvScene) -> None:
        """Append the steering arrows (set_steering) to a scene mjv_updateScene filled, if it has room."""
        root = self.data.qpos[:2]
        arrows = []
        if self.steering_command is not None:
            direction = self.steering_command[:2] / max(np.linalg.norm(self.steering_command[:2]), 1e-9)
            arrows.append((direction * self.steering_command[2], COMMAND_RGBA, ARROW_HEIGHTS[0]))
        if self.steering_velocity is not None:
            arrows.append((self.steering_velocity, VELOCITY_RGBA, ARROW_HEIGHTS[1]))
        eye, zero = np.eye(3).ravel(), np.zeros(3)
        for velocity, rgba, height in arrows:
            length = ARROW_SCALE * float(np.linalg.norm(velocity))
            if scene.ngeom >= scene.maxgeom or length < 1e-3:
                continue  # standing still has no direction to draw
            start = np.array([root[0], root[1], height])
            end = start + ARROW_SCALE / _ARROW_DRAWN * np.array([velocity[0], velocity[1], 0.0])
            geom = scene.geoms[scene.ngeom]
            mujoco.mjv_initGeom(geom, mujoco.mjtGeom.mjGEOM_ARROW, zero, zero, eye, np.array(rgba, np.float32))
            mujoco.mjv_connector(geom, mujoco.mjtGeom.mjGEOM_ARROW, ARROW_WIDTH, start, end)
            geom.category = mujoco.mjtCatBit.mjCAT_DECOR
            scene.ngeom += 1

    @property
    def target(self) -> tuple[float, float] | None:
        """The target's ground position, or None when hidden."""
        pos = self.data.mocap_pos[self._marker]
        return None if pos[2] < -1 else (float(pos[0]), float(pos[1]))

    # ----- camera -----

    def orbit(self, dx: float, dy: float) -> None:
        """Turn the camera by a drag of (dx, dy) as fractions of the view's height."""
        self.version += 1
        self.camera.azimuth -= 180.0 * dx
        self.camera.elevation = float(np.clip(self.camera.elevation - 90.0 * dy, -89.0, 89.0))

    def pan(self, dx: float, dy: float) -> None:
        """Move what the camera looks at, in the view plane (turns tracking off)."""
        self.tracking = False
        self.version += 1
        az = math.radians(self.camera.azimuth)
        right = np.array([math.sin(az), -math.cos(az), 0.0])
        scale = self.camera.distance
        self.camera.lookat[:] += scale * (-dx * right + np.array([0.0, 0.0, dy]))

    def zoom(self, steps: float) -> None:
        """Move closer (positive steps) or farther."""
        self.version += 1
        self.camera.distance = float(np.clip(self.camera.distance * 0.9 ** steps, 0.5, 50.0))

    # ----- rendering -----

    def render(self, width: int, height: int) -> tuple[np.ndarray, int]:
        """An RGB image of the scene and the version it shows. Shape: (height, width, 3), uint8."""
        width, height = max(16, min(width, MAX_SIZE[0])), max(16, min(height, MAX_SIZE[1]))
        r = self.open_renderer()
        with self.lock:
            version = self.version
            r.update_scene(self.data, self.camera, self.option)
            scene = r.scene
            scene.flags[mujoco.mjtRndFlag.mjRND_SHADOW] = self.shadows
            if self.ghost_visible:
                first = scene.ngeom
                mujoco.mjv_addGeoms(self.model, self.ghost, self.option, self.perturb,
                                    mujoco.mjtCatBit.mjCAT_DYNAMIC, scene)
                for i in range(first, scene.ngeom):
                    scene.geoms[i].rgba[:] = GHOST_RGBA
            self.add_overlay(scene)
            self.add_steering(scene)
        return r.render(width, height), version

    def open_renderer(self) -> OffscreenRenderer:
        """The GL context and renderer, made on first use: on the thread that calls this, which must be the one
        that renders from then on."""
        if self._renderer is None:
            self._renderer = OffscreenRenderer(self.model)
        return self._renderer

    def pick_ground(self, relx: float, rely: float, aspect: float) -> tuple[float, float] | None:
        """The ground point under a view position (x from the left, y from the bottom, both 0..1), or None.

        Uses a scene of its own (no GL needed), so it can run on the GUI thread while another thread renders.
        """
        with self.lock:
            scene = self._pick_scene
            mujoco.mjv_updateScene(self.model, self.data, self.option, self.perturb, self.camera,
                                   mujoco.mjtCatBit.mjCAT_ALL, scene)
            point = np.zeros(3)
            geom, flex, skin = np.array([-1], np.int32), np.array([-1], np.int32), np.array([-1], np.int32)
            mujoco.mjv_select(self.model, self.data, self.option, aspect, relx, rely, scene, point, geom, flex, skin)
        if geom[0] != self._floor:
            return None
        return float(point[0]), float(point[1])

    def close(self) -> None:
        """Free the GL context."""
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None
