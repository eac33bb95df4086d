"""Build data/assets/g1/ from the shared Unitree G1 (../shared/characters/unitree_g1/, beside this checkout).

The shared file is a motion-capture model: collision by the meshes, motors without PD gains, a floor, lights and
sensors. The copy keeps its kinematics exactly (body, joint and inertial elements copied as written) and adds
what simulation needs; data/assets/g1/README.md (written here too) says what and why.

    python scripts/build_g1_asset.py                               # writes data/assets/g1/
    python scripts/build_g1_asset.py --measure-stability 0 0.02    # and measures PD stability (armature floors)
"""

from __future__ import annotations

import argparse
import math
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "characters" / "unitree_g1"
TARGET = ROOT / "data" / "assets" / "g1"

# MimicKit's G1 (data/assets/g1/g1.xml), which follows BeyondMimic: per Unitree motor, kp = armature * w^2 and
# kd = 2 * zeta * armature * w with w = 2 pi 10 rad/s and zeta = 2. Ankles and waist roll/pitch are two 5020
# motors in parallel (twice the armature). Effort (N m) is the force limit where the joint gives none.
NATURAL_FREQ = 2.0 * math.pi * 10.0
DAMPING_RATIO = 2.0
MOTORS = {"7520-14": (0.010177520, 88.0), "7520-22": (0.025101925, 139.0), "5020": (0.003609725, 25.0),
          "2x5020": (0.00721945, 50.0), "4010": (0.00425, 5.0)}  # motor: (armature kg m^2, effort N m)
JOINT_MOTORS = {  # joint name without its side and "_joint": motor
    "hip_pitch": "7520-14", "hip_yaw": "7520-14", "waist_yaw": "7520-14", "hip_roll": "7520-22", "knee": "7520-22",
    "ankle_pitch": "2x5020", "ankle_roll": "2x5020", "waist_roll": "2x5020", "waist_pitch": "2x5020",
    "shoulder_pitch": "5020", "shoulder_roll": "5020", "shoulder_yaw": "5020", "elbow": "5020", "wrist_roll": "5020",
    "wrist_pitch": "4010", "wrist_yaw": "4010"}
# The smallest armature any joint gets (kg m^2). 0 keeps the motors' own: measured stable at 120 Hz (README.md,
# --measure-stability), so no floor is needed.
ARMATURE_FLOOR = 0.0

# Collision shapes, each fitted to the listed meshes' vertices in its body's frame. None on the waist links (none
# in the source either) nor the ankle pitch links (4 cm housings within the shin's and the foot's envelope).
SIDES = ("left", "right")
COLLISION = [("pelvis", "pelvis", "box", ["pelvis_contour_link"]),  # (body, geom name, shape, meshes)
             ("torso_link", "torso", "box", ["torso_link", "logo_link"]),
             ("head_link", "head", "head", ["head_link"])]
for _s in SIDES:
    COLLISION += [(f"{_s}_{link}_link", f"{_s}_{link}", "capsule", [f"{_s}_{link}_link"]) for link in (
        "hip_pitch", "hip_roll", "hip_yaw", "knee", "shoulder_pitch", "shoulder_roll", "shoulder_yaw", "elbow",
        "wrist_roll", "wrist_pitch")]
    COLLISION += [(f"{_s}_ankle_roll_link", f"{_s}_foot", "foot", [f"{_s}_ankle_roll_link"]),
                  # The hand: the wrist yaw link and the rubber hand welded to it, one capsule.
                  (f"{_s}_wrist_yaw_link", f"{_s}_hand", "capsule", [f"{_s}_wrist_yaw_link", f"{_s}_rubber_hand"])]
# A capsule's radius covers this share of its vertices: the largest distance would let a few protruding bolts
# and cable guides decide the whole link's thickness.
RADIUS_QUANTILE = 0.9

BALANCE_GAINS = (12.0, 3.0)  # ankle pitch target per metre of lead (rad/m) and per m/s of the lead's rate
# Without self-contacts, like the rest pose (arms down, legs straight): BeyondMimic's standing pose (knees bent).
STANDING = {"hip_pitch": -0.312, "knee": 0.669, "ankle_pitch": -0.363, "elbow": 0.6, "shoulder_pitch": 0.2,
            "left_shoulder_roll": 0.2, "right_shoulder_roll": -0.2}


def gains(joint: str) -> tuple[float, float, float, float]:
    """kp, kd, effort and armature of a joint's motor."""
    armature, effort = MOTORS[JOINT_MOTORS[joint.removesuffix("_joint").removeprefix("left_").removeprefix("right_")]]
    return (armature * NATURAL_FREQ**2, 2.0 * DAMPING_RATIO * armature * NATURAL_FREQ, effort,
            max(armature, ARMATURE_FLOOR))


def pose_qpos(model: mujoco.MjModel, pose: dict) -> np.ndarray:
    """qpos0 with the named joints set: a key is a joint name without "_joint", with or without its side."""
    qpos = model.qpos0.copy()
    for j in range(1, model.njnt):
        name = model.joint(j).name.removesuffix("_joint")
        plain = name.split("_", 1)[1] if name.startswith(SIDES) else name
        if name in pose or plain in pose:
            qpos[model.jnt_qposadr[j]] = pose.get(name, pose.get(plain))
    return qpos


# ----- fitting -----

def mesh_vertices(model: mujoco.MjModel, data: mujoco.MjData) -> dict[str, np.ndarray]:
    """Per mesh name, its vertices in world coordinates at qpos0 (where the first geom showing it puts them)."""
    found = {}
    for g in range(model.ngeom):
        if model.geom_type[g] != mujoco.mjtGeom.mjGEOM_MESH:
            continue
        mesh = int(model.geom_dataid[g])
        start, count = model.mesh_vertadr[mesh], model.mesh_vertnum[mesh]
        # mesh_vert is in the mesh's own frame; the geom's pose places it.
        world = model.mesh_vert[start:start + count] @ data.geom_xmat[g].reshape(3, 3).T + data.geom_xpos[g]
        found.setdefault(model.mesh(mesh).name, world)
    return found


def fit(kind: str, verts: np.ndarray) -> dict:
    """A primitive's MJCF attributes fitted to vertices in its body's frame."""
    low, high = verts.min(axis=0), verts.max(axis=0)
    if kind in ("box", "foot"):
        # Along the body's axes; a foot's bottom face is its lowest vertices, the sole, so it stands flat.
        return {"type": "box", "pos": (low + high) / 2, "size": (high - low) / 2}
    if kind == "head":
        # As wide as the head, touching its top: the mesh's lower part is the neck, inside the torso's box.
        radius = float(((high - low) / 2)[:2].max())
        centre = (low + high) / 2
        centre[2] = high[2] - radius
        return {"type": "sphere", "pos": centre, "size": [radius]}
    # Capsule: along the vertices' principal axis, through the middle of their cross-section.
    centred = verts - verts.mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    axis *= np.sign(axis[np.argmax(np.abs(axis))])  # a sign that does not depend on the SVD's whim
    t = centred @ axis
    perp = centred - np.outer(t, axis)
    mid = (perp.min(axis=0) + perp.max(axis=0)) / 2
    mid -= axis * (mid @ axis)
    radius = float(np.quantile(np.linalg.norm(perp - mid, axis=1), RADIUS_QUANTILE))
    base = verts.mean(axis=0) + mid
    lo, hi = t.min() + radius, t.max() - radius
    if hi <= lo:  # shorter than it is thick
        return {"type": "sphere", "pos": base + axis * (t.min() + t.max()) / 2, "size": [radius]}
    return {"type": "capsule", "fromto": np.concatenate((base + axis * lo, base + axis * hi)), "size": [radius]}


def collision_geoms(model: mujoco.MjModel) -> dict[str, list[dict]]:
    """Per body name, the fitted collision geoms' attributes."""
    data = mujoco.MjData(model)
    mujoco.mj_kinematics(model, data)
    verts = mesh_vertices(model, data)
    out: dict[str, list[dict]] = {}
    for body, name, kind, meshes in COLLISION:
        b = model.body(body).id
        world = np.concatenate([verts[m] for m in meshes])
        local = (world - data.xpos[b]) @ data.xmat[b].reshape(3, 3)
        out.setdefault(body, []).append({**fit(kind, local), "name": f"{name}_collision"})
    return out


# ----- the file -----

def fmt(values) -> str:
    return " ".join(f"{v:.4f}".replace("-0.0000", "0.0000") for v in np.atleast_1d(values))


def build_tree(source: Path, shapes: dict[str, list[dict]], excluded: list[tuple[str, str]]) -> ET.Element:
    """The project's g1.xml as an element tree; excluded: body pairs whose collisions are turned off."""
    root = ET.parse(source).getroot()
    root.set("model", "unitree_g1")
    # Scene dressing, the floor and sensors go; so does the second asset section (the floor's textures).
    for tag in ("sensor", "statistic", "visual", "actuator", "default", "option", "contact"):
        for element in root.findall(tag):
            root.remove(element)
    for extra in root.findall("asset")[1:] + root.findall("worldbody")[1:]:
        root.remove(extra)
    index = list(root).index(root.find("compiler")) + 1
    root.insert(index, ET.Element("option", timestep="0.0083333333", integrator="implicitfast"))
    root.insert(index + 1, ET.fromstring(DEFAULTS))
    for body in root.iter("body"):
        for geom in body.findall("geom"):
            # The source's collision geoms: meshes that collide, and the feet's and shoulders' primitives.
            if geom.get("contype") != "0":
                body.remove(geom)
        for shape in shapes.get(body.get("name"), ()):
            attrs = {"name": shape["name"], "type": shape["type"]}
            attrs.update({key: fmt(shape[key]) for key in ("pos", "fromto", "size") if key in shape})
            attrs.update(COLLISION_ATTRS)
            # After the inertial and joint, before the child bodies: MuJoCo's element order does not matter,
            # a reader's does.
            first_body = next((i for i, c in enumerate(body) if c.tag == "body"), len(body))
            body.insert(first_body, ET.Element("geom", attrs))
        for joint in body.findall("joint"):
            joint.set("armature", f"{gains(joint.get('name'))[3]:.9g}")

    used = {geom.get("mesh") for geom in root.iter("geom")}
    for asset in root.findall("asset"):
        for mesh in asset.findall("mesh"):
            if mesh.get("name") not in used:
                asset.remove(mesh)
            # Paths from the file's folder rather than compiler/meshdir, which Isaac Gym's MJCF importer may not
            # read (MimicKit's G1 writes them so too).
            mesh.set("file", f"meshes/{mesh.get('file')}")
    root.find("compiler").attrib.pop("meshdir", None)
    if excluded:
        contact = ET.SubElement(root, "contact")
        for a, b in excluded:
            ET.SubElement(contact, "exclude", name=f"{a}__{b}", body1=a, body2=b)
    actuator = ET.SubElement(root, "actuator")
    for joint in root.find("worldbody").iter("joint"):
        kp, kd, effort, _ = gains(joint.get("name"))
        # The joint's own torque limit where it gives one (all do, each equal to its motor's effort).
        limit = max(abs(float(v)) for v in joint.get("actuatorfrcrange", f"{-effort} {effort}").split())
        ET.SubElement(actuator, "position", name=joint.get("name"), joint=joint.get("name"), kp=f"{kp:.6g}",
                      kv=f"{kd:.6g}", forcerange=f"{-limit:g} {limit:g}")
    ET.indent(root, space="  ")
    return root


HEADER = """
  Unitree G1 (29 DoF) by scripts/build_g1_asset.py from ../shared/characters/unitree_g1/g1_29dof.xml: change the
  script, not this file (README.md says what changed and why; LICENSE, LICENSE-GMR). The engine adds the ground.
"""

DEFAULTS = """
<default>
  <joint type="hinge" actuatorfrclimited="true" damping="0"/>
  <geom condim="3" friction="1.0 0.05 0.05"/>
  <position ctrllimited="true" forcelimited="true" inheritrange="1"/>
</default>
"""
# The collision primitives: massless (every body's mass and inertia are the source's inertial elements); group 3,
# which the project's viewport does not draw (MuJoCo's default option draws groups 0-2). Written on each geom
# rather than as a default class, for MJCF readers other than MuJoCo's.
COLLISION_ATTRS = {"group": "3", "density": "0", "rgba": "0.85 0.35 0.3 0.5"}


def write_model(source_xml: Path, target_xml: Path) -> list[tuple[str, str]]:
    """Write g1.xml, excluding collisions between the body pairs that touch in the rest or standing pose.
    Returns the excluded pairs."""
    source = mujoco.MjModel.from_xml_path(str(source_xml))
    shapes = collision_geoms(source)
    excluded: list[tuple[str, str]] = []
    for _ in range(3):  # an exclusion cannot create a contact: the second pass confirms none are left
        tree = build_tree(source_xml, shapes, excluded)
        target_xml.write_text(f"<!--{HEADER}-->\n" + ET.tostring(tree, encoding="unicode") + "\n")
        touching = self_contacts(target_xml)
        if not touching:
            return excluded
        for a, b in touching:
            # Links that touch at rest are neighbours (a joint housing beside its parent's parent); a pair
            # further apart touching would be a bad fit, not a pair to let pass through each other.
            if tree_distance(source, a, b) > 3:
                raise RuntimeError(f"{a} and {b} touch at rest but are {tree_distance(source, a, b)} joints apart")
        excluded = sorted(set(excluded) | touching)
    raise RuntimeError(f"self-contacts remain: {touching}")


def tree_distance(model: mujoco.MjModel, a: str, b: str) -> int:
    """Joints between two bodies along the kinematic tree (1: parent and child)."""
    chains = [[model.body(name).id] for name in (a, b)]
    for chain in chains:
        while chain[-1] > 0:
            chain.append(int(model.body_parentid[chain[-1]]))
    common = next(body for body in chains[0] if body in chains[1])
    return chains[0].index(common) + chains[1].index(common)


def self_contacts(path: Path) -> set[tuple[str, str]]:
    """Body pairs in contact, ground excluded, at the rest pose and the standing pose."""
    model = mujoco.MjModel.from_xml_path(str(path))
    data = mujoco.MjData(model)
    found = set()
    for pose in ({}, STANDING):
        data.qpos[:] = pose_qpos(model, pose)
        mujoco.mj_forward(model, data)
        for c in data.contact[:data.ncon]:
            a, b = (model.body(model.geom_bodyid[g]).name for g in (c.geom1, c.geom2))
            found.add(tuple(sorted((a, b))))
    return found


# ----- stability (--measure-stability) -----

def sim_model(path: Path, armature_floor: float) -> mujoco.MjModel:
    """The file as the engine simulates it: a ground plane of friction 1 added; armature raised to the floor."""
    spec = mujoco.MjSpec.from_file(str(path))
    spec.worldbody.add_geom(name="floor", type=mujoco.mjtGeom.mjGEOM_PLANE, size=[0, 0, 1],
                            friction=[1.0, 0.005, 0.0001])
    model = spec.compile()
    model.dof_armature[6:] = np.maximum(model.dof_armature[6:], armature_floor)
    return model


def standing_qpos(model: mujoco.MjModel, pose: dict) -> np.ndarray:
    """qpos of a pose with the root lowered or raised so that the lowest foot corner is 0.5 mm above the ground."""
    data = mujoco.MjData(model)
    data.qpos[:] = pose_qpos(model, pose)
    mujoco.mj_kinematics(model, data)
    lowest = np.inf
    for side in SIDES:
        g = model.geom(f"{side}_foot_collision").id
        corners = np.array(np.meshgrid([-1, 1], [-1, 1], [-1, 1])).T.reshape(-1, 3) * model.geom_size[g]
        lowest = min(lowest, (data.geom_xpos[g] + corners @ data.geom_xmat[g].reshape(3, 3).T)[:, 2].min())
    data.qpos[2] += 0.0005 - lowest
    return data.qpos.copy()


def hold(model: mujoco.MjModel, pose: dict, seconds: float, balance: bool) -> tuple[float, float]:
    """Hold a pose on the ground under PD (30 Hz targets): the pelvis's lowest height and final up component.
    balance: move both ankle pitch targets with the centre of mass's lead over the ankles (README.md)."""
    data = mujoco.MjData(model)
    data.qpos[:] = standing_qpos(model, pose)
    target = data.qpos[7:].copy()
    ankles = [model.joint(f"{side}_ankle_pitch_joint").id for side in SIDES]
    dofs, bodies = model.jnt_dofadr[ankles] - 6, model.jnt_bodyid[ankles]
    lowest = np.inf
    for step in range(round(seconds / model.opt.timestep)):
        if step % 4 == 0:
            data.ctrl[:] = target
            if balance:
                mujoco.mj_forward(model, data)
                mujoco.mj_subtreeVel(model, data)
                lead = data.subtree_com[1, 0] - data.xpos[bodies, 0].mean()
                data.ctrl[dofs] += BALANCE_GAINS[0] * lead + BALANCE_GAINS[1] * data.subtree_linvel[1, 0]
        mujoco.mj_step(model, data)
        lowest = min(lowest, data.qpos[2])
    return float(lowest), float(data.xmat[1, 8])


def measure_stability(path: Path, armature_floor: float, envs: int = 64, seconds: float = 10.0) -> None:
    """Print, for one armature floor: the pelvis holding the rest and standing poses for 5 s, and the blow-ups
    (MuJoCo warnings, its resets after bad accelerations, non-finite or absurd states) under random PD targets
    within the joint ranges, new every 1/30 s, for envs copies of `seconds` each, starting from standing."""
    from mujoco import rollout

    model = sim_model(path, armature_floor)
    warnings: list[str] = []
    mujoco.set_mju_user_warning(warnings.append)
    for name, pose in (("rest", {}), ("standing", STANDING)):
        for balance in (False, True):
            lowest, up = hold(model, pose, 5.0, balance)
            print(f"  hold {name}{' balanced' if balance else ''} 5 s: pelvis lowest {lowest:.3f} m, "
                  f"up {up:.3f}; {len(warnings)} warnings so far")
    ranges = model.jnt_range[1:]
    ctrl = np.random.default_rng(0).uniform(ranges[:, 0], ranges[:, 1], size=(envs, round(seconds * 30), model.nu))
    ctrl = np.repeat(ctrl, 4, axis=1)  # 30 Hz targets at 120 Hz
    data = mujoco.MjData(model)
    data.qpos[:] = standing_qpos(model, STANDING)
    state = np.zeros(mujoco.mj_stateSize(model, mujoco.mjtState.mjSTATE_FULLPHYSICS))
    mujoco.mj_getState(model, data, state, mujoco.mjtState.mjSTATE_FULLPHYSICS)
    out, _ = rollout.rollout(model, data, np.tile(state, (envs, 1)), ctrl)
    resets = int((np.diff(out[:, :, 0], axis=1) < 0).sum())  # MuJoCo's own reset after a bad acceleration
    qvel = out[:, :, 1 + model.nq:1 + model.nq + model.nv]
    bad = int((~np.isfinite(out).all(axis=2)).sum()) + int((np.abs(qvel).max(axis=2) > 1e3).sum())
    print(f"  random targets, {envs} x {seconds:g} s: {len(warnings)} warnings, {resets} solver resets, "
          f"{bad} steps with non-finite or |qvel| > 1e3")


def readme(excluded: list[tuple[str, str]]) -> str:
    rows = "\n".join(
        f"| {motor} | {', '.join(j for j, m in JOINT_MOTORS.items() if m == motor)} | {a:.9g} | "
        f"{a * NATURAL_FREQ**2:.2f} | {2 * DAMPING_RATIO * a * NATURAL_FREQ:.3f} | {effort:g} |"
        for motor, (a, effort) in MOTORS.items())
    pairs = "".join(f"\n  - {a} / {b}" for a, b in excluded)
    return README.format(rows=rows, pairs=pairs)


README = """# Unitree G1 (29 DoF)

Written by `scripts/build_g1_asset.py` from `../shared/characters/unitree_g1/`; remake it with the script rather
than editing it. `g1_29dof.xml` and its STL meshes (copied unchanged) are from the `assets/unitree_g1/` folder of
GMR (github.com/YanjieZe/GMR, MIT licence: `LICENSE-GMR`), which carries Unitree Robotics' description of the G1
(BSD 3-Clause licence: `LICENSE`). Both notices go with every copy.

## What changed, and why

- **Kinematics: nothing.** Bodies (names, order, pos, quat, the marker bodies), joints (names, axes, ranges,
  torque limits) and inertials are the source's elements as written, so clips made for one file play on the other
  (`tests/character/test_g1_asset.py` compares their forward kinematics to 1e-9).
- **Collision by primitives, for speed** (the source collided with its meshes), each fitted to its link's mesh
  vertices in the body frame: boxes for the pelvis, the torso and the feet (bottom face = the sole, so the robot
  stands flat), a sphere for the head (as wide as it, touching its top), capsules along the principal axis for
  the other links (radius covering 90 % of the vertices), one capsule per hand (wrist yaw link and rubber hand).
  None on the waist links (none in the source either) nor the 4 cm ankle pitch housings. They are massless and
  in geom group 3, which the project's viewport does not draw (it draws MuJoCo's default groups 0-2); the meshes
  stay as visual-only geoms (group 1, contype = conaffinity = 0). Neighbours that overlap at rest or in the
  standing pose do not collide (the upper arms pass through the torso's box; forearms and hands hit it):{pairs}
- **PD drives**: a `position` actuator per joint (joint order, its name) with the gains below, the joints' own
  `actuatorfrcrange` as force limits and the motors' armature. Timestep 1/120 s, implicitfast (the engine's);
  friction 1.0 (feet too), condim 3 (the humanoid's). **Removed**: floor, light, skybox, textures, IMU sensors,
  scene settings: the engine adds its ground and reads every sensor value as a floor contact.

## PD gains

MimicKit's G1 (its `data/assets/g1/g1.xml`: joint stiffness, damping, armature), BeyondMimic's convention per
Unitree motor: kp = armature * w^2, kd = 2 * zeta * armature * w, w = 2 pi * 10 rad/s, zeta = 2. Ankles and waist
roll/pitch are two 5020 motors in parallel. The torque limits are the source joints' `actuatorfrcrange`.

| motor | joints | armature (kg m^2) | kp (N m/rad) | kd (N m s/rad) | torque limit (N m) |
|---|---|---:|---:|---:|---:|
{rows}

## Stability at 120 Hz and standing

`--measure-stability 0 0.02`: a ground plane, random PD targets within the joint ranges new every 1/30 s, 64
copies x 10 s from standing. With the motors' armature: 0 MuJoCo warnings, 0 solver resets, 0 non-finite or
|qvel| > 1e3 states; with a floor of 0.02 (the humanoid's): the same. So no floor is used (for scale, 32 x 5 s:
a quarter of the motors' armature is still stable, a tenth blows up 16 times, none 32 times).

The gains cannot hold the robot up by themselves: the ankles give 2 x 28.5 = 57 N m/rad against m g h = 34.4 x
9.81 x 0.7 = 236 N m/rad, so held under PD on the ground it tips forward within 1.3 s (policies balance the real
one). Moving both ankle pitch targets with the centre of mass's lead over the ankles (12 rad/m, 3 rad/(m/s))
keeps it standing, pelvis at 0.78 m; BeyondMimic's bent-knee standing pose sinks even so (knee kp 99 N m/rad).
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--target", type=Path, default=TARGET)
    parser.add_argument("--measure-stability", nargs="*", type=float, metavar="ARMATURE_FLOOR",
                        help="after building, measure PD stability at 120 Hz with these armature floors (kg m^2)")
    args = parser.parse_args()
    target = args.target
    target.mkdir(parents=True, exist_ok=True)
    if (target / "meshes").exists():
        shutil.rmtree(target / "meshes")
    (target / "meshes").mkdir()
    # Only the meshes the model uses (its visual geoms'); first, as checking the model compiles it.
    for mesh in build_tree(args.source / "g1_29dof.xml", {}, []).iter("mesh"):
        shutil.copyfile(args.source / mesh.get("file"), target / mesh.get("file"))
    excluded = write_model(args.source / "g1_29dof.xml", target / "g1.xml")
    for name in ("LICENSE", "LICENSE-GMR"):
        shutil.copyfile(args.source / name, target / name)
    (target / "README.md").write_text(readme(excluded))
    print(f"wrote {target}; collisions excluded between {len(excluded)} body pairs:")
    for a, b in excluded:
        print(f"  {a} - {b}")
    for floor in args.measure_stability or ():
        print(f"armature floor {floor:g}:")
        measure_stability(target / "g1.xml", floor)


if __name__ == "__main__":
    main()
