"""Reference solution → student release, as small str → str transforms plus one writer."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from autograder.errors import ReleaseError
from autograder.models import AssignmentSpec

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::[^=]*)?=(?!=)")


def strip_solutions(source: str, filename: str = "<source>") -> str:
    """Replace each BEGIN/END SOLUTION region: module-level assignments become `NAME = None`,
    anything else becomes `raise NotImplementedError` at the region's indentation."""
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() != BEGIN:
            if line.strip() == END:
                raise ReleaseError(
                    f"{filename}:{i + 1}: {END} without a {BEGIN} before it",
                    hint=f"add the missing {BEGIN} above the solution, or delete this line",
                )
            out.append(line)
            i += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        start = i
        i += 1
        region: list[str] = []
        while i < len(lines) and lines[i].strip() != END:
            if lines[i].strip() == BEGIN:
                raise ReleaseError(
                    f"{filename}:{i + 1}: {BEGIN} inside the region opened at line {start + 1}",
                    hint=f"close the first region with {END} before opening another",
                )
            region.append(lines[i])
            i += 1
        if i == len(lines):
            raise ReleaseError(
                f"{filename}:{start + 1}: {BEGIN} is never closed by {END}",
                hint=f"add {END} where the solution ends, at the same indentation",
            )
        i += 1
        names = [
            m.group(1)
            for r in region
            if not r.startswith((" ", "\t")) and (m := ASSIGNMENT.match(r))
        ]
        if indent == "" and names:
            out.extend(f"{name} = None  # your answer" for name in dict.fromkeys(names))
        else:
            out.append(f"{indent}raise NotImplementedError")
    return "\n".join(out) + "\n"


def to_notebook(source: str) -> str:
    """The skeleton as a notebook: one code cell per top-level block."""
    import nbformat  # imported here: its schema validator costs seconds at start-up

    blocks: list[list[str]] = [[]]
    for line in source.splitlines():
        top = line and not line[0].isspace() and not line.startswith((")", "]", "}", "#"))
        if top and blocks[-1] and not blocks[-1][-1].strip() and any(x.strip() for x in blocks[-1]):
            blocks.append([])
        blocks[-1].append(line)
    cells: list[nbformat.NotebookNode] = []
    for block in blocks:
        text = "\n".join(block).strip("\n")
        if text:
            cell = nbformat.v4.new_code_cell(text)
            cell.id = f"cell-{len(cells) + 1}"  # stable ids keep the release reproducible
            cells.append(cell)
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nbformat.writes(notebook)


def readme(spec: AssignmentSpec) -> str:
    lines = [
        f"# {spec.title}",
        "",
        f"Fill in `{spec.student_file}` (or `{spec.module_name}.ipynb`): implement the functions and set "
        "the answer names. Check your work with the public checks, then make the zip to upload:",
        "",
        "```",
        f"autograder check {spec.name} {spec.student_file}",
        f"autograder submit {spec.name} {spec.student_file} --student YOUR_ID",
        "```",
        "",
    ]
    if spec.deadline:
        lines += [f"Deadline: {spec.deadline.isoformat()}.", ""]
    lines += [
        'Symbolic answers are strings in Python syntax (`"(sigma**2 + mu**2 - 1 - log(sigma**2))/2"`, '
        '`^` also means power, multiplication needs `*`) or LaTeX (`r"$\\frac{1}{2}(\\sigma^2+\\mu^2-1-'
        '\\log\\sigma^2)$"`; `\\log` is the natural log). Choices are letters such as `"b"`.',
        "",
        f"Total: {spec.max_score:g} points.",
        "",
    ]
    for n, q in enumerate(spec.questions, 1):
        tag = "" if q.visibility == "public" else " (graded after submission)"
        unit = "point" if q.points == 1 else "points"
        lines += [f"## {n}. {q.title or q.id} — {q.points:g} {unit}{tag}", ""]
        if q.prompt:
            lines += [q.prompt.rstrip(), ""]
    return "\n".join(lines)


def release(spec: AssignmentSpec, target: Path) -> list[Path]:
    """Write assignments/HW/: the skeleton (.py and .ipynb) and the README. Nothing hidden goes there."""
    try:
        source = (spec.root / spec.student_file).read_text()
    except OSError as exc:
        raise ReleaseError(
            f"{spec.root / spec.student_file}: cannot be read ({exc.strerror})",
            hint=f"the reference solution {spec.student_file} belongs beside assignment.yaml",
        ) from None
    skeleton = strip_solutions(source, str(spec.root / spec.student_file))
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    written = []
    for name, text in (
        (spec.student_file, skeleton),
        (f"{spec.module_name}.ipynb", to_notebook(skeleton)),
        ("README.md", readme(spec)),
    ):
        path = target / name
        path.write_text(text)
        written.append(path)
    return written
