"""Synthetic BVH skeletons of each naming convention, in a T- or A-pose, with any up axis, unit and facing."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from amp_studio.motion.bvh_reader import BvhClip, BvhJoint

# A 1.8 m adult in metres: y up, facing +z, its left side at +x. Sided points are the left side's.
POINTS = {
    "floor": (0.0, 0.0, 0.0), "pelvis": (0.0, 0.98, 0.0), "spine": (0.0, 1.08, -0.01),
    "spine_mid": (0.0, 1.20, -0.01), "chest": (0.0, 1.35, 0.0), "upper_chest": (0.0, 1.42, 0.0),
    "neck": (0.0, 1.52, 0.0), "neck_mid": (0.0, 1.58, 0.01), "head": (0.0, 1.64, 0.02), "head_top": (0.0, 1.80, 0.02),
    "hip": (0.09, 0.92, 0.0), "knee": (0.09, 0.50, 0.01), "ankle": (0.09, 0.08, -0.01), "toe": (0.09, 0.02, 0.12),
    "toe_tip": (0.09, 0.01, 0.19), "clavicle": (0.03, 1.45, 0.0), "shoulder": (0.18, 1.45, -0.01),
    "elbow": (0.48, 1.45, -0.02), "wrist": (0.74, 1.45, -0.01), "finger": (0.83, 1.45, -0.01),
    "finger_tip": (0.92, 1.45, -0.01), "thumb": (0.77, 1.43, 0.04), "thumb_tip": (0.81, 1.42, 0.07),
}
SIDED = {"hip", "knee", "ankle", "toe", "toe_tip", "clavicle", "shoulder", "elbow", "wrist", "finger", "finger_tip",
         "thumb", "thumb_tip"}
BELOW_SHOULDER = {"elbow", "wrist", "finger", "finger_tip", "thumb", "thumb_tip"}
SIDES = {"left": {"Side": "Left", "S": "L", "s": "l"}, "right": {"Side": "Right", "S": "R", "s": "r"}}
REQUIRED_AND_TOES = ("pelvis", "head", "hip", "knee", "ankle", "toe", "shoulder", "elbow", "wrist")

# (name, parent, point) rows; "{Side}", "{S}", "{s}" make a row for each side. Names ending "_end" are end sites.
# EXPECTED: landmark (without its side) -> the joint's name.
CONVENTIONS = {
    "cmu": ([
        ("Hips", None, "pelvis"), ("{S}HipJoint", "Hips", "pelvis"), ("{Side}UpLeg", "{S}HipJoint", "hip"),
        ("{Side}Leg", "{Side}UpLeg", "knee"), ("{Side}Foot", "{Side}Leg", "ankle"),
        ("{Side}ToeBase", "{Side}Foot", "toe"), ("{Side}ToeBase_end", "{Side}ToeBase", "toe"),
        ("LowerBack", "Hips", "pelvis"), ("Spine", "LowerBack", "spine"), ("Spine1", "Spine", "chest"),
        ("Neck", "Spine1", "chest"), ("Neck1", "Neck", "neck_mid"), ("Head", "Neck1", "head"),
        ("Head_end", "Head", "head"), ("{Side}Shoulder", "Spine1", "chest"),
        ("{Side}Arm", "{Side}Shoulder", "shoulder"),
        ("{Side}ForeArm", "{Side}Arm", "elbow"), ("{Side}Hand", "{Side}ForeArm", "wrist"),
        ("{Side}FingerBase", "{Side}Hand", "wrist"), ("{Side}HandIndex1", "{Side}FingerBase", "finger"),
        ("{Side}HandIndex1_end", "{Side}HandIndex1", "finger"), ("{S}Thumb", "{Side}Hand", "wrist"),
        ("{S}Thumb_end", "{S}Thumb", "wrist"),
    ], {"pelvis": "Hips", "head": "Head", "hip": "{Side}UpLeg", "knee": "{Side}Leg", "ankle": "{Side}Foot",
        "toe": "{Side}ToeBase", "shoulder": "{Side}Arm", "elbow": "{Side}ForeArm", "wrist": "{Side}Hand",
        "hand": "{Side}HandIndex1", "spine": "Spine", "chest": "Spine1", "neck": "Neck"}),
    "mixamo": ([
        ("mixamorig:Hips", None, "pelvis"), ("mixamorig:Spine", "mixamorig:Hips", "spine"),
        ("mixamorig:Spine1", "mixamorig:Spine", "spine_mid"), ("mixamorig:Spine2", "mixamorig:Spine1", "chest"),
        ("mixamorig:Neck", "mixamorig:Spine2", "neck"), ("mixamorig:Head", "mixamorig:Neck", "head"),
        ("mixamorig:Head_end", "mixamorig:Head", "head_top"),
        ("mixamorig:{Side}Shoulder", "mixamorig:Spine2", "clavicle"),
        ("mixamorig:{Side}Arm", "mixamorig:{Side}Shoulder", "shoulder"),
        ("mixamorig:{Side}ForeArm", "mixamorig:{Side}Arm", "elbow"),
        ("mixamorig:{Side}Hand", "mixamorig:{Side}ForeArm", "wrist"),
        ("mixamorig:{Side}HandThumb1", "mixamorig:{Side}Hand", "thumb"),
        ("mixamorig:{Side}HandThumb1_end", "mixamorig:{Side}HandThumb1", "thumb_tip"),
        ("mixamorig:{Side}HandMiddle1", "mixamorig:{Side}Hand", "finger"),
        ("mixamorig:{Side}HandMiddle1_end", "mixamorig:{Side}HandMiddle1", "finger_tip"),
        ("mixamorig:{Side}UpLeg", "mixamorig:Hips", "hip"), ("mixamorig:{Side}Leg", "mixamorig:{Side}UpLeg", "knee"),
        ("mixamorig:{Side}Foot", "mixamorig:{Side}Leg", "ankle"),
        ("mixamorig:{Side}ToeBase", "mixamorig:{Side}Foot", "toe"),
        ("mixamorig:{Side}ToeBase_end", "mixamorig:{Side}ToeBase", "toe_tip"),
    ], {"pelvis": "mixamorig:Hips", "head": "mixamorig:Head", "hip": "mixamorig:{Side}UpLeg",
        "knee": "mixamorig:{Side}Leg", "ankle": "mixamorig:{Side}Foot", "toe": "mixamorig:{Side}ToeBase",
        "shoulder": "mixamorig:{Side}Arm", "elbow": "mixamorig:{Side}ForeArm", "wrist": "mixamorig:{Side}Hand",
        "hand": "mixamorig:{Side}HandMiddle1", "spine": "mixamorig:Spine", "chest": "mixamorig:Spine2",
        "neck": "mixamorig:Neck"}),
    "biped": ([  # 3ds Max hangs the thighs from the spine and the clavicles from the neck
        ("Bip01", None, "pelvis"), ("Bip01 Pelvis", "Bip01", "pelvis"), ("Bip01 Spine", "Bip01 Pelvis", "spine"),
        ("Bip01 {S} Thigh", "Bip01 Spine", "hip"), ("Bip01 {S} Calf", "Bip01 {S} Thigh", "knee"),
        ("Bip01 {S} Foot", "Bip01 {S} Calf", "ankle"), ("Bip01 {S} Toe0", "Bip01 {S} Foot", "toe"),
        ("Bip01 {S} Toe0_end", "Bip01 {S} Toe0", "toe_tip"), ("Bip01 Spine1", "Bip01 Spine", "chest"),
        ("Bip01 Neck", "Bip01 Spine1", "neck"), ("Bip01 {S} Clavicle", "Bip01 Neck", "clavicle"),
        ("Bip01 {S} UpperArm", "Bip01 {S} Clavicle", "shoulder"), ("Bip01 {S} Forearm", "Bip01 {S} UpperArm", "elbow"),
        ("Bip01 {S} Hand", "Bip01 {S} Forearm", "wrist"), ("Bip01 {S} Finger2", "Bip01 {S} Hand", "finger"),
        ("Bip01 {S} Finger2_end", "Bip01 {S} Finger2", "finger_tip"), ("Bip01 Head", "Bip01 Neck", "head"),
        ("Bip01 Head_end", "Bip01 Head", "head_top"),
    ], {"pelvis": "Bip01 Pelvis", "head": "Bip01 Head", "hip": "Bip01 {S} Thigh", "knee": "Bip01 {S} Calf",
        "ankle": "Bip01 {S} Foot", "toe": "Bip01 {S} Toe0", "shoulder": "Bip01 {S} UpperArm",
        "elbow": "Bip01 {S} Forearm", "wrist": "Bip01 {S} Hand", "hand": "Bip01 {S} Finger2", "spine": "Bip01 Spine",
        "chest": "Bip01 Spine1", "neck": "Bip01 Neck"}),
    "smpl": ([
        ("Pelvis", None, "pelvis"), ("{S}_Hip", "Pelvis", "hip"), ("{S}_Knee", "{S}_Hip", "knee"),
        ("{S}_Ankle", "{S}_Knee", "ankle"), ("{S}_Foot", "{S}_Ankle", "toe"), ("{S}_Foot_end", "{S}_Foot", "toe_tip"),
        ("Spine1", "Pelvis", "spine"), ("Spine2", "Spine1", "spine_mid"), ("Spine3", "Spine2", "chest"),
        ("Neck", "Spine3", "neck"), ("Head", "Neck", "head"), ("Head_end", "Head", "head_top"),
        ("{S}_Collar", "Spine3", "clavicle"), ("{S}_Shoulder", "{S}_Collar", "shoulder"),
        ("{S}_Elbow", "{S}_Shoulder", "elbow"), ("{S}_Wrist", "{S}_Elbow", "wrist"),
        ("{S}_Hand", "{S}_Wrist", "finger"),
        ("{S}_Hand_end", "{S}_Hand", "finger_tip"),
    ], {"pelvis": "Pelvis", "head": "Head", "hip": "{S}_Hip", "knee": "{S}_Knee", "ankle": "{S}_Ankle",
        "toe": "{S}_Foot", "shoulder": "{S}_Shoulder", "elbow": "{S}_Elbow", "wrist": "{S}_Wrist", "hand": "{S}_Hand",
        "spine": "Spine1", "chest": "Spine3", "neck": "Neck"}),
    "lafan1": ([
        ("Hips", None, "pelvis"), ("{Side}UpLeg", "Hips", "hip"), ("{Side}Leg", "{Side}UpLeg", "knee"),
        ("{Side}Foot", "{Side}Leg", "ankle"), ("{Side}Toe", "{Side}Foot", "toe"),
        ("{Side}Toe_end", "{Side}Toe", "toe_tip"),
        ("Spine", "Hips", "spine"), ("Spine1", "Spine", "spine_mid"), ("Spine2", "Spine1", "chest"),
        ("Neck", "Spine2", "neck"), ("Head", "Neck", "head"), ("Head_end", "Head", "head_top"),
        ("{Side}Shoulder", "Spine2", "clavicle"), ("{Side}Arm", "{Side}Shoulder", "shoulder"),
        ("{Side}ForeArm", "{Side}Arm", "elbow"), ("{Side}Hand", "{Side}ForeArm", "wrist"),
        ("{Side}Hand_end", "{Side}Hand", "finger"),
    ], {"pelvis": "Hips", "head": "Head", "hip": "{Side}UpLeg", "knee": "{Side}Leg", "ankle": "{Side}Foot",
        "toe": "{Side}Toe", "shoulder": "{Side}Arm", "elbow": "{Side}ForeArm", "wrist": "{Side}Hand",
        "hand": "{Side}Hand_end", "spine": "Spine", "chest": "Spine2", "neck": "Neck"}),
    "humanik": ([  # a Reference root on the floor under the hips
        ("Character1_Reference", None, "floor"), ("Character1_Hips", "Character1_Reference", "pelvis"),
        ("Character1_{Side}UpLeg", "Character1_Hips", "hip"),
        ("Character1_{Side}Leg", "Character1_{Side}UpLeg", "knee"),
        ("Character1_{Side}Foot", "Character1_{Side}Leg", "ankle"),
        ("Character1_{Side}ToeBase", "Character1_{Side}Foot", "toe"),
        ("Character1_{Side}ToeBase_end", "Character1_{Side}ToeBase", "toe_tip"),
        ("Character1_Spine", "Character1_Hips", "spine"), ("Character1_Spine1", "Character1_Spine", "spine_mid"),
        ("Character1_Spine2", "Character1_Spine1", "chest"), ("Character1_Neck", "Character1_Spine2", "neck"),
        ("Character1_Neck1", "Character1_Neck", "neck_mid"), ("Character1_Head", "Character1_Neck1", "head"),
        ("Character1_Head_end", "Character1_Head", "head_top"),
        ("Character1_{Side}Shoulder", "Character1_Spine2", "clavicle"),
        ("Character1_{Side}Arm", "Character1_{Side}Shoulder", "shoulder"),
        ("Character1_{Side}ForeArm", "Character1_{Side}Arm", "elbow"),
        ("Character1_{Side}Hand", "Character1_{Side}ForeArm", "wrist"),
        ("Character1_{Side}HandIndex1", "Character1_{Side}Hand", "finger"),
        ("Character1_{Side}HandIndex1_end", "Character1_{Side}HandIndex1", "finger_tip"),
    ], {"pelvis": "Character1_Hips", "head": "Character1_Head", "hip": "Character1_{Side}UpLeg",
        "knee": "Character1_{Side}Leg", "ankle": "Character1_{Side}Foot", "toe": "Character1_{Side}ToeBase",
        "shoulder": "Character1_{Side}Arm", "elbow": "Character1_{Side}ForeArm", "wrist": "Character1_{Side}Hand",
        "hand": "Character1_{Side}HandIndex1", "spine": "Character1_Spine", "chest": "Character1_Spine2",
        "neck": "Character1_Neck"}),
    "blender": ([
        ("hips", None, "pelvis"), ("thigh.{S}", "hips", "hip"), ("shin.{S}", "thigh.{S}", "knee"),
        ("foot.{S}", "shin.{S}", "ankle"), ("toe.{S}", "foot.{S}", "toe"), ("toe.{S}_end", "toe.{S}", "toe_tip"),
        ("spine", "hips", "spine"), ("spine.001", "spine", "spine_mid"), ("chest", "spine.001", "chest"),
        ("neck", "chest", "neck"), ("head", "neck", "head"), ("head_end", "head", "head_top"),
        ("shoulder.{S}", "chest", "clavicle"), ("upper_arm.{S}", "shoulder.{S}", "shoulder"),
        ("forearm.{S}", "upper_arm.{S}", "elbow"), ("hand.{S}", "forearm.{S}", "wrist"),
        ("hand.{S}_end", "hand.{S}", "finger"),
    ], {"pelvis": "hips", "head": "head", "hip": "thigh.{S}", "knee": "shin.{S}", "ankle": "foot.{S}",
        "toe": "toe.{S}", "shoulder": "upper_arm.{S}", "elbow": "forearm.{S}", "wrist": "hand.{S}",
        "hand": "hand.{S}_end", "spine": "spine", "chest": "chest", "neck": "neck"}),
    "rokoko": ([  # Rokoko / Unity humanoid names
        ("Hips", None, "pelvis"), ("{Side}UpperLeg", "Hips", "hip"), ("{Side}LowerLeg", "{Side}UpperLeg", "knee"),
        ("{Side}Foot", "{Side}LowerLeg", "ankle"), ("{Side}Toes", "{Side}Foot", "toe"),
        ("{Side}Toes_end", "{Side}Toes", "toe_tip"), ("Spine", "Hips", "spine"), ("Chest", "Spine", "spine_mid"),
        ("UpperChest", "Chest", "chest"), ("Neck", "UpperChest", "neck"), ("Head", "Neck", "head"),
        ("Head_end", "Head", "head_top"), ("{Side}Shoulder", "UpperChest", "clavicle"),
        ("{Side}UpperArm", "{Side}Shoulder", "shoulder"), ("{Side}LowerArm", "{Side}UpperArm", "elbow"),
        ("{Side}Hand", "{Side}LowerArm", "wrist"), ("{Side}Hand_end", "{Side}Hand", "finger"),
    ], {"pelvis": "Hips", "head": "Head", "hip": "{Side}UpperLeg", "knee": "{Side}LowerLeg", "ankle": "{Side}Foot",
        "toe": "{Side}Toes", "shoulder": "{Side}UpperArm", "elbow": "{Side}LowerArm", "wrist": "{Side}Hand",
        "hand": "{Side}Hand_end", "spine": "Spine", "chest": "UpperChest", "neck": "Neck"}),
    "bandai": ([
        ("Hips", None, "pelvis"), ("UpperLeg_{S}", "Hips", "hip"), ("LowerLeg_{S}", "UpperLeg_{S}", "knee"),
        ("Foot_{S}", "LowerLeg_{S}", "ankle"), ("Toes_{S}", "Foot_{S}", "toe"), ("Toes_{S}_end", "Toes_{S}", "toe_tip"),
        ("Spine", "Hips", "spine"), ("Chest", "Spine", "chest"), ("Neck", "Chest", "neck"), ("Head", "Neck", "head"),
        ("Head_end", "Head", "head_top"), ("Shoulder_{S}", "Chest", "clavicle"),
        ("UpperArm_{S}", "Shoulder_{S}", "shoulder"), ("LowerArm_{S}", "UpperArm_{S}", "elbow"),
        ("Hand_{S}", "LowerArm_{S}", "wrist"), ("Hand_{S}_end", "Hand_{S}", "finger"),
    ], {"pelvis": "Hips", "head": "Head", "hip": "UpperLeg_{S}", "knee": "LowerLeg_{S}", "ankle": "Foot_{S}",
        "toe": "Toes_{S}", "shoulder": "UpperArm_{S}", "elbow": "LowerArm_{S}", "wrist": "Hand_{S}",
        "hand": "Hand_{S}_end", "spine": "Spine", "chest": "Chest", "neck": "Neck"}),
    "daz": ([  # Poser / DAZ: the root is "hip", the upper arm "lShldr", no toe joint
        ("hip", None, "pelvis"), ("{s}Thigh", "hip", "hip"), ("{s}Shin", "{s}Thigh", "knee"),
        ("{s}Foot", "{s}Shin", "ankle"), ("{s}Foot_end", "{s}Foot", "toe"), ("abdomen", "hip", "spine"),
        ("chest", "abdomen", "chest"), ("neck", "chest", "neck"), ("head", "neck", "head"),
        ("head_end", "head", "head_top"), ("{s}Collar", "chest", "clavicle"), ("{s}Shldr", "{s}Collar", "shoulder"),
        ("{s}ForeArm", "{s}Shldr", "elbow"), ("{s}Hand", "{s}ForeArm", "wrist"), ("{s}Hand_end", "{s}Hand", "finger"),
    ], {"pelvis": "hip", "head": "head", "hip": "{s}Thigh", "knee": "{s}Shin", "ankle": "{s}Foot",
        "toe": "{s}Foot_end", "shoulder": "{s}Shldr", "elbow": "{s}ForeArm", "wrist": "{s}Hand",
        "hand": "{s}Hand_end", "spine": "abdomen", "chest": "chest", "neck": "neck"}),
}
SIDED_LANDMARKS = {"hip", "knee", "ankle", "toe", "shoulder", "elbow", "wrist", "hand"}


def expected_names(convention: str) -> dict[str, str]:
    """Landmark (with its side) -> the joint's name, for the convention."""
    out = {}
    for key, template in CONVENTIONS[convention][1].items():
        for side in ("left", "right") if key in SIDED_LANDMARKS else (None,):
            out[f"{side}_{key}" if side else key] = template.format(**SIDES[side]) if side else template
    return out


def _point(key: str, side: str | None, pose: str) -> np.ndarray:
    p = np.array(POINTS[key], dtype=np.float64)
    if pose == "A" and key in BELOW_SHOULDER:  # the arm turned 40 degrees down about the shoulder
        s = np.array(POINTS["shoulder"])
        a = np.radians(40.0)
        d = p - s
        p = s + np.array([d[0] * np.cos(a) + d[1] * np.sin(a), -d[0] * np.sin(a) + d[1] * np.cos(a), d[2]])
    if side == "right":
        p[0] = -p[0]
    return p


def _to_file(p: np.ndarray, up: str, facing: float, mirror: bool) -> np.ndarray:
    """A y-up point turned `facing` degrees about up, reflected left-right when mirror, in the file's axes."""
    a = np.radians(facing)
    x, y, z = p[0] * np.cos(a) + p[2] * np.sin(a), p[1], -p[0] * np.sin(a) + p[2] * np.cos(a)
    if mirror:
        x = -x
    return {"+y": np.array([x, y, z]), "+z": np.array([x, -z, y]), "-z": np.array([x, z, -y])}[up]


def build_clip(convention: str, pose: str = "T", up: str = "+y", unit: float = 1.0, facing: float = 0.0,
               mirror: bool = False, anonymous: bool = False, num_frames: int = 3) -> BvhClip:
    """The convention's skeleton standing in its rest pose; each frame is the rest pose too. unit: metres per
    file unit; anonymous: joints named j00, j01, ... (end sites '<parent>_end')."""
    rows = []
    for name, parent, key in CONVENTIONS[convention][0]:
        for side in ("left", "right") if "{" in name else (None,):
            fill = SIDES[side] if side else {}
            rows.append((name.format(**fill), parent.format(**fill) if parent else None,
                         _point(key, side if key in SIDED else None, pose)))
    order, children = [], {}
    for row in rows:
        children.setdefault(row[1], []).append(row)
    todo = list(reversed(children[None]))
    while todo:  # depth first, children in row order, as a BVH file lists them
        row = todo.pop()
        order.append(row)
        todo += reversed(children.get(row[0], []))
    index = {row[0]: i for i, row in enumerate(order)}
    joints, names = [], []
    for i, (name, parent, p) in enumerate(order):
        end = name.endswith("_end")
        if anonymous:
            name = f"{names[index[parent]]}_end" if end else f"j{i:02d}"
        names.append(name)
        base = order[index[parent]][2] if parent else np.zeros(3)
        channels = () if end else ("Xposition", "Yposition", "Zposition", "Zrotation", "Yrotation",
                                   "Xrotation") if parent is None else ("Zrotation", "Yrotation", "Xrotation")
        joints.append(BvhJoint(name=name, parent=index[parent] if parent else -1,
                               offset=_to_file(p - base, up, facing, mirror) / unit, channels=channels, end_site=end))
    values = np.zeros((num_frames, sum(len(j.channels) for j in joints)))
    values[:, :3] = joints[0].offset
    return BvhClip(path=Path(f"{convention}.bvh"), joints=joints, frame_time=1 / 30, values=values)
