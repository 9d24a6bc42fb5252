"""The student's `check` verb: which checks, which file, and the public checks run in the grading sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from autograder.errors import UsageError
from autograder.models import GradeReport
from autograder.sandbox import Sandbox
from autograder.submission import Submission, check_assignment_name


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfCheck:
    """The public checks' report on the student's file, and the file that was checked."""

    report: GradeReport
    path: Path


def student_file(hw: str, path: Path | None) -> Path:
    """The file to check: `path`, or HW.py (else HW.ipynb) in the current folder."""
    if path is None:
        found = next((p for p in (Path(f"{hw}.py"), Path(f"{hw}.ipynb")) if p.is_file()), None)
        if found is None:
            raise UsageError(
                f"{hw}.py not found here",
                hint=f"run from the folder holding {hw}.py (or {hw}.ipynb), or give its path",
            )
        return found
    if not path.is_file():
        raise UsageError(f"{path} not found", hint=f"give the path of your {hw}.py or {hw}.ipynb")
    if path.suffix not in (".py", ".ipynb"):
        raise UsageError(
            f"{path} must be a .py or .ipynb file", hint=f"check your {hw}.py or {hw}.ipynb"
        )
    return path


def bundle_folder(hw: str, file: Path, *, assignments: Path) -> Path:
    """The release folder whose public checks apply to `file`: the file's own folder (a student's copy
    of assignments/HW/), else assignments/HW/ of a course checkout."""
    from autograder.public import FILE

    for folder in (file.parent, assignments / hw):
        if (folder / FILE).is_file():
            return folder
    raise UsageError(
        f"no checks for {hw}: neither solutions/{hw}/ nor {FILE} was found",
        hint=f"run from the released folder assignments/{hw}/ (it holds {FILE})",
    )


def check(
    hw: str,
    path: Path | None = None,
    *,
    solutions: Path = Path("solutions"),
    assignments: Path = Path("assignments"),
) -> SelfCheck:
    """Run the public checks of `hw` on the student's file. With the course's solutions/HW/ at hand the
    checks come from the reference; on a student's machine, from the release's public checks."""
    trusted = (solutions / hw / "assignment.yaml").is_file()
    if not trusted:
        check_assignment_name(hw, solutions, assignments)
    file = student_file(hw, path)
    sandbox = Sandbox(light=True)
    sandbox.spawn()  # warms up while this process imports torch and prepares the reference outputs
    with sandbox:
        from autograder.grader import grade_submission

        if trusted:
            from autograder.prepare import prepare
            from autograder.spec import load_spec

            prepared = prepare(load_spec(solutions / hw))
        else:
            from autograder.public import FILE, load_public

            folder = bundle_folder(hw, file, assignments=assignments)
            prepared = load_public(folder)
            if prepared.spec.name != hw:
                raise UsageError(
                    f"{folder / FILE} holds the checks of {prepared.spec.name}, not {hw}",
                    hint=f"run `autograder check {prepared.spec.name}`, or give the path of your {hw}.py",
                )
        sub = Submission(
            student="you",
            filename=f"{prepared.spec.module_name}{file.suffix}",
            data=file.read_bytes(),
        )
        report = grade_submission(prepared, sub, sandbox, visibility=("public",))
    return SelfCheck(report=report, path=file)
