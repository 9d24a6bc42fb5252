"""A hostile class at intake: links, lying manifests, bombs, odd names and faults in recording, mixed
with the honest and skeleton controls in every batch; each entry is recorded exactly once, with a
clear status, and nothing outside the work directory changes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tracemalloc
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from autograder.batch import grade_batch
from autograder.cli import main
from autograder.gradebook import Gradebook
from autograder.submission import discover
from tests.adversarial.redteam import (
    HONEST,
    SKELETON,
    TINY,
    Graded,
    assert_controls,
    fingerprint,
    grade_folder,
    score_of,
    tiny,
    write_class,
)
from tests.conftest import FIXTURES

MAX = 10.0
YAML_FIRST_LINE = (TINY / "assignment.yaml").read_text().splitlines()[0]
SURROGATE = HONEST.replace(b"    return torch.mul(x, s)", b'    raise ValueError("\\udcff\\x00")')
assert SURROGATE != HONEST
NFD_NAME = unicodedata.normalize("NFD", "José García")
UNICODE_NAMES = ("José García", "bob smith", "學生03", "-dash")


# ---------------------------------------------------------------- building hostile entries


def manifest_for(student: str, data: bytes, **changes: object) -> bytes:
    manifest: dict[str, object] = {
        "student": student,
        "assignment": "tiny",
        "file": "tiny.py",
        "submitted_at": "2026-12-01T10:00:00+00:00",
        "sha256": hashlib.sha256(data).hexdigest(),
    }
    manifest.update(changes)
    return json.dumps(manifest).encode()


def zip_bytes(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = 0o120777 << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def bomb_bytes(name: str = "tiny.py", size: int = 100 * 2**20) -> bytes:
    """A zip whose one member inflates to `size` bytes from a few KB, written without holding it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        with archive.open(name, "w") as member:
            chunk = b"#" * 2**20
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def submit_zip(student: str, data: bytes = HONEST, **changes: object) -> bytes:
    return zip_bytes({"manifest.json": manifest_for(student, data, **changes), "tiny.py": data})


def assert_clean(text: str) -> None:
    text.encode("utf-8")  # no lone surrogate
    assert "\x00" not in text


def changed_since(before: dict[str, str]) -> list[str]:
    after = fingerprint()
    return sorted(
        path for path in before.keys() | after.keys() if before.get(path) != after.get(path)
    )


def assert_recorded_once(graded: Graded, expected: set[str]) -> None:
    latest = [r.student for r in graded.gradebook.latest("tiny")]
    assert sorted(latest) == sorted(expected) and len(latest) == len(set(latest))
    for record in graded.gradebook.latest("tiny"):
        assert_clean(record.feedback)
        for q in record.questions:
            assert_clean(q.feedback)


# ---------------------------------------------------------------- a folder class


@pytest.fixture(scope="module")
def folder_class(tmp_path_factory) -> tuple[Graded, list[str]]:
    work = tmp_path_factory.mktemp("folder_class")
    before = fingerprint()
    folder = write_class(
        work / "class",
        {
            "surrogate": SURROGATE,
            "zz_after_surrogate": HONEST,
            **{name: HONEST for name in UNICODE_NAMES},
        },
    )
    (folder / "linked_folder").symlink_to(TINY, target_is_directory=True)
    (folder / "linked_file").mkdir()
    (folder / "linked_file" / "tiny.py").symlink_to(TINY / "assignment.yaml")
    (folder / "linked_top.py").symlink_to(TINY / "tiny.py")
    (folder / "zip_link.zip").write_bytes(zip_bytes({}, links={"tiny.py": str(TINY / "tiny.py")}))
    (folder / "impostor.zip").write_bytes(submit_zip("control_honest", SKELETON))
    (folder / "time_five.zip").write_bytes(submit_zip("time_five", submitted_at=5))
    (folder / "manifest_list.zip").write_bytes(
        zip_bytes({"manifest.json": b'["control_honest", "tiny.py"]', "tiny.py": HONEST})
    )
    (folder / "manifest_garbage.zip").write_bytes(
        zip_bytes({"manifest.json": b"{not json\xff", "tiny.py": HONEST})
    )
    (folder / "zip_twice.zip").write_bytes(_twice())
    (folder / "bomb.zip").write_bytes(bomb_bytes())
    with open(folder / "huge.ipynb", "wb") as sparse:
        sparse.truncate(300 * 2**20)
    (folder / "dupe.py").write_bytes(SKELETON)
    (folder / "dupe").mkdir()
    (folder / "dupe" / "tiny.py").write_bytes(HONEST)
    (folder / NFD_NAME).mkdir()
    (folder / NFD_NAME / "tiny.py").write_bytes(HONEST)
    graded = grade_folder(tiny(), folder, work / "gradebook.db")
    return graded, changed_since(before)


def _twice() -> bytes:
    """A zip holding tiny.py twice: the honest one first, a second one that unzip would keep."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tiny.py", HONEST)
        archive.writestr("tiny.py", SKELETON)
    return buffer.getvalue()


def test_folder_class_controls_and_each_entry_once(folder_class):
    graded, unchanged = folder_class
    assert_controls(graded, MAX)
    assert unchanged == [], "grading changed files outside the work directory"
    assert_recorded_once(
        graded,
        {
            "control_honest",
            "control_skeleton",
            "surrogate",
            "zz_after_surrogate",
            *UNICODE_NAMES,
            "linked_folder",
            "linked_file",
            "linked_top",
            "zip_link",
            "impostor",
            "time_five",
            "manifest_list",
            "manifest_garbage",
            "zip_twice",
            "bomb",
            "huge",
            "dupe",
        },
    )


@pytest.mark.parametrize("student", ["linked_folder", "linked_file", "linked_top", "zip_link"])
def test_links_are_refused_not_followed(folder_class, student):
    graded, _ = folder_class
    record = graded.records[student]
    assert record.status == "not_gradable" and record.score == 0
    assert "symbolic link" in record.feedback
    assert YAML_FIRST_LINE not in record.feedback
    assert all(YAML_FIRST_LINE not in q.feedback for q in record.questions)


def test_a_manifest_naming_another_student_replaces_no_one(folder_class):
    graded, _ = folder_class
    impostor = graded.records["impostor"]
    assert impostor.status == "graded" and impostor.score == 0
    assert "control_honest" in impostor.feedback and "manifest" in impostor.feedback
    assert graded.records["control_honest"].score == MAX


@pytest.mark.parametrize(
    ("student", "reason"),
    [
        ("manifest_list", "not a JSON object"),
        ("manifest_garbage", "manifest.json"),
        ("zip_twice", "twice"),
        ("bomb", "limit"),
        ("huge", "limit"),
    ],
)
def test_malformed_and_oversized_entries_are_not_gradable(folder_class, student, reason):
    graded, _ = folder_class
    record = graded.records[student]
    assert record.status == "not_gradable" and record.score == 0
    assert reason in record.feedback


def test_a_manifest_time_of_5_is_ignored(folder_class):
    graded, _ = folder_class
    record = graded.records["time_five"]
    assert record.status == "graded" and record.score == MAX and record.submitted_at is None


def test_unicode_space_and_dash_names_are_graded(folder_class):
    graded, _ = folder_class
    for name in UNICODE_NAMES:
        assert graded.records[name].status == "graded" and graded.records[name].score == MAX


def test_duplicates_are_listed_and_one_counts(folder_class):
    graded, _ = folder_class
    dupe = graded.records["dupe"]
    assert "dupe.py" in dupe.feedback and "dupe/tiny.py" in dupe.feedback
    jose = graded.records["José García"]  # the NFD folder is the same student
    assert "2 submissions" in jose.feedback


def test_a_surrogate_in_an_exception_message_stops_no_one(folder_class):
    graded, _ = folder_class
    record = graded.records["surrogate"]
    assert record.status == "graded" and score_of(record, "scale") == 0
    assert record.score == MAX - 3
    assert graded.records["zz_after_surrogate"].score == MAX


# ---------------------------------------------------------------- through the command line


def test_grade_exits_0_past_a_surrogate_and_grades_everyone_after(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    before = fingerprint()
    folder = write_class(tmp_path / "class", {"a_surrogate": SURROGATE, "b_after": HONEST})
    argv = ["--solutions", str(FIXTURES / "solutions"), "grade", "tiny", str(folder)]
    for _ in range(2):  # and the rerun resumes rather than failing again
        assert main([*argv, "--gradebook", str(tmp_path / "gb.db"), "--jobs", "1"]) == 0
    records = {r.student: r for r in Gradebook(str(tmp_path / "gb.db")).latest("tiny")}
    assert set(records) == {"a_surrogate", "b_after", "control_honest", "control_skeleton"}
    assert records["b_after"].score == MAX and records["a_surrogate"].score == MAX - 3
    assert "skipped 4 already graded" in capsys.readouterr().out
    assert changed_since(before) == []


def with_deadline(tmp_path: Path) -> Path:
    solutions = tmp_path / "solutions"
    shutil.copytree(TINY, solutions / "tiny")
    spec = solutions / "tiny" / "assignment.yaml"
    spec.write_text(
        spec.read_text()
        + "deadline: 2026-12-04T23:59:00+00:00\n"
        + "late_policy: {grace_minutes: 0, penalty_per_day: 1.0}\n"
    )
    return solutions


def test_a_manifest_time_edited_to_be_on_time_earns_no_time(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    solutions = with_deadline(tmp_path)
    folder = write_class(tmp_path / "class", {})
    (folder / "time_liar.zip").write_bytes(
        submit_zip("time_liar", submitted_at="2026-12-01T10:00:00+00:00")
    )
    times = tmp_path / "times.csv"
    with times.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "submitted_at"])
        writer.writerow(["time_liar", "2026-12-07T09:00:00+00:00"])
    argv = ["--solutions", str(solutions), "grade", "tiny", str(folder), "--jobs", "1"]
    assert main([*argv, "--gradebook", "gb.db", "--submitted-at", str(times)]) == 0
    out = capsys.readouterr().out
    records = {r.student: r for r in Gradebook("gb.db").latest("tiny")}
    assert records["time_liar"].score == 0 and records["time_liar"].penalty == 1.0
    assert records["time_liar"].submitted_at is not None
    assert records["control_honest"].score == MAX and records["control_skeleton"].score == 0
    assert "no trusted time" in out and "control_honest" in out


# ---------------------------------------------------------------- an LMS (Canvas) bulk download


@pytest.fixture(scope="module")
def canvas_class(tmp_path_factory) -> tuple[Graded, list[str]]:
    work = tmp_path_factory.mktemp("canvas_class")
    before = fingerprint()
    download = work / "submissions.zip"
    members = {
        "control_honest.py": HONEST,
        "control_skeleton.py": SKELETON,
        "garciajose_1001_5001_tiny.py": HONEST,
        "garciamaria_1002_5002_tiny.py": SKELETON,
        "garciajose_late_1003_5003_tiny.py": HONEST,
        "evil_1004_5004_s42_tiny.zip": submit_zip("1001", SKELETON),
        "bomber_1006_5006_tiny.zip": bomb_bytes(),
        "essay_1007_5007_answers.pdf": b"%PDF-1.4",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        info = zipfile.ZipInfo("linker_1005_5005_tiny.py")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, str(TINY / "tiny.py"))
    download.write_bytes(buffer.getvalue())
    graded = grade_folder(tiny(), download, work / "gradebook.db")
    return graded, changed_since(before)


def test_canvas_ids_come_from_the_file_name_and_never_merge(canvas_class):
    graded, unchanged = canvas_class
    assert_controls(graded, MAX)
    assert unchanged == []
    assert_recorded_once(
        graded,
        {"control_honest", "control_skeleton", *(str(i) for i in range(1001, 1008))},
    )
    assert graded.records["1001"].score == MAX and graded.records["1002"].score == 0
    assert graded.records["1003"].score == MAX


def test_canvas_hostile_members(canvas_class):
    graded, _ = canvas_class
    evil = graded.records["1004"]
    assert evil.score == 0 and "manifest" in evil.feedback and "1001" in evil.feedback
    for student, reason in (("1005", "symbolic link"), ("1006", "limit"), ("1007", "answers.pdf")):
        record = graded.records[student]
        assert record.status == "not_gradable" and reason in record.feedback, record.feedback


# ---------------------------------------------------------------- Gradescope and nbgrader exports


def gradescope_export(root: Path, entries: list[tuple[int, str, str, bytes | None]]) -> Path:
    """submission_metadata.yml and submission_<id>/tiny.py, as Gradescope's export writes them."""
    export = root / "assignment_77_export"
    export.mkdir(parents=True)
    lines = []
    for sub_id, sid, created, data in entries:
        lines += [
            f"submission_{sub_id}:",
            "  :submitters:",
            f"  - :name: Student {sid}",
            f"    :sid: '{sid}'",
            f"    :email: {sub_id}@example.edu",
            f"  :created_at: {created}",
            "  :score: 0.0",
        ]
        if data is not None:
            (export / f"submission_{sub_id}").mkdir()
            (export / f"submission_{sub_id}" / "tiny.py").write_bytes(data)
    (export / "submission_metadata.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return export


@pytest.fixture(scope="module")
def export_class(tmp_path_factory) -> tuple[Graded, Graded, list[str]]:
    work = tmp_path_factory.mktemp("exports")
    before = fingerprint()
    export = gradescope_export(
        work / "gs",
        [
            (11, "control_honest", "2026-12-01 10:00:00.000000000 -08:00", HONEST),
            (12, "control_skeleton", "2026-12-01 10:00:00.000000000 -08:00", SKELETON),
            (13, "s1", "2026-12-02 10:00:00.000000000 -08:00", HONEST),
            (14, "s1", "2026-12-01 10:00:00.000000000 -08:00", SKELETON),
            (15, "Zoë", "2026-12-01 10:00:00.000000000 -08:00", HONEST),
            (16, "linker", "2026-12-01 10:00:00.000000000 -08:00", None),
        ],
    )
    (export / "submission_16").mkdir()
    (export / "submission_16" / "tiny.py").symlink_to(TINY / "tiny.py")
    (export / "submission_17").mkdir()  # not in the metadata
    (export / "submission_17" / "tiny.py").write_bytes(HONEST)
    gradescope = grade_folder(tiny(), export, work / "gs.db")

    submitted = work / "course" / "submitted"
    for student, data in (("control_honest", HONEST), ("control_skeleton", SKELETON)):
        (submitted / student / "tiny").mkdir(parents=True)
        (submitted / student / "tiny" / "tiny.py").write_bytes(data)
        (submitted / student / "tiny" / "timestamp.txt").write_text(
            "2026-12-01 10:00:00.000000 UTC\n"
        )
    (submitted / "linked_hw").mkdir()
    (submitted / "linked_hw" / "tiny").symlink_to(TINY, target_is_directory=True)
    (submitted / "linked_stamp" / "tiny").mkdir(parents=True)
    (submitted / "linked_stamp" / "tiny" / "tiny.py").write_bytes(HONEST)
    (submitted / "linked_stamp" / "tiny" / "timestamp.txt").symlink_to(TINY / "assignment.yaml")
    nbgrader = grade_folder(tiny(), submitted, work / "nb.db")
    return gradescope, nbgrader, changed_since(before)


def test_gradescope_ids_and_times_come_from_its_metadata(export_class):
    graded, _, unchanged = export_class
    assert_controls(graded, MAX)
    assert unchanged == []
    assert_recorded_once(
        graded, {"control_honest", "control_skeleton", "s1", "Zoë", "linker", "submission_17"}
    )
    s1 = graded.records["s1"]
    assert s1.score == MAX and "submission_14" in s1.feedback  # the newer one counts, both listed
    assert s1.submitted_at is not None
    assert s1.submitted_at.replace(tzinfo=None) == datetime(2026, 12, 2, 18)  # in UTC
    assert graded.records["Zoë"].score == MAX
    assert graded.records["linker"].status == "not_gradable"
    assert "symbolic link" in graded.records["linker"].feedback
    assert graded.records["submission_17"].status == "not_gradable"
    assert "submission_metadata.yml" in graded.records["submission_17"].feedback


def test_nbgrader_links_are_refused(export_class):
    _, graded, unchanged = export_class
    assert_controls(graded, MAX)
    assert unchanged == []
    assert_recorded_once(
        graded, {"control_honest", "control_skeleton", "linked_hw", "linked_stamp"}
    )
    for student in ("linked_hw", "linked_stamp"):
        record = graded.records[student]
        assert record.status == "not_gradable" and "symbolic link" in record.feedback
        assert YAML_FIRST_LINE not in record.feedback
    stamp = graded.records["control_honest"].submitted_at
    assert stamp is not None and stamp.replace(tzinfo=None) == datetime(2026, 12, 1, 10)


# ---------------------------------------------------------------- caps, measured


def test_a_bomb_and_a_sparse_notebook_are_refused_without_reading_them(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "bomb.zip").write_bytes(bomb_bytes())
    lying = bytearray(bomb_bytes())
    (folder / "lying_bomb.zip").write_bytes(_lie_about_size(lying))
    with open(folder / "huge.ipynb", "wb") as sparse:
        sparse.truncate(300 * 2**20)
    tracemalloc.start()
    try:
        subs = {s.student: s for s in discover(folder, "tiny")}
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 2**20, peak
    for student in ("bomb", "lying_bomb", "huge"):
        assert subs[student].data is None and subs[student].problem, student


def _lie_about_size(data: bytearray) -> bytes:
    """The same bomb, its local and central headers claiming 1 KB, so that a reader trusting
    them reads on: the member still inflates to 100 MB."""
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = bytes(data).find(signature) + offset
        data[at : at + 4] = (1024).to_bytes(4, "little")
    return bytes(data)


def test_grade_batch_goes_on_when_the_gradebook_refuses_one_report(tmp_path):
    prepared = tiny()
    folder = write_class(tmp_path / "class", {"a_first": HONEST, "b_second": HONEST})
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    real = gradebook.record
    failed: list[str] = []

    def flaky(report, **kwargs):
        if report.student == "a_first" and report.status != "grader_error":
            failed.append(report.student)
            raise RuntimeError("disk hiccup \udcff\x00")
        return real(report, **kwargs)

    gradebook.record = flaky  # type: ignore[method-assign]
    summary = grade_batch(prepared, discover(folder, "tiny"), gradebook, jobs=1)
    records = {r.student: r for r in gradebook.latest("tiny")}
    assert failed == ["a_first"]
    assert (
        records["a_first"].status == "grader_error" and "disk hiccup" in records["a_first"].feedback
    )
    assert_clean(records["a_first"].feedback)
    assert records["b_second"].score == MAX
    assert {r.student for r in summary.graded} == set(records)
