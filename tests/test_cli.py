"""One end-to-end test per verb on the tiny assignment, then the argument mapping alone, with the verbs replaced."""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder import __version__, cli
from autograder.cli import main
from autograder.errors import EXIT_CODES, SpecError
from autograder.export import as_json
from autograder.history import Change
from autograder.models import GradeReport, QuestionResult
from autograder.selfcheck import SelfCheck
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
        assert manifest["student"] == "s42" and archive.read("tiny.py").startswith(
            b"import warnings"
        )


def test_grade_json_report_history_and_exports(workdir, capsys):
    assert ag("grade", "tiny", "class", "--json", "--jobs", "1") == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    scores = {r["student"]: r["score"] for r in lines}
    assert scores == {"good": 10.0, "patcher": 0.0}
    assert set(lines[0]) >= {"student", "assignment", "status", "score", "max_score", "questions"}

    assert ag("grade", "tiny", "class") == 0
    assert "skipped 2 already graded" in capsys.readouterr().out

    assert ag("report", "tiny") == 0
    assert (workdir / "gradebook" / "reports" / "tiny" / "index.html").read_text().count(
        "<img"
    ) == 1
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
    results = json.loads(
        (workdir / "gradebook" / "exports" / "tiny_gradescope" / "good.json").read_text()
    )
    assert results["score"] == 10 and len(results["tests"]) == 4
    assert ag("export", "tiny", "--format", "nbgrader") == 0
    from nbgrader.api import Gradebook as NbGradebook

    with NbGradebook(
        f"sqlite:///{workdir / 'gradebook' / 'exports' / 'nbgrader_gradebook.db'}"
    ) as gb:
        assert gb.find_submission("tiny", "good").score == 10
        assert gb.find_submission("tiny", "patcher").score == 0


def test_release_and_validate(workdir, capsys):
    assert ag("release", "tiny", "--assignments", "released") == 0
    skeleton = (workdir / "released" / "tiny" / "tiny.py").read_text()
    assert "raise NotImplementedError" in skeleton and "SQUARE = None" in skeleton
    assert (
        "return x * s" not in skeleton
        and not (workdir / "released" / "tiny" / "checks.py").exists()
    )
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
        assert (
            main(
                [
                    "--solutions",
                    str(workdir / "nothing"),
                    "check",
                    "tiny",
                    str(home / "tiny.py"),
                    "--json",
                ]
            )
            == 0
        )
        assert json.loads(capsys.readouterr().out)["score"] == score


def test_user_errors_exit_non_zero_with_a_hint(workdir, capsys):
    assert ag("grade", "nope", "class") == 2
    assert "known assignments: tiny" in capsys.readouterr().err
    assert ag("grade", "tiny", "missing-folder") == 2


# ---------------------------------------------------------------- the mapping alone, verbs replaced


class Recorder:
    """Stands in for a verb function: records each call and returns a canned result."""

    def __init__(self, result: object = None, raises: BaseException | None = None) -> None:
        self.calls: list[tuple[tuple, dict]] = []
        self.result = result
        self.raises = raises

    def __call__(self, *args, **kwargs):
        self.calls.append((args, kwargs))
        if self.raises is not None:
            raise self.raises
        return self.result

    @property
    def call(self) -> tuple[tuple, dict]:
        assert len(self.calls) == 1, self.calls
        return self.calls[0]


class FakeGradebook:
    def __init__(self, url=None, records=()):
        self.url, self.records = url, list(records)

    def latest(self, assignment):
        return self.records


REPORT = GradeReport(
    student="you",
    assignment="tiny",
    status="graded",
    score=5.0,
    max_score=5.0,
    questions=(
        QuestionResult(id="square", score=2.0, max_score=2.0, status="passed", feedback="ok"),
    ),
)


@pytest.fixture()
def fake_gradebook(monkeypatch):
    made: list[FakeGradebook] = []

    def factory(url=None):
        made.append(FakeGradebook(url))
        return made[-1]

    monkeypatch.setattr("autograder.gradebook.Gradebook", factory)
    return made


@pytest.fixture()
def fake_prepared(monkeypatch):
    prepared = SimpleNamespace(spec=SimpleNamespace(name="tiny", title="Tiny"))
    recorder = Recorder(prepared)
    monkeypatch.setattr(cli, "_prepared", recorder)
    return recorder


def test_check_maps_to_selfcheck(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    check = Recorder(SelfCheck(report=REPORT, path=Path("tiny.py")))
    monkeypatch.setattr("autograder.selfcheck.check", check)
    assert ag("check", "tiny", "mine/tiny.py", "--assignments", "rel", "--json") == 0
    assert check.call == (
        ("tiny", Path("mine/tiny.py")),
        {"solutions": Path(SOLUTIONS), "assignments": Path("rel")},
    )
    assert json.loads(capsys.readouterr().out) == as_json(REPORT)
    check.calls.clear()
    assert ag("check", "tiny") == 0
    assert check.call == (
        ("tiny", None),
        {"solutions": Path(SOLUTIONS), "assignments": Path("assignments")},
    )
    assert "Next: autograder submit tiny tiny.py --student YOUR_ID" in capsys.readouterr().out


def test_submit_maps_to_the_zip_writer(monkeypatch, capsys):
    write = Recorder(Path("s1_tiny.zip"))
    monkeypatch.setattr("autograder.submission.write_submission_zip", write)
    assert ag("submit", "tiny", "tiny.ipynb", "--student", "s1", "--out", "up/s1.zip") == 0
    assert write.call == (
        ("tiny", Path("tiny.ipynb"), "s1", Path("up/s1.zip")),
        {"solutions": Path(SOLUTIONS), "assignments": Path("assignments")},
    )
    assert "wrote s1_tiny.zip" in capsys.readouterr().out
    write.calls.clear()
    assert ag("submit", "tiny", "--student", "s1") == 0
    assert write.call[0] == ("tiny", None, "s1", None)


def test_grade_maps_to_the_local_pool_or_the_cluster(
    monkeypatch, fake_prepared, fake_gradebook, capsys
):
    subs = [SimpleNamespace(student="good")]
    discover = Recorder(subs)
    batch = Recorder(SimpleNamespace(graded=[], skipped=[], tier="plain"))
    cluster = Recorder(SimpleNamespace(graded=[], skipped=[], tier="root"))
    monkeypatch.setattr("autograder.submission.discover", discover)
    monkeypatch.setattr("autograder.batch.grade_batch", batch)
    monkeypatch.setattr("autograder.distributed.grade_on_cluster", cluster)

    assert ag("grade", "tiny", "class", "--jobs", "3", "--force", "--gradebook", "g.db") == 0
    assert discover.call == ((Path("class"), "tiny"), {})
    assert fake_prepared.call == ((Path(SOLUTIONS) / "tiny",), {})
    assert [g.url for g in fake_gradebook] == ["g.db"]
    args, kwargs = batch.call
    assert args == (fake_prepared.result, subs, fake_gradebook[0])
    assert kwargs["jobs"] == 3 and kwargs["force"] is True and kwargs["on_report"] is None
    assert cluster.calls == []

    assert ag("grade", "tiny", "class", "--scheduler", "tcp://10.0.0.5:8786", "--json") == 0
    args, kwargs = cluster.call
    assert kwargs["address"] == "tcp://10.0.0.5:8786" and kwargs["force"] is False
    kwargs["on_report"](REPORT)
    assert json.loads(capsys.readouterr().out.splitlines()[-1]) == as_json(REPORT)
    assert len(batch.calls) == 1


@pytest.mark.parametrize(
    "argv",
    [
        ("grade", "tiny", "class", "--jobs", "-1"),
        ("grade", "tiny", "class", "--jobs", "two"),
        ("grade", "tiny", "class", "--scheduler", "10.0.0.5"),
        ("export", "tiny", "--format", "excel"),
        ("history", "tiny"),
        ("frobnicate",),
    ],
)
def test_bad_arguments_exit_2_before_any_verb_runs(monkeypatch, fake_prepared, argv, capsys):
    assert ag(*argv) == 2
    assert fake_prepared.calls == []
    assert "usage:" in capsys.readouterr().err


def test_report_maps_to_the_html_writer(monkeypatch, fake_gradebook):
    records = [
        SimpleNamespace(student=s, status="graded", score=1.0, max_score=2.0, questions=())
        for s in ("s1", "s2")
    ]
    monkeypatch.setattr(
        "autograder.gradebook.Gradebook", lambda url=None: FakeGradebook(url, records)
    )
    write = Recorder(Path("out/tiny"))
    monkeypatch.setattr("autograder.report.write_reports", write)
    assert ag("report", "tiny", "--student", "s2", "--out", "out") == 0
    assert write.call == (("tiny", records[1:], Path("out")), {"with_dashboard": False})
    assert ag("report", "tiny", "--summary") == 0 and len(write.calls) == 1
    assert ag("report", "tiny", "--student", "nobody") == 2


def test_history_maps_to_the_history_diff(monkeypatch, fake_gradebook, capsys):
    record = SimpleNamespace(
        run_id=1,
        started_at=datetime(2025, 1, 1),
        reason="graded",
        status="graded",
        score=1.0,
        max_score=2.0,
        sha256="a" * 64,
        spec_hash="b" * 64,
        tier="plain",
    )
    entries = [
        SimpleNamespace(record=record, changes=None),
        SimpleNamespace(
            record=record,
            changes=(
                Change(kind="file"),
                Change(kind="score", question="q", before=1.0, after=2.0),
            ),
        ),
        SimpleNamespace(record=record, changes=()),
    ]
    diff = Recorder(entries)
    monkeypatch.setattr("autograder.history.history", diff)
    assert ag("history", "tiny", "--student", "s1", "--gradebook", "g.db") == 0
    assert diff.call == ((fake_gradebook[0], "tiny", "s1"), {})
    text = capsys.readouterr().out
    assert (
        text.count("run 1") == 3
        and "changes: new file submitted; q: 1 → 2" in text
        and "changes: none" in text
    )


def test_export_maps_to_the_exporter_with_every_format(monkeypatch, fake_gradebook):
    from autograder.export import FORMATS

    export = Recorder(Path("x"))
    monkeypatch.setattr("autograder.export.export", export)
    for fmt in FORMATS:
        assert ag("export", "tiny", "--format", fmt, "--out", f"x.{fmt}") == 0
        assert export.calls[-1] == (
            (fake_gradebook[-1], "tiny", fmt, Path(f"x.{fmt}")),
            {"solutions": Path(SOLUTIONS)},
        )


def test_release_and_validate_map_to_their_verbs(monkeypatch, fake_prepared, capsys):
    release = Recorder([Path("rel/tiny/tiny.py")])
    write_public = Recorder(Path("rel/tiny/public_checks.json"))
    validate = Recorder([])
    monkeypatch.setattr("autograder.release.release", release)
    monkeypatch.setattr("autograder.public.write_public", write_public)
    monkeypatch.setattr("autograder.validate.validate", validate)
    assert ag("release", "--all", "--assignments", "rel") == 0
    assert fake_prepared.calls == [((Path(SOLUTIONS) / "tiny",), {})]
    assert release.call == ((fake_prepared.result.spec, Path("rel/tiny")), {})
    assert write_public.call == ((fake_prepared.result, Path("rel/tiny")), {})
    assert ag("validate", "tiny", "--jobs", "2") == 0
    assert validate.call[0] == (fake_prepared.result,) and validate.call[1]["jobs"] == 2
    assert ag("release") == 2 and "name an assignment, or use --all" in capsys.readouterr().err


def test_errors_from_a_verb_are_printed_with_their_hint_and_code(monkeypatch, capsys):
    monkeypatch.setattr(
        "autograder.selfcheck.check", Recorder(raises=SpecError("bad key", hint="fix it"))
    )
    assert ag("check", "tiny") == SpecError.exit_code
    assert capsys.readouterr().err == "error: bad key\nhint: fix it\n"
    monkeypatch.setattr("autograder.selfcheck.check", Recorder(raises=KeyboardInterrupt()))
    assert ag("check", "tiny") == 130
    assert "interrupted" in capsys.readouterr().err


def test_version_and_help_on_every_argument(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"autograder {__version__}"
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in [("autograder", parser), *sub.choices.items()]:
        for action in command._actions:
            if not isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                assert action.help, f"{name} {action.dest} has no help text"
    assert "exit status:" in parser.epilog and all(
        f"  {code} " in parser.epilog for code in EXIT_CODES
    )


def test_typos_and_missing_paths_are_reported_without_importing_torch(tmp_path):
    script = f"""
import json, sys
from autograder.cli import main
base = ["--solutions", {SOLUTIONS!r}]
codes = [main(base + ["grade", "tyni", "class"]), main(base + ["grade", "tiny", "missing-folder"]),
         main(base + ["check", "tyni"]), main(base + ["check", "tiny", "missing.py"]),
         main(base + ["submit", "tyni", "--student", "s1"]), main(base + ["release", "tyni"])]
print(json.dumps({{"codes": codes, "torch": "torch" in sys.modules}}))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == {"codes": [2] * 6, "torch": False}
    assert "did you mean 'tiny'" in done.stderr and "missing-folder does not exist" in done.stderr
