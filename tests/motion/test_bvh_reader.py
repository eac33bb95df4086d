"""The BVH reader: poses worked out by hand, the shared mocap clips against an independent reader (bvhio), round
trips through write_bvh, one clear line for every kind of broken file, and the layouts real exporters write."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from amp_studio.errors import MotionError
from amp_studio.motion.bvh_reader import BvhClip, BvhJoint, read_bvh, write_bvh
from amp_studio.paths import SHARED_DIR

BVH_DIR = SHARED_DIR / "motions" / "bvh"
XIA_FRAMES = {"neutral_01_000.bvh": 327, "neutral_16_000.bvh": 150, "angry_13_000.bvh": 140, "old_13_000.bvh": 189}
ZYX = ("Zrotation", "Yrotation", "Xrotation")
XYZ_POS = ("Xposition", "Yposition", "Zposition")


@pytest.fixture(scope="module")
def bvh_dir():
    if not (BVH_DIR / "xia").is_dir():
        reason = f"BVH clips not found at {BVH_DIR} (the shared/ folder beside this checkout)"
        if os.environ.get("CI") == "true":  # CI has the clips: their absence there is a broken setup, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    return BVH_DIR / "xia"


def _bvh(tmp_path, text: str | bytes, name: str = "clip.bvh"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def _skeleton(joints: str, frames: list[str], frame_time: str = "0.0333333") -> str:
    return (f"HIERARCHY\n{joints}\nMOTION\nFrames: {len(frames)}\nFrame Time: {frame_time}\n" + "\n".join(frames)
            + "\n")


# ----- poses by hand -----

CHAIN = """ROOT A
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
  JOINT B
  {
    OFFSET 1 0 0
    CHANNELS 3 Zrotation Yrotation Xrotation
    End Site
    {
      OFFSET 1 0 0
    }
  }
}"""


def test_a_three_joint_chain_turned_90_degrees_about_z(tmp_path):
    clip = read_bvh(_bvh(tmp_path, _skeleton(CHAIN, ["10 20 30 90 0 0 0 0 0", "10 20 30 90 0 0 90 0 0"])))
    assert [j.name for j in clip.joints] == ["A", "B", "B_end"]
    assert [j.parent for j in clip.joints] == [-1, 0, 1]
    assert [j.end_site for j in clip.joints] == [False, False, True]
    assert clip.joints[0].channels == XYZ_POS + ZYX and clip.joints[2].channels == ()
    assert [clip.channel_start(j) for j in range(3)] == [0, 6, 9]
    positions, rotations = clip.global_transforms()
    # Frame 0: the root's z turn takes x to y: B one unit along +y from the root, its end two.
    np.testing.assert_allclose(positions[0], [[10, 20, 30], [10, 21, 30], [10, 22, 30]], atol=1e-12)
    # Frame 1: B turns another 90 degrees, so its bone points along -x.
    np.testing.assert_allclose(positions[1], [[10, 20, 30], [10, 21, 30], [9, 21, 30]], atol=1e-12)
    np.testing.assert_allclose(rotations[1, 2], [[-1, 0, 0], [0, -1, 0], [0, 0, 1]], atol=1e-12)
    np.testing.assert_allclose(clip.rest_positions(), [[0, 0, 0], [1, 0, 0], [2, 0, 0]])
    np.testing.assert_allclose(clip.local_rotations()[:, 2], np.broadcast_to(np.eye(3), (2, 3, 3)))


ONE_TURNING_JOINT = """ROOT R
{{
  OFFSET 0 0 0
  CHANNELS 3 {order}
  End Site
  {{
    OFFSET 1 0 0
  }}
}}"""


@pytest.mark.parametrize("order,values,expected", [
    # R = Rx(90) @ Ry(0) @ Rz(90): z takes x to y, then x takes y to z.
    ("Xrotation Yrotation Zrotation", "90 0 90", [0, 0, 1]),
    # The same angles listed Z X Y: R = Rz(90) @ Rx(90) @ Ry(0): x leaves x alone, then z takes x to y.
    ("Zrotation Xrotation Yrotation", "90 90 0", [0, 1, 0]),
])
def test_the_channel_order_is_the_order_of_the_rotations(tmp_path, order, values, expected):
    clip = read_bvh(_bvh(tmp_path, _skeleton(ONE_TURNING_JOINT.format(order=order), [values])))
    np.testing.assert_allclose(clip.global_transforms()[0][0, 1], expected, atol=1e-12)


def test_a_position_channel_on_a_joint_replaces_that_part_of_its_offset(tmp_path):
    joints = """ROOT R
{
  OFFSET 0 0 0
  CHANNELS 3 Zrotation Yrotation Xrotation
  JOINT Arm
  {
    OFFSET 1 2 3
    CHANNELS 2 Yposition Zrotation
    End Site
    {
      OFFSET 0 1 0
    }
  }
}"""
    clip = read_bvh(_bvh(tmp_path, _skeleton(joints, ["0 0 0 5 90"])))
    np.testing.assert_allclose(clip.local_translations()[0, 1], [1, 5, 3])
    positions, _ = clip.global_transforms()
    np.testing.assert_allclose(positions[0, 1], [1, 5, 3], atol=1e-12)
    np.testing.assert_allclose(positions[0, 2], [0, 5, 3], atol=1e-12)  # z turns the end's +y to -x
    np.testing.assert_allclose(clip.rest_positions()[1], [1, 2, 3])


def test_end_site_names_do_not_take_a_joint_name(tmp_path):
    joints = """ROOT B
{
  OFFSET 0 0 0
  CHANNELS 1 Zrotation
  End Site
  {
    OFFSET 0 1 0
  }
  JOINT B_end
  {
    OFFSET 1 0 0
    CHANNELS 0
    End Site
    {
      OFFSET 1 0 0
    }
  }
  End Site
  {
    OFFSET 0 0 1
  }
}"""
    clip = read_bvh(_bvh(tmp_path, _skeleton(joints, ["0"])))
    assert [j.name for j in clip.joints] == ["B", "B_end_2", "B_end", "B_end_end", "B_end_3"]
    assert clip.joint_index("B_end") == 2 and clip.joints[2].channels == ()
    with pytest.raises(MotionError, match="clip.bvh: no joint named 'Hips'"):
        clip.joint_index("Hips")


EXPORTER_LAYOUT = ("HIERARCHY\r\nROOT Character1.Hips {\r\n  OFFSET  +1.5e0\t-0\t1e-3 \r\n"
                   "\tCHANNELS 6 XPOSITION yposition Zposition zrotation Xrotation Yrotation\r\n\r\n"
                   "  JOINT mixamorig:LeftArm\t{\r\n     OFFSET 1 0 0\r\n"
                   "     CHANNELS 3 Zrotation Xrotation Yrotation\r\n"
                   "     JOINT Bip01 L Thigh\r\n     {\r\n        OFFSET 0 -1 0\r\n        CHANNELS 0\r\n"
                   "        End Site { OFFSET 0 0 1 }\r\n     }\r\n  }\r\n}\r\n\r\nMOTION\r\nFrames:\t2\r\n"
                   "Frame Time:   0.0416667\r\n\r\n1 2 3 90 0 0\t0 0 0\r\n-0 +1.5 1E-3 0 0 0 0 0 90  \r\n\r\n")


@pytest.mark.parametrize("encode", [str.encode, lambda text: b"\xef\xbb\xbf" + text.encode()], ids=["plain", "bom"])
def test_crlf_tabs_braces_on_the_line_and_names_with_spaces_colons_and_dots(tmp_path, encode):
    clip = read_bvh(_bvh(tmp_path, encode(EXPORTER_LAYOUT)))
    assert [j.name for j in clip.joints] == ["Character1.Hips", "mixamorig:LeftArm", "Bip01 L Thigh",
                                             "Bip01 L Thigh_end"]
    assert clip.joints[0].channels == XYZ_POS + ("Zrotation", "Xrotation", "Yrotation")
    assert clip.joints[2].channels == ()
    np.testing.assert_array_equal(clip.joints[0].offset, [1.5, 0.0, 0.001])
    assert clip.num_frames == 2 and clip.fps == pytest.approx(24.0, abs=1e-3)
    positions, _ = clip.global_transforms()
    # Frame 0: the root at (1, 2, 3) turned 90 degrees about z; frame 1: the arm turned 90 degrees about y.
    np.testing.assert_allclose(positions[0], [[1, 2, 3], [1, 3, 3], [2, 3, 3], [2, 3, 4]], atol=1e-12)
    np.testing.assert_allclose(positions[1], [[0, 1.5, 1e-3], [1, 1.5, 1e-3], [1, 0.5, 1e-3], [2, 0.5, 1e-3]],
                               atol=1e-12)


def test_latin1_names_are_read(tmp_path):
    text = _skeleton("ROOT Hanche_\xe9\n{\n OFFSET 0 0 0\n CHANNELS 1 Xrotation\n}", ["0"])
    assert read_bvh(_bvh(tmp_path, text.encode("latin-1"))).joints[0].name == "Hanche_\xe9"


# ----- the shared mocap clips -----

def test_the_xia_clips_are_what_their_readme_says(bvh_dir):
    for name, frames in XIA_FRAMES.items():
        clip = read_bvh(bvh_dir / name)
        assert clip.num_frames == frames and clip.fps == pytest.approx(120.0, abs=0.01)
        assert clip.joints[0].name == "Hips" and clip.joints[0].channels == XYZ_POS + ZYX
        assert all(j.channels == (ZYX if not j.end_site else ()) for j in clip.joints[1:])
        positions, _ = clip.global_transforms()
        feet = [clip.joint_index(n) for n in ("LeftToeBase_end", "RightToeBase_end", "LeftFoot", "RightFoot")]
        height = np.median(positions[:, 0, 1] - positions[:, feet, 1].min(axis=1))  # Y up
        assert 15.5 < height < 17.5, f"{name}: hips {height:.2f} units above the lowest foot"


def test_global_positions_match_bvhio(bvh_dir):
    bvhio = pytest.importorskip("bvhio")  # test-only: an independent reader (float32 glm math)
    for name in XIA_FRAMES:
        clip = read_bvh(bvh_dir / name)
        positions, _ = clip.global_transforms()
        reference = bvhio.readAsHierarchy(str(bvh_dir / name))
        columns = None
        for frame in range(clip.num_frames):
            reference.loadPose(frame)
            layout = reference.layout()  # its joints without end sites
            columns = columns or [clip.joint_index(joint.Name) for joint, _, _ in layout]
            theirs = np.array([list(joint.PositionWorld) for joint, _, _ in layout])
            np.testing.assert_allclose(positions[frame, columns], theirs, atol=1e-3, err_msg=f"{name} frame {frame}")


# ----- writing back -----

def _assert_same(a: BvhClip, b: BvhClip) -> None:
    assert [(j.name, j.parent, j.channels, j.end_site) for j in a.joints] == [
        (j.name, j.parent, j.channels, j.end_site) for j in b.joints]
    np.testing.assert_allclose([j.offset for j in a.joints], [j.offset for j in b.joints], atol=1e-6)
    np.testing.assert_allclose(a.values, b.values, atol=1e-6)
    assert a.frame_time == pytest.approx(b.frame_time, abs=1e-9)


def test_the_xia_clips_round_trip(bvh_dir, tmp_path):
    for name in XIA_FRAMES:
        clip = read_bvh(bvh_dir / name)
        write_bvh(clip, tmp_path / name)
        _assert_same(read_bvh(tmp_path / name), clip)


def test_an_exporter_layout_round_trips_in_standard_layout(tmp_path):
    clip = read_bvh(_bvh(tmp_path, EXPORTER_LAYOUT))
    write_bvh(clip, tmp_path / "out.bvh")
    text = (tmp_path / "out.bvh").read_text()
    assert "\r" not in text and "\tJOINT mixamorig:LeftArm\n\t{\n\t\tOFFSET 1.000000 0.000000 0.000000\n" in text
    _assert_same(read_bvh(tmp_path / "out.bvh"), clip)


def _big_clip(frames: int = 10_000, joints: int = 60) -> BvhClip:
    """Five limbs of twelve joints under a root with positions; every joint its own rotation order."""
    rng = np.random.default_rng(0)
    orders = [ZYX, ("Xrotation", "Yrotation", "Zrotation"), ("Yrotation", "Xrotation", "Zrotation")]
    made = [BvhJoint("root", -1, np.zeros(3), XYZ_POS + ZYX, False)]
    for k in range(1, joints):
        made.append(BvhJoint(f"joint {k}", 0 if k % 12 == 1 else k - 1, rng.normal(size=3), orders[k % 3], False))
    width = sum(len(j.channels) for j in made)
    return BvhClip("big.bvh", made, 1 / 120, rng.uniform(-180, 180, (frames, width)))


def test_a_10000_frame_60_joint_file_reads_in_well_under_a_second(tmp_path):
    clip = _big_clip()
    write_bvh(clip, tmp_path / "big.bvh")
    start = time.perf_counter()
    back = read_bvh(tmp_path / "big.bvh")
    seconds = time.perf_counter() - start
    _assert_same(back, clip)
    assert seconds < 1.5, f"{seconds:.2f} s"  # about 0.3 s; the margin is for two busy shared cores


def test_write_refuses_joints_out_of_depth_first_order(tmp_path):
    clip = _big_clip(frames=2, joints=3)
    clip.joints[1], clip.joints[2] = clip.joints[2], clip.joints[1]
    with pytest.raises(MotionError, match="not in depth-first order"):
        write_bvh(clip, tmp_path / "bad.bvh")


# ----- broken files: one line naming the file and the line -----

BASE = _skeleton(CHAIN, ["0 1 0 0 0 0 10 0 0", "0 1 0 0 0 0 20 0 0"])  # lines 19 and 20 are the frames
BASE_LINES = BASE.splitlines()


def _edit(line: int, new: str | None) -> str:
    """BASE with a 1-based line replaced (None: removed)."""
    lines = list(BASE_LINES)
    lines[line - 1:line] = [] if new is None else [new]
    return "\n".join(lines) + "\n"


def _many_joints(count: int, channels: str = "CHANNELS 0") -> str:
    """The root (lines 2-5) and `count` sibling joints from line 6: one line each without channels, else five."""
    siblings = "".join(f"  JOINT j{i} {{ OFFSET 0 0 0 }}\n" if channels == "CHANNELS 0" else
                       f"  JOINT j{i}\n  {{\n    OFFSET 0 0 0\n    {channels}\n  }}\n" for i in range(count))
    return _skeleton(f"ROOT R\n{{\n  OFFSET 0 0 0\n  CHANNELS 1 Xrotation\n{siblings}}}", ["0"])


# Line 5 + 3i declares j<i>; j255 would be the 257th level.
DEEP = "ROOT R\n{\nOFFSET 0 0 0\n" + "".join(f"JOINT j{i}\n{{\nOFFSET 0 0 1\n" for i in range(300)) + "}\n" * 301
BAD_FILES = {
    "truncated frames": (BASE.rsplit("0 1 0", 1)[0].rstrip() + "\n", 19, "ends after 1 of the 2 frames"),
    "truncated in a frame": (BASE[:-8], 20, "6 values, expected 9"),
    "a short frame line": (_edit(20, "0 1 0 0 0 0 20 0"), 20, "8 values, expected 9"),
    "a long frame line": (_edit(19, "0 1 0 0 0 0 10 0 0 7"), 19, "10 values, expected 9"),
    "more frames than announced": (BASE + "0 1 0 0 0 0 30 0 0\n", 21, "more frames than the 2"),
    "NaN": (_edit(19, "0 1 0 0 0 0 nan 0 0"), 19, "value 7 (nan) is not a finite number"),
    "inf": (_edit(20, "0 1 0 0 0 0 0 -inf 0"), 20, "value 8 (-inf) is not a finite number"),
    "a huge value": (_edit(20, "0 1e300 0 0 0 0 0 0 0"), 20, "value 2 (1e+300) is not a finite number"),
    "a word among the values": (_edit(19, "0 1 0 abc 0 0 10 0 0"), 19, "value 4 is not a number: 'abc'"),
    "digits of another script": (_edit(19, "0 1 0 \u0661 0 0 10 0 0"), 19, "value 4 is not a number"),
    "a number with an underscore": (_edit(20, "0 1_000 0 0 0 0 10 0 0"), 20, "value 2 is not a number: '1_000'"),
    "a zero frame time": (_edit(18, "Frame Time: 0"), 18, "Frame Time must be positive"),
    "a negative frame time": (_edit(18, "Frame Time: -0.03"), 18, "Frame Time must be positive"),
    "a word for the frame time": (_edit(18, "Frame Time: fast"), 18, "Frame Time: 'fast' is not a number"),
    "a NaN frame time": (_edit(18, "Frame Time: nan"), 18, "Frame Time: 'nan' is not a number"),
    "no frame time": (_edit(18, None), 18, "expected 'Frame Time: seconds'"),
    "a fraction of frames": (_edit(17, "Frames: 2.5"), 17, "expected 'Frames: N (a whole number)'"),
    "too many frames": (_edit(17, "Frames: 2000000"), 17, "2,000,000 frames, at most 1,000,000"),
    "a 30-digit frame count": (_edit(17, "Frames: " + "9" * 30), 17, "expected 'Frames: N"),
    "an unknown channel": (_edit(9, "CHANNELS 3 Zrotation Yrotation Wrotation"), 9, "unknown channel 'Wrotation'"),
    "a channel twice": (_edit(9, "CHANNELS 3 Zrotation Zrotation Xrotation"), 9, "Zrotation listed twice"),
    "a wrong channel count": (_edit(9, "CHANNELS 4 Zrotation Yrotation Xrotation"), 9, "CHANNELS says 4 but lists 3"),
    "a channel count that is no number": (_edit(9, "CHANNELS Zrotation"), 9, "CHANNELS needs a count"),
    "no MOTION section": ("\n".join(BASE_LINES[:15]) + "\n", 15, "no MOTION section"),
    "no ROOT": ("HIERARCHY\nMOTION\nFrames: 1\nFrame Time: 0.1\n0\n", 2, "no ROOT before MOTION"),
    "only HIERARCHY": ("HIERARCHY\n\n", 2, "no ROOT"),
    "two ROOTs": (_edit(15, "}\nROOT Other\n{\nOFFSET 0 0 0\n}"), 16, "a second ROOT 'Other'"),
    "a missing closing brace": (_edit(13, None), 15, "MOTION with 1 block(s) still open"),
    "an extra closing brace": (_edit(15, "}\n}"), 16, "'}' with no block open"),
    "a file that ends inside a block": ("\n".join(BASE_LINES[:12]) + "\n", 12, "unbalanced braces"),
    "an opening brace with no joint": (_edit(4, "{"), 4, "'{' with no JOINT"),
    "no brace after a joint": (_edit(7, "OFFSET 0 1 0"), 7, "expected '{' after joint 'B'"),
    "nesting deeper than 256": (_skeleton(DEEP, ["0"]), 5 + 3 * 255, "nested more than 256 deep"),
    "more than 10,000 joints": (_many_joints(10_001), 5 + 10_000, "more than 10,000 joints"),
    "more than 10,000 channels": (_many_joints(2000, "CHANNELS 6 " + " ".join(XYZ_POS + ZYX)),
                                  6 + 5 * 1666 + 3, "more than 10,000 channels"),
    "more than 100 million values": (_many_joints(20, "CHANNELS 6 " + " ".join(XYZ_POS + ZYX)).replace(
        "Frames: 1", "Frames: 1000000"), 108, "over 100,000,000 values"),
    "a duplicate joint name": (_edit(6, "JOINT A"), 6, "a second joint named 'A' (first on line 2)"),
    "a joint with no name": (_edit(6, "JOINT"), 6, "a joint with no name"),
    "an OFFSET of two numbers": (_edit(8, "OFFSET 1 0"), 8, "OFFSET needs 3 numbers, found 2"),
    "an OFFSET of NaN": (_edit(8, "OFFSET 1 nan 0"), 8, "OFFSET: 'nan' is not a number"),
    "no OFFSET": (_edit(8, None), 13, "joint 'B' has no OFFSET"),
    "channels on an End Site": (_edit(12, "OFFSET 1 0 0\nCHANNELS 1 Xrotation"), 13, "End Site has no channels"),
    "a joint in an End Site": (_edit(12, "OFFSET 1 0 0\nJOINT C"), 13, "End Site cannot have child joints"),
    "an unknown keyword": (_edit(8, "OFSET 1 0 0"), 8, "unexpected 'OFSET 1 0 0'"),
    "no hierarchy at all": ("ROOT A\n{\n}\n", 1, "not a BVH file: expected 'HIERARCHY'"),
    "a DeepMimic clip": ('{"Loop": "wrap", "Frames": [[0.03, 0, 0.8]]}\n', 1, "not a BVH file"),
    "an empty file": ("", 1, "empty file"),
    "only blank lines": ("\n  \n\t\n", 3, "empty file"),
    "UTF-16 text": (BASE.encode("utf-16"), 1, "a NUL byte: not a text file"),
    "binary": (b"HIERARCHY\nROOT A\n\x89PNG\x00\x01", 3, "a NUL byte: not a text file"),
}


@pytest.mark.parametrize("text,line,problem", list(BAD_FILES.values()), ids=list(BAD_FILES))
def test_a_broken_file_is_one_line_naming_the_file_and_the_line(tmp_path, text, line, problem):
    path = _bvh(tmp_path, text)
    with pytest.raises(MotionError) as caught:
        read_bvh(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: line {line}: "), message
    assert problem in message and "\n" not in message, message


def test_the_base_of_the_broken_files_reads(tmp_path):
    assert read_bvh(_bvh(tmp_path, BASE)).values.shape == (2, 9)
    assert read_bvh(_bvh(tmp_path, _edit(17, "Frames: 0").replace("0 1 0 0 0 0 10 0 0\n0 1 0 0 0 0 20 0 0\n",
                                                                    ""))).values.shape == (0, 9)
