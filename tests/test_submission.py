"""`submit` writes a zip that intake reads back, and intake refuses a zip that disagrees with its manifest."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from autograder.errors import UsageError
from autograder.submission import discover, source_of, write_submission_zip
from tests.conftest import FIXTURES

GOOD = FIXTURES / "class_tiny" / "good" / "tiny.py"
SOLUTIONS = FIXTURES / "solutions"


def submit(tmp_path: Path, student: str = "s42", path: Path = GOOD) -> Path:
    return write_submission_zip(
        "tiny",
        path,
        student,
        tmp_path / "subs" / f"{student}.zip",
        solutions=SOLUTIONS,
        assignments=tmp_path / "no-assignments",
    )


def rewrite(zip_path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(zip_path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def members_of(zip_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_submit_then_discover_gives_back_the_same_file(tmp_path):
    target = submit(tmp_path)
    manifest = json.loads(members_of(target)["manifest.json"])
    assert (
        manifest["student"] == "s42"
        and manifest["assignment"] == "tiny"
        and manifest["file"] == "tiny.py"
    )
    [sub] = discover(tmp_path / "subs", "tiny")
    assert (sub.student, sub.filename, sub.problem) == ("s42", "tiny.py", "")
    assert sub.data == GOOD.read_bytes() and sub.sha256 == manifest["sha256"]
    assert sub.submitted_at is not None and sub.submitted_at.isoformat() == manifest["submitted_at"]


def test_a_file_changed_after_submit_is_not_gradable(tmp_path):
    target = submit(tmp_path)
    members = members_of(target)
    rewrite(
        target,
        {
            "manifest.json": members["manifest.json"],
            "tiny.py": members["tiny.py"] + b"SQUARE = 1\n",
        },
    )
    [sub] = discover(tmp_path / "subs", "tiny")
    assert sub.data is None and sub.student == "s42"
    assert "tiny.py has sha256" in sub.problem and "autograder submit" in sub.problem
    assert source_of(sub, "tiny.py") == (None, sub.problem)


def test_a_manifest_naming_a_missing_file_is_not_gradable(tmp_path):
    target = submit(tmp_path)
    members = members_of(target)
    manifest = dict(json.loads(members["manifest.json"]), file="tiny.ipynb")
    rewrite(target, {"manifest.json": json.dumps(manifest).encode(), "tiny.py": members["tiny.py"]})
    [sub] = discover(tmp_path / "subs", "tiny")
    assert (
        sub.data is None
        and "names the file 'tiny.ipynb', which the zip does not hold" in sub.problem
    )


def test_a_manifest_for_another_assignment_is_not_gradable(tmp_path):
    target = submit(tmp_path)
    members = members_of(target)
    manifest = dict(json.loads(members["manifest.json"]), file="other.py")
    rewrite(
        target, {"manifest.json": json.dumps(manifest).encode(), "other.py": members["tiny.py"]}
    )
    [sub] = discover(tmp_path / "subs", "tiny")
    assert sub.data is None and "not tiny.py or tiny.ipynb" in sub.problem


def test_a_tampered_zip_is_graded_as_not_gradable_with_the_reason(tmp_path):
    from autograder.grader import grade_submission
    from autograder.prepare import prepare
    from autograder.sandbox import Sandbox
    from autograder.spec import load_spec

    target = submit(tmp_path)
    members = members_of(target)
    rewrite(
        target,
        {"manifest.json": members["manifest.json"], "tiny.py": b"SQUARE = '(mu + sigma)**2'\n"},
    )
    [sub] = discover(tmp_path / "subs", "tiny")
    report = grade_submission(
        prepare(load_spec(SOLUTIONS / "tiny")), sub, Sandbox()
    )  # never started
    assert report.status == "not_gradable" and report.score == 0
    assert "sha256" in report.feedback


def test_submit_refuses_a_misspelled_assignment_with_the_known_names(tmp_path):
    with pytest.raises(UsageError) as info:
        write_submission_zip(
            "tiyn",
            GOOD,
            "s42",
            tmp_path / "x.zip",
            solutions=SOLUTIONS,
            assignments=tmp_path / "none",
        )
    assert "did you mean 'tiny'" in info.value.message and "tiny" in info.value.hint
    assert not (tmp_path / "x.zip").exists()


def test_submit_without_a_course_folder_cannot_check_the_name_and_does_not_try(tmp_path):
    target = write_submission_zip(
        "tiny",
        GOOD,
        "s42",
        tmp_path / "x.zip",
        solutions=tmp_path / "none",
        assignments=tmp_path / "none",
    )
    assert target.is_file()


@pytest.mark.parametrize(
    ("student", "path", "message"),
    [
        ("s 42", GOOD, "student id 's 42' is not allowed"),
        ("s42", Path("missing.py"), "missing.py not found"),
        (
            "s42",
            FIXTURES / "solutions" / "tiny" / "assignment.yaml",
            "must be a .py or .ipynb file",
        ),
        ("s42", FIXTURES / "class_tiny" / "empty" / "tiny.py", "is empty"),
    ],
)
def test_submit_refuses_what_the_grader_could_not_read(tmp_path, student, path, message):
    with pytest.raises(UsageError, match=message):
        write_submission_zip(
            "tiny",
            path,
            student,
            tmp_path / "x.zip",
            solutions=SOLUTIONS,
            assignments=tmp_path / "none",
        )
