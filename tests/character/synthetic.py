"""Small characters written by the tests: a free root, a ball-like hinge triple, hinge chains, rest rotations on
bodies, arms and legs with feet that reach forward (and a variant with MuJoCo's own ball joints); and where the G1
robot is."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from amp_studio.paths import DATA_DIR, SHARED_DIR

PROJECT_G1 = DATA_DIR / "assets" / "g1" / "g1.xml"
SHARED_G1 = SHARED_DIR / "characters" / "unitree_g1" / "g1_29dof.xml"
G1_FILE = PROJECT_G1 if PROJECT_G1.is_file() else SHARED_G1


def g1_or_skip() -> Path:
    """The G1's file: the project's copy, else the shared one; skip (fail under CI=true) when neither is there."""
    if G1_FILE.is_file():
        return G1_FILE
    reason = f"the G1 robot is not in this checkout ({PROJECT_G1}) nor in the shared folder ({SHARED_G1})"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def write_character(folder: Path, names: str = "sided", facing: str = "+x", arms: bool = True) -> Path:
    """names: "sided" (left_foot, right_hand...) or "anonymous" (b_foot_a...: no side in any name);
    facing: "+x" or "+y" (the feet's toes point there)."""
    def name(part: str, side: str) -> str:
        if names == "sided":
            return f"{side}_{part}"
        return f"b_{part}_{'a' if side == 'left' else 'b'}"

    toe = "0.08 0 -0.04" if facing == "+x" else "0 0.08 -0.04"
    size = "0.1 0.04 0.02" if facing == "+x" else "0.04 0.1 0.02"

    def leg(side: str, y: float) -> str:
        hip = f'<joint name="{name("hip_pitch", side)}" axis="0 1 0" range="-1.5 1.5"/>'
        return _leg_xml(lambda part: name(part, side), y, hip, toe, size)

    def arm(side: str, y: float) -> str:
        return f"""
        <body name="{name('upper_arm', side)}" pos="0 {y} 0.3">
          <joint name="{name('shoulder', side)}" axis="1 0 0" range="-2 2"/>
          <geom type="capsule" fromto="0 0 0 0 {y:.2f} 0" size="0.04"/>
          <body name="{name('hand', side)}" pos="0 {y * 1.5:.3f} 0">
            <joint name="{name('wrist', side)}" axis="0 1 0" range="-1 1"/>
            <geom type="sphere" size="0.04"/>
          </body>
        </body>""" if arms else ""

    top = "head" if names == "sided" else "b_top"
    text = f"""<mujoco model="synthetic">
  <compiler angle="radian"/>
  <option timestep="0.0083333333"/>
  <worldbody>
    <body name="pelvis" pos="0 0 0.95">
      <freejoint name="root"/>
      <geom type="sphere" size="0.1"/>
      <body name="torso" pos="0 0 0.2">
        <joint name="spine_x" axis="1 0 0" range="-1 1"/>
        <joint name="spine_y" axis="0 1 0" range="-1 1"/>
        <joint name="spine_z" axis="0 0 1" range="-1 1"/>
        <geom type="capsule" fromto="0 0 0 0 0 0.3" size="0.08"/>
        <body name="{top}" pos="0 0 0.45" quat="0.7071068 0 0 0.7071068">
          <joint name="neck" axis="0 0 1" range="-1 1"/>
          <geom type="sphere" size="0.1"/>
        </body>{arm("left", 0.2)}{arm("right", -0.2)}
      </body>{leg("left", 0.1)}{leg("right", -0.1)}
    </body>
  </worldbody>
  <actuator>
""" + "".join(f'    <position joint="{j}" kp="100" kv="10"/>\n' for j in _joints(name, arms, top)) + """  </actuator>
</mujoco>
"""
    path = folder / "synthetic.xml"
    path.write_text(text)
    return path


def _joints(name, arms: bool, top: str) -> list[str]:
    out = ["spine_x", "spine_y", "spine_z", "neck"]
    if arms:
        out += [name(p, s) for s in ("left", "right") for p in ("shoulder", "wrist")]
    out += [name(p, s) for s in ("left", "right") for p in ("hip_pitch", "knee", "ankle")]
    return out


def write_ball_character(folder: Path, hip_gains: tuple = (400, 420, 440)) -> Path:
    """A character written with MuJoCo's own ball joints, as other people's files (SMPL-style bodies) are: hips
    and shoulders are `<joint type="ball">` (the hips limited to 1.6 rad, the shoulders unlimited) beside a hinge
    triple (the spine) and single hinges; rest rotations on bodies, left and right mirror images of each other.
    Each ball joint has three position actuators, one per axis of its exponential map (gear), the hips' x, y, z
    with the kp of hip_gains (so that a wrong axis order shows). Its physics is the humanoid's (implicitfast at
    120 Hz, armature 0.02): explicit damping would be unstable on its light hands and about its legs' long axes."""
    def arm(side: str, y: float, s: float) -> str:
        return f"""
        <body name="{side}_upper_arm" pos="0 {y} 0.3" quat="0.9659258 {s * 0.258819} 0 0">
          <joint name="{side}_shoulder" type="ball"/>
          <geom type="capsule" fromto="0 0 0 0 {y:.2f} 0" size="0.04"/>
          <body name="{side}_hand" pos="0 {y * 1.5:.3f} 0">
            <joint name="{side}_wrist" axis="0 1 0" range="-1 1"/>
            <geom type="sphere" size="0.04"/>
          </body>
        </body>"""

    def leg(side: str, y: float) -> str:
        hip = f'<joint name="{side}_hip" type="ball" range="0 1.6"/>'
        return _leg_xml(lambda part: f"{side}_{part}", y, hip, "0.08 0 -0.04", "0.1 0.04 0.02")

    def ball(joint: str, gains: tuple) -> str:
        return "".join(f'    <position joint="{joint}" gear="{gear}" kp="{kp}" kv="{kp / 10:g}"/>\n'
                       for gear, kp in zip(("1 0 0", "0 1 0", "0 0 1"), gains, strict=True))

    hinge = "".join(f'    <position joint="{j}" kp="300" kv="30"/>\n'
                    for j in ("spine_x", "spine_y", "spine_z", "neck"))
    actuators = hinge + "".join(ball(f"{side}_shoulder", (100, 100, 100)) + f'    <position joint="{side}_wrist" '
                                'kp="50" kv="5"/>\n' for side in ("left", "right"))
    actuators += "".join(ball(f"{side}_hip", hip_gains) + "".join(
        f'    <position joint="{side}_{j}" kp="400" kv="40"/>\n' for j in ("knee", "ankle"))
        for side in ("left", "right"))
    text = f"""<mujoco model="synthetic_ball">
  <compiler angle="radian"/>
  <option timestep="0.0083333333" integrator="implicitfast"/>
  <default><joint armature="0.02"/></default>
  <worldbody>
    <body name="pelvis" pos="0 0 0.95">
      <freejoint name="root"/>
      <geom type="sphere" size="0.1"/>
      <body name="torso" pos="0 0 0.2">
        <joint name="spine_x" axis="1 0 0" range="-1 1"/>
        <joint name="spine_y" axis="0 1 0" range="-1 1"/>
        <joint name="spine_z" axis="0 0 1" range="-1 1"/>
        <geom type="capsule" fromto="0 0 0 0 0 0.3" size="0.08"/>
        <body name="head" pos="0 0 0.45" quat="0.9659258 0 0.258819 0">
          <joint name="neck" axis="0 0 1" range="-1 1"/>
          <geom type="sphere" size="0.1"/>
        </body>{arm("left", 0.2, 1.0)}{arm("right", -0.2, -1.0)}
      </body>{leg("left", 0.1)}{leg("right", -0.1)}
    </body>
  </worldbody>
  <actuator>
{actuators}  </actuator>
</mujoco>
"""
    path = folder / "synthetic_ball.xml"
    path.write_text(text)
    return path


def _leg_xml(named, y: float, hip_joint: str, toe: str, size: str) -> str:
    """A leg (thigh turned at rest, shin turned back, foot whose box reaches toward the toes); named(part) gives
    each body's and joint's name, hip_joint the hip's <joint> element."""
    return f"""
      <body name="{named('thigh')}" pos="0 {y} -0.1" quat="0.9961947 0 0.0871557 0">
        {hip_joint}
        <geom type="capsule" fromto="0 0 0 0 0 -0.4" size="0.05"/>
        <body name="{named('shin')}" pos="0 0 -0.42" quat="0.9961947 0 -0.0871557 0">
          <joint name="{named('knee')}" axis="0 1 0" range="0 2.5"/>
          <geom type="capsule" fromto="0 0 0 0 0 -0.38" size="0.04"/>
          <body name="{named('foot')}" pos="0 0 -0.4">
            <joint name="{named('ankle')}" axis="0 1 0" range="-0.8 0.8"/>
            <geom type="box" pos="{toe}" size="{size}"/>
          </body>
        </body>
      </body>"""
