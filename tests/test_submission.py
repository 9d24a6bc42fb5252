"""`submit` writes a zip that intake reads back; intake reads each layout (folders, Canvas, nbgrader,
Gradescope) taking who and when from the container, refuses links and oversized entries, and keeps
one submission per student."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import threading
import tracemalloc
import unicodedata
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder.errors import UsageError
from autograder.submission import (
    discover,
    intake_summary,
    override_submitted_at,
    read_submitted_at,
    source_of,
    student_id,
    write_submission_zip,
)
from autograder.submission.member import MAX_ZIP_MEMBERS
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
    # The manifest's time is the student's word: only the container's time is trusted.
    assert sub.submitted_at is None and sub.time_source == "" and sub.notes == ()


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


# ---------------------------------------------------------------- layouts

HONEST = GOOD.read_bytes()
SKELETON = b"SQUARE = None\n"
TINY = SOLUTIONS / "tiny"


def zip_of(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
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


def by_student(subs) -> dict:
    return {s.student: s for s in subs}


def test_canvas_ids_are_user_ids_so_two_garcias_never_merge(tmp_path):
    download = tmp_path / "submissions.zip"
    download.write_bytes(
        zip_of(
            {
                "garciajose_1001_5001_tiny.py": HONEST,
                "garciajose_1002_5002_tiny.py": SKELETON,
                "garciajose_late_1003_5003_tiny-1.ipynb": b"{}",
                "garciamaria_LATE_1004_5004_s42_tiny.zip": (submit(tmp_path, "s42")).read_bytes(),
                "smithbob_1005_5005_answers.pdf": b"%PDF",
            }
        )
    )
    subs = by_student(discover(download, "tiny"))
    assert sorted(subs) == ["1001", "1002", "1003", "1004", "1005"]
    assert subs["1001"].data == HONEST and subs["1002"].data == SKELETON
    assert subs["1001"].filename == "tiny.py" and subs["1003"].filename == "tiny.ipynb"
    assert not subs["1001"].marked_late and subs["1003"].marked_late and subs["1004"].marked_late
    assert all(s.submitted_at is None for s in subs.values())  # Canvas's download has no time
    assert subs["1004"].data == HONEST and "names student 's42'" in subs["1004"].notes[0]
    assert subs["1005"].data is None and "answers.pdf" in subs["1005"].problem
    summary = "\n".join(intake_summary(list(subs.values()), None))
    assert "marks 1003, 1004 late but gives no time" in summary and "1004: the manifest" in summary


def test_an_extracted_canvas_folder_reads_the_same(tmp_path):
    folder = tmp_path / "canvas"
    folder.mkdir()
    (folder / "garciajose_1001_5001_tiny.py").write_bytes(HONEST)
    (folder / "garciajose_1002_5002_tiny.py").write_bytes(SKELETON)
    (folder / "grades.csv").write_text("not a submission\n")
    subs = by_student(discover(folder, "tiny"))
    assert sorted(subs) == ["1001", "1002"] and subs["1002"].data == SKELETON


def nbgrader_tree(root: Path, stamp: str = "2026-12-01 10:00:00.000000 UTC") -> Path:
    for student, data in (("alice", HONEST), ("bob", SKELETON)):
        (root / student / "tiny").mkdir(parents=True)
        (root / student / "tiny" / "tiny.py").write_bytes(data)
        (root / student / "tiny" / "timestamp.txt").write_text(stamp + "\n")
    (root / "carol" / "other_hw").mkdir(parents=True)  # carol did not hand this one in
    return root


def test_nbgrader_submitted_gives_ids_and_the_timestamp(tmp_path):
    subs = by_student(discover(nbgrader_tree(tmp_path / "course" / "submitted"), "tiny"))
    assert sorted(subs) == ["alice", "bob", "carol"]
    assert subs["alice"].submitted_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert subs["alice"].time_source == "nbgrader" and subs["bob"].data == SKELETON
    assert subs["carol"].data is None and "no tiny.py or tiny.ipynb" in subs["carol"].problem


def test_a_timestamp_outside_nbgraders_submitted_folder_is_not_trusted(tmp_path):
    subs = by_student(discover(nbgrader_tree(tmp_path / "unzipped_by_hand"), "tiny"))
    assert subs["alice"].data == HONEST and subs["alice"].submitted_at is None


def test_an_nbgrader_timestamp_without_a_zone_is_not_trusted(tmp_path):
    subs = by_student(
        discover(nbgrader_tree(tmp_path / "submitted", "2026-12-01 10:00:00"), "tiny")
    )
    assert subs["alice"].submitted_at is None


GRADESCOPE = """\
submission_101:
  :submitters:
  - :name: Ann Lee
    :sid: '0123'
    :email: ann@example.edu
  - :name: Bo Ng
    :sid: ''
    :email: bo@example.edu
  :created_at: 2026-12-02 10:00:00.123456000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e2
  :status: processed
submission_102:
  :submitters:
  - :name: Ann Lee
    :sid: '0123'
    :email: ann@example.edu
  :created_at: 2026-12-01 09:00:00.000000000 -08:00
submission_103:
  :submitters: []
  :created_at: 2026-12-01 09:00:00.000000000 -08:00
submission_104:
  :submitters:
  - :name: Cy Park
    :sid: cy
  :created_at: 2026-12-01 09:00:00.000000000 -08:00
"""


def gradescope_export(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "submission_metadata.yml").write_text(GRADESCOPE)
    for sub_id, data in (("101", HONEST), ("102", SKELETON), ("103", HONEST), ("105", HONEST)):
        (root / f"submission_{sub_id}").mkdir()
        (root / f"submission_{sub_id}" / "tiny.py").write_bytes(data)
    return root


def check_gradescope(subs: dict) -> None:
    assert sorted(subs) == ["0123", "bo@example.edu", "cy", "submission_103", "submission_105"]
    ann = subs["0123"]
    assert ann.data == HONEST and ann.time_source == "gradescope"  # the newer of her two
    assert ann.submitted_at == datetime(2026, 12, 2, 18, 0, 0, 123456, tzinfo=UTC)
    [older] = ann.duplicates
    assert older.endswith("submission_102/tiny.py") and "newest trusted time" in ann.notes[-1]
    assert all(s.duplicates == () for s in subs.values() if s is not ann)
    assert subs["bo@example.edu"].data == HONEST  # a group: each submitter gets the submission
    assert "missing from the Gradescope export" in subs["cy"].problem
    assert "names no submitter" in subs["submission_103"].problem
    assert "not listed in" in subs["submission_105"].problem


def test_gradescope_ids_and_times_come_from_its_metadata(tmp_path):
    check_gradescope(by_student(discover(gradescope_export(tmp_path / "export"), "tiny")))


def test_gradescope_export_as_a_zip_one_folder_down(tmp_path):
    export = gradescope_export(tmp_path / "assignment_9_export")
    download = tmp_path / "assignment_9_export.zip"
    with zipfile.ZipFile(download, "w") as archive:
        for path in sorted(export.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(tmp_path))
    check_gradescope(by_student(discover(download, "tiny")))


def test_unicode_space_and_dash_folders_are_kept_and_normalised(tmp_path):
    folder = tmp_path / "class"
    for name in (
        "José García",
        "bob smith",
        "學生03",
        "-dash",
        unicodedata.normalize("NFD", "Zoë"),
    ):
        (folder / name).mkdir(parents=True)
        (folder / name / "tiny.py").write_bytes(HONEST)
    os.mkdir(os.fsencode(folder) + b"/bad\xffname")
    (folder / "bad\udcffname" / "tiny.py").write_bytes(HONEST)
    subs = by_student(discover(folder, "tiny"))
    assert sorted(subs) == sorted(
        ["José García", "bob smith", "學生03", "-dash", "Zoë", "bad\\xffname"]
    )
    assert all(s.data == HONEST for s in subs.values())


def test_student_ids_are_nfc_escaped_and_bounded():
    assert student_id(unicodedata.normalize("NFD", "José")) == "José"
    assert student_id("a\x00b\nc\udcff") == "a\\x00b\\x0ac\\xff"
    long = student_id("x" * 500)
    assert len(long) == 100 and long != student_id("x" * 499)


def test_a_zip_named_by_submit_gives_its_student(tmp_path):
    target = write_submission_zip(
        "tiny",
        GOOD,
        "s42",
        tmp_path / "subs" / "s42_tiny.zip",
        solutions=SOLUTIONS,
        assignments=tmp_path / "none",
    )
    [sub] = discover(target.parent, "tiny")
    assert (sub.student, sub.data, sub.notes) == ("s42", HONEST, ())
    [alone] = discover(target, "tiny")  # the zip given by itself
    assert (alone.student, alone.data) == ("s42", HONEST)


# ---------------------------------------------------------------- links


def test_links_are_refused_in_folders_and_zips(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "to_solutions").symlink_to(TINY, target_is_directory=True)
    (folder / "file_link").mkdir()
    (folder / "file_link" / "tiny.py").symlink_to(TINY / "assignment.yaml")
    (folder / "top_link.py").symlink_to(TINY / "tiny.py")
    (folder / "zip_link.zip").write_bytes(zip_of({}, links={"tiny.py": "../../tiny.py"}))
    (folder / "nb").mkdir()
    (folder / "nb" / "tiny").symlink_to(TINY, target_is_directory=True)
    subs = by_student(discover(folder, "tiny"))
    assert sorted(subs) == ["file_link", "nb", "to_solutions", "top_link", "zip_link"]
    for sub in subs.values():
        assert sub.data is None and "symbolic link" in sub.problem, sub
        assert "title:" not in sub.problem


def test_a_link_member_of_an_lms_zip_is_refused(tmp_path):
    download = tmp_path / "download.zip"
    download.write_bytes(zip_of({"a_1_2_tiny.py": HONEST}, links={"b_3_4_tiny.py": "/etc/passwd"}))
    subs = by_student(discover(download, "tiny"))
    assert subs["1"].data == HONEST and "symbolic link" in subs["3"].problem


# ---------------------------------------------------------------- caps


def deflate_bomb(size: int = 100 * 2**20, *, claimed: int | None = None) -> bytes:
    """tiny.py inflating to `size` bytes (about 100 KB stored); `claimed` rewrites the sizes the
    headers give, as a lying bomb does."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("tiny.py", "w") as member:
            for _ in range(size // 2**20):
                member.write(b"\0" * 2**20)
    data = bytearray(buffer.getvalue())
    if claimed is not None:
        for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            at = bytes(data).find(signature) + offset
            data[at : at + 4] = claimed.to_bytes(4, "little")
    return bytes(data)


def peak_bytes(function) -> tuple[object, int]:
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_zip_bombs_are_refused_without_inflating_them(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "honest_header.zip").write_bytes(deflate_bomb())
    (folder / "lying_header.zip").write_bytes(deflate_bomb(claimed=1000))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("tiny.py", b"\0" * 2**20)
    (folder / "bzip2.zip").write_bytes(buffer.getvalue())
    (folder / "crowded.zip").write_bytes(zip_of({f"f{i}": b"" for i in range(MAX_ZIP_MEMBERS + 1)}))
    subs, peak = peak_bytes(lambda: by_student(discover(folder, "tiny")))
    assert peak < 8 * 2**20, peak
    assert "over the 2097152-byte limit" in subs["honest_header"].problem
    assert "cannot be unpacked" in subs["lying_header"].problem
    assert "other than deflate" in subs["bzip2"].problem
    assert "more than 1000 members" in subs["crowded"].problem


def test_a_300_mb_notebook_is_refused_by_its_size_before_reading(tmp_path):
    folder = tmp_path / "class"
    (folder / "s1").mkdir(parents=True)
    with open(folder / "s1" / "tiny.ipynb", "wb") as sparse:
        sparse.truncate(300 * 2**20)
    subs, peak = peak_bytes(lambda: discover(folder, "tiny"))
    [sub] = subs
    assert peak < 2 * 2**20 and sub.data is None and "314572800 bytes, over" in sub.problem


def test_a_fifo_is_refused_without_blocking(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    os.mkfifo(folder / "pipe.py")
    (folder / "s2").mkdir()
    os.mkfifo(folder / "s2" / "tiny.py")
    result: list = []
    reader = threading.Thread(target=lambda: result.append(discover(folder, "tiny")), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert result, "discover blocked on a fifo"
    subs = by_student(result[0])
    assert all("not a regular file" in s.problem for s in subs.values()) and len(subs) == 2


def test_a_batch_reads_at_most_its_total(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submission.reader.MAX_TOTAL_BYTES", len(HONEST) * 2)
    folder = tmp_path / "class"
    folder.mkdir()
    for i in range(3):
        (folder / f"s{i}.py").write_bytes(HONEST)
    subs = discover(folder, "tiny")
    assert [s.data is not None for s in subs] == [True, True, False]
    assert "grade it in parts" in subs[2].problem


# ---------------------------------------------------------------- manifests


def with_manifest(tmp_path: Path, name: str, manifest: bytes, data: bytes = HONEST) -> Path:
    folder = tmp_path / "subs"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.zip").write_bytes(zip_of({"manifest.json": manifest, "tiny.py": data}))
    return folder


def manifest_of(**fields: object) -> bytes:
    manifest = {
        "student": "victim",
        "assignment": "tiny",
        "file": "tiny.py",
        "submitted_at": "2020-01-01T00:00:00+00:00",
        "sha256": hashlib.sha256(HONEST).hexdigest(),
    }
    manifest.update(fields)
    return json.dumps(manifest).encode()


def test_a_manifest_naming_another_student_is_flagged_and_the_layout_wins(tmp_path):
    folder = with_manifest(tmp_path, "impostor", manifest_of())
    (folder / "victim.py").write_bytes(HONEST)
    subs = by_student(discover(folder, "tiny"))
    assert sorted(subs) == ["impostor", "victim"] and subs["victim"].notes == ()
    impostor = subs["impostor"]
    assert impostor.data == HONEST and impostor.submitted_at is None  # nor its time
    assert (
        "names student 'victim'" in impostor.notes[0]
        and "graded as 'impostor'" in impostor.notes[0]
    )
    assert intake_summary([impostor], None) == [f"impostor: {impostor.notes[0]}"]


@pytest.mark.parametrize(
    ("manifest", "gradable", "problem"),
    [
        (manifest_of(student="odd", submitted_at=5), True, ""),
        (b'["odd", "tiny.py"]', False, "is not a JSON object"),
        (b"{not json", False, "is not JSON"),
        (b"\xff\xfe", False, "is not JSON"),
        (manifest_of(student="odd", file=["tiny.py"]), False, "names the file"),
    ],
)
def test_malformed_manifests_never_stop_discovery(tmp_path, manifest, gradable, problem):
    folder = with_manifest(tmp_path, "odd", manifest)
    (folder / "other.py").write_bytes(HONEST)
    subs = by_student(discover(folder, "tiny"))
    assert subs["other"].data == HONEST
    assert (subs["odd"].data is not None) == gradable and problem in subs["odd"].problem
    assert subs["odd"].submitted_at is None


def test_a_zip_holding_its_file_twice_is_refused(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    with zipfile.ZipFile(folder / "twice.zip", "w") as archive:
        archive.writestr("tiny.py", HONEST)
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("tiny.py", SKELETON)
    [sub] = discover(folder, "tiny")
    assert sub.data is None and "appears twice" in sub.problem


# ---------------------------------------------------------------- duplicates and times


def test_duplicates_without_a_trusted_time_are_listed_and_one_rule_picks(tmp_path):
    folder = tmp_path / "class"
    (folder / "dupe").mkdir(parents=True)
    (folder / "dupe" / "tiny.py").write_bytes(HONEST)
    (folder / "dupe.py").write_bytes(SKELETON)
    (folder / "dupe.ipynb").write_bytes(b"{}")
    [sub] = discover(folder, "tiny")
    assert sub.origin == "dupe/tiny.py" and set(sub.duplicates) == {"dupe.py", "dupe.ipynb"}
    assert "3 submissions were found for dupe" in sub.notes[-1]
    assert "no trusted time tells them apart" in sub.notes[-1]


def test_submitted_at_csv_overrides_every_other_time(tmp_path):
    subs = discover(nbgrader_tree(tmp_path / "submitted"), "tiny")
    times = tmp_path / "times.csv"
    times.write_text("student,submitted_at,extra\nalice,2026-12-07T09:00:00-05:00,x\n")
    subs = by_student(override_submitted_at(subs, times))
    assert subs["alice"].submitted_at == datetime(2026, 12, 7, 14, tzinfo=UTC)
    assert subs["alice"].time_source == "times.csv" and subs["bob"].time_source == "nbgrader"
    deadline = datetime(2026, 12, 4, tzinfo=UTC)
    [line] = intake_summary(list(subs.values()), deadline)
    assert line.startswith("no trusted time for 1 submission(s)") and "carol" in line


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,time\ns1,2026-12-01T00:00:00Z\n", "needs the columns student and submitted_at"),
        ("student,submitted_at\ns1,yesterday\n", "times.csv:2: 'yesterday' is not an ISO 8601"),
        ("student,submitted_at\ns1,2026-12-01T10:00:00\n", "has no time zone"),
        (
            "student,submitted_at\ns1,2026-12-01T10:00:00Z\ns1,2026-12-02T10:00:00Z\n",
            "times.csv:3: s1 is given two different times",
        ),
    ],
)
def test_a_bad_submitted_at_csv_is_a_usage_error_naming_the_line(tmp_path, text, message):
    times = tmp_path / "times.csv"
    times.write_text(text)
    with pytest.raises(UsageError, match=re.escape(message)):
        read_submitted_at(times)
