"""The command line: the only place that parses arguments, prints, or exits."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.errors import AutograderError, UsageError

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False)

EPILOG = """examples:
  autograder check gaussian_kl gaussian_kl.py          # students: public checks, same sandbox as grading
  autograder submit gaussian_kl gaussian_kl.py --student s01
  autograder grade gaussian_kl submissions/ --jobs 2   # TAs: a whole class into gradebook/gradebook.db
  autograder grade gaussian_kl submissions/ --json > results.jsonl
  autograder report gaussian_kl --student s01
  autograder history gaussian_kl --student s01
  autograder export gaussian_kl --format csv
  autograder release --all                             # instructors: solutions/ -> assignments/
  autograder validate gaussian_kl
"""


def _assignment_names(args) -> list[str]:
    from autograder.spec import find_assignment

    if getattr(args, "all", False):
        names = sorted(p.parent.name for p in Path(args.solutions).glob("*/assignment.yaml"))
        if not names:
            raise UsageError(f"no assignments under {args.solutions}/")
        return names
    if not args.hw:
        raise UsageError("name an assignment, or use --all")
    find_assignment(args.hw, Path(args.solutions))
    return [args.hw]


def _prepared(name: str, solutions: str):
    from autograder.prepare import prepare
    from autograder.spec import find_assignment, load_spec

    return prepare(load_spec(find_assignment(name, Path(solutions))))


def _status_style(status: str) -> str:
    return {"passed": "green", "partial": "yellow", "failed": "red", "error": "magenta",
            "graded": "green", "not_gradable": "red", "grader_error": "magenta"}.get(status, "")


def _print_report(report) -> None:
    table = Table(title=f"{report.assignment}: {report.student}", show_lines=True)
    for col in ("question", "points", "status", "feedback"):
        table.add_column(col, overflow="fold")
    for q in report.questions:
        table.add_row(q.id, f"{q.score:g}/{q.max_score:g}", f"[{_status_style(q.status)}]{q.status}[/]", q.feedback)
    out.print(table)
    if report.feedback:
        out.print(report.feedback)
    out.print(f"[bold]{report.status}: {report.score:g}/{report.max_score:g}[/] (sandbox tier: {report.tier or 'none'})")


def cmd_check(args) -> int:
    from autograder.sandbox import Sandbox

    sandbox = Sandbox(light=True)
    sandbox.spawn()  # warms up while this process imports torch and prepares the reference outputs

    from autograder.grader import grade_submission
    from autograder.public import FILE, load_public
    from autograder.submission import Submission

    if (Path(args.solutions) / args.hw / "assignment.yaml").is_file():
        prepared = _prepared(args.hw, args.solutions)
    else:  # a student's machine: the checks that came with the release
        candidates = [Path(args.path).parent if args.path else Path("."), Path(args.assignments) / args.hw]
        folder = next((c for c in candidates if (c / FILE).is_file()), None)
        if folder is None:
            raise UsageError(f"no checks for {args.hw}: neither {args.solutions}/{args.hw}/ nor {FILE} found",
                             hint=f"run from the released folder assignments/{args.hw}/ (it holds {FILE})")
        prepared = load_public(folder)
    spec = prepared.spec
    path = Path(args.path) if args.path else next(
        (p for p in (Path(spec.student_file), Path(f"{spec.module_name}.ipynb")) if p.exists()), None)
    if path is None or not path.is_file():
        raise UsageError(f"{args.path or spec.student_file} not found",
                         hint=f"run from the folder holding {spec.student_file}, or give its path")
    sub = Submission(student="you", filename=f"{spec.module_name}{path.suffix}", data=path.read_bytes())
    with sandbox:
        report = grade_submission(prepared, sub, sandbox, visibility=("public",))
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        _print_report(report)
        out.print("Only the public checks ran; hidden checks run after you submit. "
                  f"Next: autograder submit {spec.name} {path} --student YOUR_ID")
    return 0


def cmd_submit(args) -> int:
    import hashlib

    path = Path(args.path or f"{args.hw}.py")
    if not path.is_file():
        raise UsageError(f"{path} not found", hint=f"give the path of your {args.hw}.py or {args.hw}.ipynb")
    if path.suffix not in (".py", ".ipynb"):
        raise UsageError(f"{path} must be a .py or .ipynb file")
    data = path.read_bytes()
    manifest = {"student": args.student, "assignment": args.hw, "file": f"{args.hw}{path.suffix}",
                "submitted_at": datetime.now(UTC).isoformat(), "sha256": hashlib.sha256(data).hexdigest()}
    target = Path(args.out) if args.out else Path(f"{args.student}_{args.hw}.zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        archive.writestr(manifest["file"], data)
    target.write_bytes(buffer.getvalue())
    out.print(f"wrote {target} (sha256 {manifest['sha256'][:12]}…): upload it to the course site")
    return 0


def cmd_grade(args) -> int:
    from autograder.batch import default_jobs, grade_batch
    from autograder.gradebook import Gradebook
    from autograder.submission import discover

    prepared = _prepared(args.hw, args.solutions)
    subs = discover(Path(args.submissions), prepared.spec.module_name)
    gradebook = Gradebook(args.gradebook)
    on_report = (lambda r: print(json.dumps(r.to_json()), flush=True)) if args.json else None
    if args.scheduler:
        from autograder.distributed import grade_on_cluster

        summary = grade_on_cluster(prepared, subs, gradebook, address=args.scheduler, force=args.force,
                                   on_report=on_report, console=err)
    else:
        summary = grade_batch(prepared, subs, gradebook, jobs=args.jobs or default_jobs(), force=args.force,
                              on_report=on_report, console=err)
    if args.json:
        return 0
    table = Table(title=f"{prepared.spec.title} ({prepared.spec.name})")
    for col in ("student", "status", "score", "seconds"):
        table.add_column(col)
    seconds = {r.student: f"{r.seconds:.2f}" for r in summary.graded}
    batch = {s.student for s in subs}
    for record in gradebook.latest(prepared.spec.name):  # graded now or earlier: the current grades
        if record.student in batch:
            table.add_row(record.student, f"[{_status_style(record.status)}]{record.status}[/]",
                          f"{record.score:g}/{record.max_score:g}", seconds.get(record.student, "(earlier)"))
    out.print(table)
    if summary.skipped:
        out.print(f"skipped {len(summary.skipped)} already graded (same file, same spec; --force regrades)")
    out.print(f"sandbox tier: {summary.tier or 'n/a'}; gradebook: {gradebook.url}")
    return 0


def cmd_report(args) -> int:
    from autograder.gradebook import Gradebook
    from autograder.report import write_reports

    gradebook = Gradebook(args.gradebook)
    records = gradebook.latest(args.hw)
    if not records:
        raise UsageError(f"the gradebook has no grades for {args.hw}",
                         hint=f"run `autograder grade {args.hw} SUBMISSIONS` first")
    if args.student:
        records = [r for r in records if r.student == args.student]
        if not records:
            raise UsageError(f"no grades for student {args.student} in {args.hw}")
    table = Table(title=f"{args.hw}: current grades")
    for col in ("student", "status", "score", "questions"):
        table.add_column(col, overflow="fold")
    for r in records:
        marks = " ".join(f"{q.id}={q.score:g}" for q in r.questions)
        table.add_row(r.student, r.status, f"{r.score:g}/{r.max_score:g}", marks)
    out.print(table)
    if not args.summary:
        folder = write_reports(args.hw, records, Path(args.out), with_dashboard=not args.student)
        out.print(f"HTML reports in {folder}/ (open index.html)")
    return 0


def cmd_history(args) -> int:
    from autograder.gradebook import Gradebook

    records = Gradebook(args.gradebook).history(args.hw, args.student)
    if not records:
        raise UsageError(f"no grading runs for {args.student} in {args.hw}")
    previous = None
    for r in records:
        out.print(f"[bold]run {r.run_id}[/] {r.started_at:%Y-%m-%d %H:%M:%S} {r.reason}: {r.status} "
                  f"{r.score:g}/{r.max_score:g} (file {r.sha256[:10]}, spec {r.spec_hash[:10]}, tier {r.tier})")
        if previous is not None:
            changes = []
            if previous.sha256 != r.sha256:
                changes.append("new file submitted")
            if previous.spec_hash != r.spec_hash:
                changes.append("assignment spec changed")
            before = {q.id: q.score for q in previous.questions}
            for q in r.questions:
                if q.id in before and abs(before[q.id] - q.score) > 1e-9:
                    changes.append(f"{q.id}: {before[q.id]:g} → {q.score:g}")
            out.print("   changes: " + ("; ".join(changes) if changes else "none"))
        previous = r
    return 0


def cmd_export(args) -> int:
    from autograder.export import export
    from autograder.gradebook import Gradebook

    path = export(Gradebook(args.gradebook), args.hw, args.format, Path(args.out) if args.out else None,
                  solutions=Path(args.solutions))
    out.print(f"wrote {path}")
    return 0


def cmd_release(args) -> int:
    from autograder.public import write_public
    from autograder.release import release

    for name in _assignment_names(args):
        prepared = _prepared(name, args.solutions)
        target = Path(args.assignments) / name
        written = release(prepared.spec, target) + [write_public(prepared, target)]
        out.print(f"released {name}: " + ", ".join(str(p) for p in written))
    return 0


def cmd_validate(args) -> int:
    from autograder.batch import default_jobs
    from autograder.validate import validate

    failed = 0
    for name in _assignment_names(args):
        prepared = _prepared(name, args.solutions)
        table = Table(title=f"validate {name}")
        for col in ("submission", "expected", "got", "verdict"):
            table.add_column(col, overflow="fold")
        verdicts = validate(prepared, jobs=args.jobs or default_jobs(),
                            progress=lambda v: err.print(f"  {v.name}: {'ok' if v.ok else 'MISMATCH'}"))
        for v in verdicts:
            table.add_row(v.name, f"{v.expected.score:g} ({v.expected.status})",
                          f"{v.report.score:g} ({v.report.status})",
                          "[green]ok[/]" if v.ok else "[red]" + "; ".join(v.problems) + "[/]")
        out.print(table)
        bad = [v for v in verdicts if not v.ok]
        failed += len(bad)
        out.print(f"{name}: {len(verdicts) - len(bad)}/{len(verdicts)} as declared")
    if failed:
        out.print(f"[red]{failed} submission(s) not graded as declared[/]: fix the spec, the checks or the headers")
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description="A sandboxed autograder for generative-model homework.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--solutions", default="solutions", help="folder of reference solutions (default: solutions)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help_text: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog=f"example:\n  {example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = command("check", cmd_check, "run the public checks on your file, in the grading sandbox",
                "autograder check gaussian_kl gaussian_kl.py")
    p.add_argument("hw")
    p.add_argument("path", nargs="?")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--assignments", default="assignments", help="where released assignments live")

    p = command("submit", cmd_submit, "make the zip (file + manifest) to upload",
                "autograder submit gaussian_kl gaussian_kl.py --student s01")
    p.add_argument("hw")
    p.add_argument("path", nargs="?")
    p.add_argument("--student", required=True)
    p.add_argument("--out", help="zip to write (default: STUDENT_HW.zip)")

    p = command("grade", cmd_grade, "grade a batch of submissions into the gradebook",
                "autograder grade gaussian_kl demo/gaussian_kl --jobs 2")
    p.add_argument("hw")
    p.add_argument("submissions", help="student folders, STUDENT.py/.ipynb/.zip files, an LMS zip, or nbgrader submitted/")
    p.add_argument("--jobs", type=int, default=0, help="parallel sandboxes (default: number of cores)")
    p.add_argument("--scheduler", help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--gradebook", help="SQLAlchemy URL or SQLite path (default: gradebook/gradebook.db)")
    p.add_argument("--force", action="store_true", help="regrade even when this file and spec were graded")
    p.add_argument("--json", action="store_true", help="one JSON object per submission on stdout")

    p = command("report", cmd_report, "current grades, with HTML feedback per student and a class dashboard",
                "autograder report gaussian_kl --student s01")
    p.add_argument("hw")
    p.add_argument("--student")
    p.add_argument("--gradebook")
    p.add_argument("--out", default="gradebook/reports", help="folder for the HTML (default: gradebook/reports)")
    p.add_argument("--summary", action="store_true", help="print the table only, write no HTML")

    p = command("history", cmd_history, "every grading run of a student, with what changed",
                "autograder history gaussian_kl --student s01")
    p.add_argument("hw")
    p.add_argument("--student", required=True)
    p.add_argument("--gradebook")

    p = command("export", cmd_export, "grades out to CSV, Canvas, Gradescope, nbgrader or JSON lines",
                "autograder export gaussian_kl --format canvas")
    p.add_argument("hw")
    p.add_argument("--format", required=True, choices=("csv", "canvas", "gradescope", "nbgrader", "json"))
    p.add_argument("--out", help="file or folder to write (default: under gradebook/exports/)")
    p.add_argument("--gradebook")

    p = command("release", cmd_release, "write the student release (skeleton .py/.ipynb, README) to assignments/",
                "autograder release --all")
    p.add_argument("hw", nargs="?")
    p.add_argument("--all", action="store_true")
    p.add_argument("--assignments", default="assignments")

    p = command("validate", cmd_validate, "prove the grader: reference full marks, skeleton 0, mistakes as declared",
                "autograder validate gaussian_kl")
    p.add_argument("hw", nargs="?")
    p.add_argument("--all", action="store_true")
    p.add_argument("--jobs", type=int, default=0, help="parallel sandboxes (default: number of cores)")
    return parser


def main(argv: list[str] | None = None) -> int:
    # One BLAS/OpenMP thread: reference outputs are then reproducible, and idle threads do not spin.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except AutograderError as exc:
        err.print(exc.format(), markup=False)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted: grades written so far are kept; run the same command to resume")
        return 130


if __name__ == "__main__":
    sys.exit(main())
