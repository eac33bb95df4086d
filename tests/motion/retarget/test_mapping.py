"""Landmark mapping files: written from a skeleton's facts, read back, applied to a clip, and every mistake a hand
edit can make reported with the file and the field."""

from __future__ import annotations

import pytest
import yaml

from amp_studio.config_loading import ConfigError
from amp_studio.motion.retarget.landmark_names import LANDMARKS
from amp_studio.motion.retarget.mapping import apply_mapping, load_mapping, save_mapping
from amp_studio.motion.retarget.skeleton import analyse
from tests.motion.retarget.skeletons import build_clip


@pytest.fixture
def clip():
    return build_clip("cmu", unit=0.0254 / 0.45)


@pytest.fixture
def mapping_file(tmp_path, clip):
    path = tmp_path / "cmu.yaml"
    save_mapping(analyse(clip), path)
    return path


def test_round_trip(clip, mapping_file):
    facts = analyse(clip)
    doc = yaml.safe_load(mapping_file.read_text())
    assert doc["version"] == 1 and doc["up"] == "+y" and doc["unit"] == pytest.approx(0.05644, rel=1e-3)
    assert doc["landmarks"]["left_shoulder"] == "LeftArm" and list(doc["landmarks"]) == list(LANDMARKS)
    mapping = load_mapping(mapping_file)
    assert mapping["landmarks"] == facts.landmarks.names and mapping["source"] == str(mapping_file)
    assert apply_mapping(clip, mapping).joints == facts.landmarks.joints
    mapped = analyse(clip, mapping=mapping)
    assert (mapped.up, mapped.unit_name, mapped.landmarks.joints) == ("+y", "cmu", facts.landmarks.joints)
    assert set(mapped.landmarks.how.values()) == {"mapping"}


def test_a_mapping_replaces_detection(clip, mapping_file):
    doc = yaml.safe_load(mapping_file.read_text())
    doc.update(up="+z", unit=0.01)
    doc["landmarks"].update(left_hip="RightUpLeg", right_hip="LeftUpLeg", left_hand=None)
    mapping_file.write_text(yaml.safe_dump(doc))
    facts = analyse(clip, mapping=load_mapping(mapping_file))
    assert (facts.up, facts.unit_name) == ("+z", "cm")
    assert facts.landmarks.names["left_hip"] == "RightUpLeg" and facts.landmarks.joints["left_hand"] is None
    assert any("mirrored" in p for p in facts.landmarks.problems)  # the mapping is kept, and checked
    assert analyse(clip, up="+y", unit=1.0, mapping=load_mapping(mapping_file)).up == "+y"  # given beats the file


def _edit(path, change) -> None:
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["landmarks"].update(left_elbw="LeftForeArm"),
     "field 'landmarks': unknown landmark 'left_elbw'; did you mean 'left_elbow'?"),
    (lambda d: d.update(units=0.01), "unknown key 'units'; did you mean 'unit'?"),
    (lambda d: d.update(landmarks=["Hips"]), "field 'landmarks': expected a mapping of landmark to joint name"),
    (lambda d: d["landmarks"].update(pelvis=12), "field 'landmarks.pelvis': expected a joint name or null, got 12"),
    (lambda d: d["landmarks"].update(pelvis=" "), "field 'landmarks.pelvis': expected a joint name or null"),
    (lambda d: d.update(unit="cm"), "field 'unit': expected metres per file unit"),
    (lambda d: d.update(unit=-1), "field 'unit': expected metres per file unit"),
    (lambda d: d.update(unit=True), "field 'unit': expected metres per file unit"),
    (lambda d: d.update(up="y"), "field 'up': expected one of +x, -x, +y, -y, +z, -z or null, got 'y'"),
    (lambda d: d.update(version=2), "field 'version': 2 is not a version this program reads"),
    (lambda d: d.pop("version"), "missing key 'version'"),
    (lambda d: d.pop("landmarks"), "missing key 'landmarks'"),
    (lambda d: d["landmarks"].pop("left_knee"), "field 'landmarks.left_knee': required, but missing"),
    (lambda d: d["landmarks"].update(head=None), "field 'landmarks.head': required, but null"),
])
def test_mistakes_name_the_file_and_the_field(mapping_file, change, message):
    _edit(mapping_file, change)
    with pytest.raises(ConfigError) as error:
        load_mapping(mapping_file)
    assert str(error.value).startswith(f"{mapping_file}: ") and message in str(error.value)


def test_optional_landmarks_may_be_left_out(clip, mapping_file):
    _edit(mapping_file, lambda d: [d["landmarks"].pop(k) for k in ("spine", "left_toe", "right_hand")])
    mapping = load_mapping(mapping_file)
    assert mapping["landmarks"]["spine"] is None and apply_mapping(clip, mapping).joints["left_toe"] is None


def test_a_joint_the_clip_does_not_have(clip, mapping_file):
    _edit(mapping_file, lambda d: d["landmarks"].update(left_hip="LeftUpLg"))
    mapping = load_mapping(mapping_file)  # names are checked against a clip only when applied
    with pytest.raises(ConfigError) as error:
        apply_mapping(clip, mapping)
    assert str(error.value) == (f"{mapping_file}: field 'landmarks.left_hip': no joint 'LeftUpLg' in cmu.bvh; "
                                "close: LeftUpLeg, LeftLeg, RightUpLeg")
    _edit(mapping_file, lambda d: d["landmarks"].update(left_hip="zzz"))
    with pytest.raises(ConfigError, match=r"no joint 'zzz' in cmu.bvh; its joints: Hips, LHipJoint, .*, \.\.\."):
        apply_mapping(clip, load_mapping(mapping_file))


def test_unreadable_files(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_mapping(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("landmarks: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: malformed YAML"):
        load_mapping(bad)
    with pytest.raises(ConfigError, match="cannot write"):
        save_mapping(analyse(build_clip("cmu")), tmp_path / "no_such_folder" / "m.yaml")
