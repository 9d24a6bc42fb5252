"""The command line: maps arguments to the verb functions, prints their results, and exits."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from autograder import __version__
from autograder.errors import EXIT_CODES, AutograderError, UsageError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

EXAMPLES = """examples:
  autograder check gaussian_kl gaussian_kl.py          # students: public checks, same sandbox as grading
  autograder submit gaussian_kl gaussian_kl.py --student s01
  autograder grade gaussian_kl submissions/ --jobs 2   # TAs: a whole class into gradebook/gradebook.db
  autograder grade gaussian_kl submissions/ --json > results.jsonl
  autograder report gaussian_kl --student s01
  autograder history gaussian_kl --student s01
  autograder export gaussian_kl --format csv
  autograder release --all                             # instructors: solutions/ -> assignments/
  autograder validate gaussian_kl
  autograder mutate gaussian_kl --jobs 2               # do the checks catch wrong answers?
"""
EPILOG = (
    EXAMPLES
    + "\nexit status:\n"
    + "".join(f"  {code:<4} {meaning}\n" for code, meaning in EXIT_CODES.items())
)
SCHEDULER = re.compile(
    r"^(?:(?:tcp|tls|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$"
)


# ---------------------------------------------------------------- arguments, checked before heavy imports


def _assignment(hw: str, solutions: str) -> Path:
    """solutions/HW/, or a UsageError naming the known assignments. Read here rather than through the
    spec loader, which imports the check kinds (and torch): a typo should be reported at once."""
    from autograder.submission import known_assignments, unknown_assignment

    folder = Path(solutions) / hw
    if not (folder / "assignment.yaml").is_file():
        raise unknown_assignment(
            hw, known_assignments(Path(solutions)), f"{folder / 'assignment.yaml'} does not exist"
        )
    return folder


def _assignments(args: argparse.Namespace) -> list[Path]:
    if args.all:
        folders = sorted(p.parent for p in Path(args.solutions).glob("*/assignment.yaml"))
        if not folders:
            raise UsageError(
                f"no assignments under {args.solutions}/",
                hint="run from the course folder, or give --solutions",
            )
        return folders
    if not args.hw:
        raise UsageError("name an assignment, or use --all")
    return [_assignment(args.hw, args.solutions)]


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError(f"{jobs} is negative; 0 means one per core")
    return jobs


def _count(text: str) -> int:
    count = _jobs(text)
    if count == 0:
        raise argparse.ArgumentTypeError("must be at least 1")
    return count


def _scheduler(text: str) -> str:
    if not SCHEDULER.match(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address such as tcp://10.0.0.5:8786"
        )
    return text


def _optional_path(text: str | None) -> Path | None:
    return Path(text) if text else None


def _prepared(folder: Path, *, secret: bytes | None = None) -> Any:
    from autograder.prepare import prepare
    from autograder.spec import load_spec

    return prepare(load_spec(folder), secret=secret)


def _secret_beside(gradebook: str | None) -> dict[str, bytes]:
    """`_prepared`'s secret when it is not where `prepare` looks by itself (AUTOGRADER_SECRET, else
    gradebook/secret.key): the secret.key beside a gradebook named with --gradebook."""
    from autograder.secret import course_secret, from_environment, secret_path

    if from_environment() is not None or secret_path(gradebook) == secret_path(None):
        return {}
    return {"secret": course_secret(gradebook)}


# ---------------------------------------------------------------- output


def _status_style(status: str) -> str:
    return {
        "passed": "green",
        "partial": "yellow",
        "failed": "red",
        "error": "magenta",
        "graded": "green",
        "not_gradable": "red",
        "grader_error": "magenta",
    }.get(status, "")


def _print_report(report: Any) -> None:
    table = Table(title=f"{report.assignment}: {report.student}", show_lines=True)
    for col in ("question", "points", "status", "feedback"):
        table.add_column(col, overflow="fold")
    for q in report.questions:
        table.add_row(
            q.id,
            f"{q.score:g}/{q.max_score:g}",
            f"[{_status_style(q.status)}]{q.status}[/]",
            q.feedback,
        )
    out.print(table)
    if report.feedback:
        out.print(report.feedback)
    out.print(
        f"[bold]{report.status}: {report.score:g}/{report.max_score:g}[/] (sandbox tier: {report.tier or 'none'})"
    )


def _describe(change: Any) -> str:
    if change.kind == "file":
        return "new file submitted"
    if change.kind == "spec":
        return "assignment spec changed"
    return f"{change.question}: {change.before:g} → {change.after:g}"


# ---------------------------------------------------------------- verbs


def cmd_check(args: argparse.Namespace) -> int:
    from autograder.export import as_json
    from autograder.selfcheck import check

    result = check(
        args.hw,
        _optional_path(args.path),
        solutions=Path(args.solutions),
        assignments=Path(args.assignments),
    )
    if args.json:
        print(json.dumps(as_json(result.report)))
    else:
        _print_report(result.report)
        out.print(
            "Only the public checks ran; hidden checks run after you submit. "
            f"Next: autograder submit {result.report.assignment} {result.path} --student YOUR_ID"
        )
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from autograder.submission import write_submission_zip

    target = write_submission_zip(
        args.hw,
        _optional_path(args.path),
        args.student,
        _optional_path(args.out),
        solutions=Path(args.solutions),
        assignments=Path(args.assignments),
    )
    out.print(f"wrote {target}: upload it to the course site")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from autograder.submission import discover, intake_summary, override_submitted_at

    folder = _assignment(args.hw, args.solutions)
    subs = discover(Path(args.submissions), args.hw)
    if args.submitted_at:
        subs = override_submitted_at(subs, Path(args.submitted_at))

    from autograder.batch import default_jobs, grade_batch
    from autograder.export import as_json
    from autograder.gradebook import Gradebook

    gradebook = Gradebook(args.gradebook)
    prepared = _prepared(folder, **_secret_beside(args.gradebook))
    on_report = (lambda r: print(json.dumps(as_json(r)), flush=True)) if args.json else None
    if args.scheduler:
        from autograder.distributed import grade_on_cluster

        summary = grade_on_cluster(
            prepared,
            subs,
            gradebook,
            address=args.scheduler,
            force=args.force,
            on_report=on_report,
            console=err,
        )
    else:
        summary = grade_batch(
            prepared,
            subs,
            gradebook,
            jobs=args.jobs or default_jobs(),
            force=args.force,
            on_report=on_report,
            console=err,
        )
    # Ids and notes are printed as typed: a folder named "[red]x" is not markup.
    notes = intake_summary(subs, getattr(prepared.spec, "deadline", None))
    if args.json:
        for line in notes:
            err.print(line, markup=False)
        return 0
    table = Table(title=f"{prepared.spec.title} ({prepared.spec.name})")
    for col in ("student", "status", "score", "seconds"):
        table.add_column(col)
    seconds = {r.student: f"{r.seconds:.2f}" for r in summary.graded}
    batch = {s.student for s in subs}
    for record in gradebook.latest(prepared.spec.name):  # graded now or earlier: the current grades
        if record.student in batch:
            table.add_row(
                record.student,
                f"[{_status_style(record.status)}]{record.status}[/]",
                f"{record.score:g}/{record.max_score:g}",
                seconds.get(record.student, "(earlier)"),
            )
    out.print(table)
    if summary.skipped:
        out.print(
            f"skipped {len(summary.skipped)} already graded (same file, same spec; --force regrades)"
        )
    for line in notes:
        out.print(line, markup=False)
    out.print(f"sandbox tier: {summary.tier or 'n/a'}; gradebook: {gradebook.url}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from autograder.gradebook import Gradebook
    from autograder.names import printable
    from autograder.report import write_reports

    records = Gradebook(args.gradebook).latest(args.hw)
    if not records:
        raise UsageError(
            f"the gradebook has no grades for {args.hw}",
            hint=f"run `autograder grade {args.hw} SUBMISSIONS` first",
        )
    if args.student:
        records = [r for r in records if r.student == args.student]
        if not records:
            raise UsageError(
                f"no grades for student {args.student} in {args.hw}",
                hint=f"`autograder report {args.hw}` lists the students graded",
            )
    table = Table(title=Text(f"{args.hw}: current grades"))
    for col in ("student", "status", "score", "questions"):
        table.add_column(col, overflow="fold")
    for r in records:
        marks = " ".join(f"{q.id}={q.score:g}" for q in r.questions)
        # Text, not markup: an id such as "[link=…]" is shown as typed, never made a live link.
        cells = (r.student, r.status, f"{r.score:g}/{r.max_score:g}", marks)
        table.add_row(*(Text(printable(c)) for c in cells))
    out.print(table)
    if not args.summary:
        written = write_reports(args.hw, records, Path(args.out), with_dashboard=not args.student)
        out.print(str(written), markup=False, emoji=False)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from autograder.gradebook import Gradebook
    from autograder.history import history

    for entry in history(Gradebook(args.gradebook), args.hw, args.student):
        r = entry.record
        out.print(
            f"[bold]run {r.run_id}[/] {r.started_at:%Y-%m-%d %H:%M:%S} {r.reason}: {r.status} "
            f"{r.score:g}/{r.max_score:g} (file {r.sha256[:10]}, spec {r.spec_hash[:10]}, tier {r.tier})"
        )
        if entry.changes is not None:
            out.print("   changes: " + ("; ".join(_describe(c) for c in entry.changes) or "none"))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from autograder.export import export
    from autograder.gradebook import Gradebook

    path = export(
        Gradebook(args.gradebook),
        args.hw,
        args.format,
        _optional_path(args.out),
        solutions=Path(args.solutions),
    )
    out.print(f"wrote {path}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    folders = _assignments(args)

    from autograder.public import write_public
    from autograder.release import release

    for folder in folders:
        prepared = _prepared(folder)
        target = Path(args.assignments) / folder.name
        written = release(prepared.spec, target) + [write_public(prepared, target)]
        out.print(f"released {folder.name}: " + ", ".join(str(p) for p in written))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    if args.show:
        from autograder.mistake import show

        if args.all or not args.hw:
            raise UsageError(
                "--show needs one assignment", hint="e.g. validate gaussian_kl --show half_missing"
            )
        print(show(_assignment(args.hw, args.solutions), args.show), end="")
        return 0
    folders = _assignments(args)

    from autograder.batch import default_jobs
    from autograder.validate import validate

    failed = 0
    for folder in folders:
        name = folder.name
        prepared = _prepared(folder)
        table = Table(title=f"validate {name}")
        for col in ("submission", "expected", "got", "verdict"):
            table.add_column(col, overflow="fold")
        verdicts = validate(
            prepared,
            jobs=args.jobs or default_jobs(),
            progress=lambda v: err.print(f"  {v.name}: {'ok' if v.ok else 'MISMATCH'}"),
        )
        for v in verdicts:
            table.add_row(
                v.name,
                f"{v.expected.score:g} ({v.expected.status})",
                f"{v.report.score:g} ({v.report.status})",
                "[green]ok[/]" if v.ok else "[red]" + "; ".join(v.problems) + "[/]",
            )
        out.print(table)
        bad = [v for v in verdicts if not v.ok]
        failed += len(bad)
        out.print(f"{name}: {len(verdicts) - len(bad)}/{len(verdicts)} as declared")
    if failed:
        out.print(
            f"[red]{failed} submission(s) not graded as declared[/]: fix the spec, the checks or the headers"
        )
        return 1
    return 0


def cmd_mutate(args: argparse.Namespace) -> int:
    folders = _assignments(args)

    from autograder.batch import default_jobs
    from autograder.mutate import mutate

    def progress(r: Any) -> None:
        verdict = "killed" if r.killed else "equivalent" if r.equivalent else "SURVIVED"
        err.print(f"  {r.mutant.id}: {verdict} ({r.score:g}/{r.max_score:g})", markup=False)

    reports = []
    for folder in folders:
        report = mutate(
            _prepared(folder),
            count=args.sample,
            only=args.id or (),
            jobs=args.jobs or default_jobs(),
            progress=progress,
        )
        reports.append(report)
        for r in report.survivors:
            questions = ", ".join(r.questions) or "no check reaches it"
            status = "" if r.status == "graded" else f"{r.status}; "
            out.print(
                f"survivor {r.mutant.id} ({status}{r.score:g}/{r.max_score:g}; {questions})",
                markup=False,
            )
            out.print(r.mutant.diff, markup=False, end="")
        for mutant_id in report.stale:
            out.print(
                f"{report.assignment}: equivalent_mutants lists {mutant_id}, which no longer exists",
                markup=False,
            )
    table = Table(title="mutation scores: the share of mutants that lose points (goal: 95%)")
    for col in ("assignment", "mutants", "killed", "equivalent", "survivors", "score"):
        table.add_column(col)
    for report in reports:
        table.add_row(
            report.assignment,
            str(len(report.results)),
            str(len(report.killed)),
            str(len(report.equivalent)),
            str(len(report.survivors)),
            f"{report.score:.1%}",
        )
    out.print(table)
    return 0


# ---------------------------------------------------------------- the parser


def build_parser() -> argparse.ArgumentParser:
    from autograder.export import FORMATS

    parser = argparse.ArgumentParser(
        prog="autograder",
        description="A sandboxed autograder for generative-model homework.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"autograder {__version__}")
    parser.add_argument(
        "--solutions",
        default="solutions",
        metavar="DIR",
        help="folder of reference solutions (default: solutions)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Any, help_text: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    hw_help = "the assignment's name, e.g. gaussian_kl"
    gradebook_help = "SQLAlchemy URL or SQLite path (default: gradebook/gradebook.db)"
    jobs_help = "parallel sandboxes (default 0: one per core)"

    p = command(
        "check",
        cmd_check,
        "run the public checks on your file, in the grading sandbox",
        "autograder check gaussian_kl gaussian_kl.py",
    )
    p.add_argument("hw", metavar="HW", help=hw_help)
    p.add_argument(
        "path",
        metavar="PATH",
        nargs="?",
        help="your HW.py or HW.ipynb (default: the one in this folder)",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--assignments",
        default="assignments",
        metavar="DIR",
        help="where released assignments live (default: assignments)",
    )

    p = command(
        "submit",
        cmd_submit,
        "make the zip (file + manifest) to upload",
        "autograder submit gaussian_kl gaussian_kl.py --student s01",
    )
    p.add_argument("hw", metavar="HW", help=hw_help)
    p.add_argument(
        "path",
        metavar="PATH",
        nargs="?",
        help="your HW.py or HW.ipynb (default: the one in this folder)",
    )
    p.add_argument(
        "--student",
        required=True,
        metavar="ID",
        help="your student id, as the course site knows it",
    )
    p.add_argument("--out", metavar="ZIP", help="zip to write (default: STUDENT_HW.zip)")
    p.add_argument(
        "--assignments",
        default="assignments",
        metavar="DIR",
        help="where released assignments live, to catch a misspelled name (default: assignments)",
    )

    p = command(
        "grade",
        cmd_grade,
        "grade a batch of submissions into the gradebook",
        "autograder grade gaussian_kl demo/gaussian_kl --jobs 2",
    )
    p.add_argument("hw", metavar="HW", help=hw_help)
    p.add_argument(
        "submissions",
        metavar="SUBMISSIONS",
        help="student folders, STUDENT.py/.ipynb/.zip files, an LMS zip, or nbgrader submitted/",
    )
    p.add_argument("--jobs", type=_jobs, default=0, metavar="N", help=jobs_help)
    p.add_argument(
        "--scheduler",
        type=_scheduler,
        metavar="ADDR",
        help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786",
    )
    p.add_argument("--gradebook", metavar="URL", help=gradebook_help)
    p.add_argument(
        "--force", action="store_true", help="regrade even when this file and spec were graded"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per submission on stdout")
    p.add_argument(
        "--submitted-at",
        metavar="CSV",
        help="submission times from the LMS or a server (columns student,submitted_at, ISO 8601 "
        "with a time zone); they override any other",
    )

    p = command(
        "report",
        cmd_report,
        "current grades, with HTML feedback per student and a class dashboard",
        "autograder report gaussian_kl --student s01",
    )
    p.add_argument("hw", metavar="HW", help=hw_help)
    p.add_argument(
        "--student",
        metavar="ID",
        help="only this student's page (default: every student and the dashboard)",
    )
    p.add_argument("--gradebook", metavar="URL", help=gradebook_help)
    p.add_argument(
        "--out",
        default="gradebook/reports",
        metavar="DIR",
        help="folder for the HTML (default: gradebook/reports)",
    )
    p.add_argument("--summary", action="store_true", help="print the table only, write no HTML")

    p = command(
        "history",
        cmd_history,
        "every grading run of a student, with what changed",
        "autograder history gaussian_kl --student s01",
    )
    p.add_argument("hw", metavar="HW", help=hw_help)
    p.add_argument("--student", required=True, metavar="ID", help="the student id")
    p.add_argument("--gradebook", metavar="URL", help=gradebook_help)

    p = command(
        "export",
        cmd_export,
        "grades out to CSV, Canvas, Gradescope, nbgrader or JSON lines",
        "autograder export gaussian_kl --format canvas",
    )
    p.add_argument("hw", metavar="HW", help=hw_help)
    p.add_argument("--format", required=True, choices=FORMATS, help="the output format")
    p.add_argument(
        "--out", metavar="PATH", help="file or folder to write (default: under gradebook/exports/)"
    )
    p.add_argument("--gradebook", metavar="URL", help=gradebook_help)

    p = command(
        "release",
        cmd_release,
        "write the student release (skeleton .py/.ipynb, README) to assignments/",
        "autograder release --all",
    )
    p.add_argument("hw", metavar="HW", nargs="?", help=hw_help + " (or --all)")
    p.add_argument("--all", action="store_true", help="every assignment under --solutions")
    p.add_argument(
        "--assignments",
        default="assignments",
        metavar="DIR",
        help="where to write the release (default: assignments)",
    )

    p = command(
        "validate",
        cmd_validate,
        "prove the grader: reference full marks, skeleton 0, mistakes as declared",
        "autograder validate gaussian_kl",
    )
    p.add_argument("hw", metavar="HW", nargs="?", help=hw_help + " (or --all)")
    p.add_argument("--all", action="store_true", help="every assignment under --solutions")
    p.add_argument("--jobs", type=_jobs, default=0, metavar="N", help=jobs_help)
    p.add_argument(
        "--show",
        metavar="NAME",
        help="print the diff from the reference to mistakes/NAME.py spliced into it, grade nothing",
    )

    p = command(
        "mutate",
        cmd_mutate,
        "grade mutants of the reference: the share the checks catch, and every survivor",
        "autograder mutate gaussian_kl --jobs 2",
    )
    p.add_argument("hw", metavar="HW", nargs="?", help=hw_help + " (or --all)")
    p.add_argument("--all", action="store_true", help="every assignment under --solutions")
    p.add_argument("--jobs", type=_jobs, default=0, metavar="N", help=jobs_help)
    p.add_argument(
        "--sample", type=_count, metavar="N", help="grade N mutants spread over the list, not all"
    )
    p.add_argument(
        "--id", action="append", metavar="ID", help="grade only this mutant (repeatable)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    # One BLAS/OpenMP thread: reference outputs are then reproducible, and idle threads do not spin.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or argparse's own usage message
        return 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    try:
        return args.func(args)
    except AutograderError as exc:
        err.print(exc.format(), markup=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted: grades written so far are kept; run the same command to resume")
        return 130


if __name__ == "__main__":
    sys.exit(main())
