"""One end-to-end test per verb, through the real command line, on the tiny assignment."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile

import pytest

from autograder.cli import main
from tests.conftest import FIXTURES

SOLUTIONS = str(FIXTURES / "solutions")


@pytest.fixture()
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(FIXTURES / "class_tiny" / "good", tmp_path / "class" / "good")
    shutil.copytree(FIXTURES / "class_tiny" / "patcher", tmp_path / "class" / "patcher")
    return tmp_path


def ag(*args: str) -> int:
    return main(["--solutions", SOLUTIONS, *args])


def test_check_runs_only_public_checks(workdir, capsys):
    shutil.copy(FIXTURES / "class_tiny" / "good" / "tiny.py", workdir / "tiny.py")
    assert ag("check", "tiny", "tiny.py", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert [q["id"] for q in report["questions"]] == ["square", "scale"]
    assert report["score"] == report["max_score"] == 5


def test_submit_writes_a_zip_with_a_manifest(workdir):
    shutil.copy(FIXTURES / "class_tiny" / "good" / "tiny.py", workdir / "tiny.py")
    assert ag("submit", "tiny", "tiny.py", "--student", "s42") == 0
    with zipfile.ZipFile(workdir / "s42_tiny.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["student"] == "s42" and archive.read("tiny.py").startswith(b"import warnings")


def test_grade_json_report_history_and_exports(workdir, capsys):
    assert ag("grade", "tiny", "class", "--json", "--jobs", "1") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    scores = {r["student"]: r["score"] for r in lines}
    assert scores == {"good": 10.0, "patcher": 0.0}
    assert set(lines[0]) >= {"student", "assignment", "status", "score", "max_score", "questions"}

    assert ag("grade", "tiny", "class") == 0
    assert "skipped 2 already graded" in capsys.readouterr().out

    assert ag("report", "tiny") == 0
    assert (workdir / "gradebook" / "reports" / "tiny" / "index.html").read_text().count("<img") == 1
    assert "patcher" in (workdir / "gradebook" / "reports" / "tiny" / "patcher.html").read_text()

    assert ag("grade", "tiny", "class", "--force", "--jobs", "1") == 0
    capsys.readouterr()
    assert ag("history", "tiny", "--student", "good") == 0
    text = capsys.readouterr().out
    assert text.count("run ") == 2 and "regrade (--force)" in text

    assert ag("export", "tiny", "--format", "csv") == 0
    rows = list(csv.DictReader(open(workdir / "gradebook" / "exports" / "tiny.csv")))
    assert {r["student"]: r["score"] for r in rows} == {"good": "10", "patcher": "0"}
    assert ag("export", "tiny", "--format", "gradescope") == 0
    results = json.loads((workdir / "gradebook" / "exports" / "tiny_gradescope" / "good.json").read_text())
    assert results["score"] == 10 and len(results["tests"]) == 4
    assert ag("export", "tiny", "--format", "nbgrader") == 0
    from nbgrader.api import Gradebook as NbGradebook

    with NbGradebook(f"sqlite:///{workdir / 'gradebook' / 'exports' / 'nbgrader_gradebook.db'}") as gb:
        assert gb.find_submission("tiny", "good").score == 10
        assert gb.find_submission("tiny", "patcher").score == 0


def test_release_and_validate(workdir, capsys):
    assert ag("release", "tiny", "--assignments", "released") == 0
    skeleton = (workdir / "released" / "tiny" / "tiny.py").read_text()
    assert "raise NotImplementedError" in skeleton and "SQUARE = None" in skeleton
    assert "return x * s" not in skeleton and not (workdir / "released" / "tiny" / "checks.py").exists()
    assert (workdir / "released" / "tiny" / "tiny.ipynb").exists()
    assert ag("validate", "tiny") == 0
    assert "3/3 as declared" in capsys.readouterr().out


def test_check_on_a_students_machine_uses_only_the_release(workdir, capsys):
    assert ag("release", "tiny", "--assignments", "released") == 0
    bundle = json.loads((workdir / "released" / "tiny" / "public_checks.json").read_text())
    assert [q["id"] for q in bundle["questions"]] == ["square", "scale"]
    assert "(mu + sigma)**2" not in json.dumps(bundle)  # values at points, never the expression
    home = workdir / "student"
    home.mkdir()
    shutil.copy(workdir / "released" / "tiny" / "public_checks.json", home)
    for student, score in (("good", 5.0), ("bad_inputs", 0.0)):
        shutil.copy(FIXTURES / "class_tiny" / student / "tiny.py", home / "tiny.py")
        capsys.readouterr()
        assert main(["--solutions", str(workdir / "nothing"), "check", "tiny", str(home / "tiny.py"), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["score"] == score


def test_user_errors_exit_non_zero_with_a_hint(workdir, capsys):
    assert ag("grade", "nope", "class") == 2
    assert "known assignments: tiny" in capsys.readouterr().err
    assert ag("grade", "tiny", "missing-folder") == 2
