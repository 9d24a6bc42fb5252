"""assignment.yaml is validated with messages that name the file, the key and the fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from autograder.errors import SpecError, UsageError
from autograder.spec import find_assignment, load_spec
from tests.conftest import FIXTURES

TINY = FIXTURES / "solutions" / "tiny"


def write_variant(tmp_path: Path, change) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    data = yaml.safe_load((folder / "assignment.yaml").read_text())
    change(data)
    (folder / "assignment.yaml").write_text(yaml.safe_dump(data))
    return folder


def test_tiny_spec_loads_into_frozen_dataclasses():
    spec = load_spec(TINY)
    assert spec.name == "tiny" and spec.max_score == 10
    assert [q.id for q in spec.questions] == ["square", "scale", "fit", "concept"]
    assert spec.questions[1].checks[0].gradcheck is True
    assert spec.limits.call_seconds == 3
    with pytest.raises(AttributeError):
        spec.questions[0].points = 5  # frozen


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["questions"][1].update(points="ten"),
            "questions[1].points must be a number, got 'ten'",
        ),
        (
            lambda d: d["questions"][0].update(visibility="secret"),
            "questions[0].visibility must be 'public' or 'hidden'",
        ),
        (
            lambda d: d["questions"][0]["checks"][0].update(kind="magic"),
            "questions[0].checks[0].kind must be one of",
        ),
        (
            lambda d: d["questions"][0]["checks"][0]["symbols"].update(sigma="happy"),
            "symbols.sigma must be one of",
        ),
        (lambda d: d["questions"][3]["checks"][0].update(correct=["z"]), "not among the options"),
        (lambda d: d["questions"][2]["checks"][0]["bands"].update(error=[1, 0]), "low > high"),
        (lambda d: d.update(deadline="next friday"), "deadline must be an ISO 8601 time"),
        (lambda d: d.update(limits={"memory_mb": 100}), "at least 1024"),
        (lambda d: d["questions"][1].update(id="square"), "has the id 'square' twice"),
        (
            lambda d: d["questions"][0].update(pionts=3),
            "pionts is not a known key; did you mean 'points'?",
        ),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path, change, message):
    folder = write_variant(tmp_path, change)
    with pytest.raises(SpecError) as info:
        load_spec(folder)
    assert str(folder / "assignment.yaml") in info.value.message
    assert message in info.value.message


def test_unknown_assignment_lists_the_known_ones():
    with pytest.raises(UsageError) as info:
        find_assignment("nope", FIXTURES / "solutions")
    assert "tiny" in info.value.hint


def test_spec_hash_changes_with_the_checks(tmp_path):
    folder = write_variant(tmp_path, lambda d: None)
    before = load_spec(folder).spec_hash
    (folder / "checks.py").write_text((folder / "checks.py").read_text() + "\n# changed\n")
    assert load_spec(folder).spec_hash != before
