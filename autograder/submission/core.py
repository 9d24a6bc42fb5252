"""One submission as intake hands it on: its bytes (or why there are none), who and when as the
container says, what intake noted; its id as the gradebook keeps it; its Python source."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

MAX_FILE_BYTES = 2 * 2**20  # one student file
MAX_ID_CHARS = 100  # the gradebook's student column
STUDENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """One student's file as bytes (or the reason there is none), with what intake found out."""

    student: str
    filename: str
    data: bytes | None
    submitted_at: datetime | None = None  # only a time the container vouches for
    problem: str = ""
    origin: str = ""  # where under SUBMISSIONS it was found
    time_source: str = ""  # who vouches for submitted_at (gradescope, nbgrader, times.csv)
    marked_late: bool = False  # the LMS says late, whatever the time
    notes: tuple[str, ...] = ()  # for the student's feedback and the TA's summary
    duplicates: tuple[str, ...] = ()  # the origins of this student's other submissions

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data or b"").hexdigest()


def notebook_to_source(data: bytes) -> str:
    """The code cells of a notebook as one module; magics and shell lines become comments."""
    import nbformat  # imported here: its schema validator costs seconds at start-up

    notebook = nbformat.reads(data.decode("utf-8"), as_version=4)
    chunks = []
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        lines = [
            f"# {line}" if line.lstrip().startswith(("%", "!")) else line
            for line in str(cell.get("source", "")).splitlines()
        ]
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def source_of(sub: Submission, module_file: str) -> tuple[bytes | None, str]:
    """(python source, problem): the problem explains why there is nothing to grade."""
    if sub.data is None:
        return None, sub.problem or f"no {module_file} (or notebook) was found in the submission"
    if len(sub.data) > MAX_FILE_BYTES:
        return (
            None,
            f"{sub.filename} is {len(sub.data)} bytes, over the {MAX_FILE_BYTES}-byte limit",
        )
    if sub.filename.endswith(".ipynb"):
        try:
            code = notebook_to_source(sub.data)
        except Exception as exc:  # nbformat raises many kinds on broken JSON
            return None, (
                f"the notebook {sub.filename} could not be read ({type(exc).__name__}: "
                f"{str(exc)[:200]}); re-save it from Jupyter or submit a .py file"
            )
        data = code.encode()
    else:
        data = sub.data
    if not data.strip():
        return None, f"{sub.filename} is empty"
    return data, ""


def student_id(raw: str) -> str:
    """A layout's name for a student as the gradebook keeps it: NFC; lone surrogates (an undecodable
    file name) and control characters written as escapes; at most MAX_ID_CHARS characters."""
    text = unicodedata.normalize("NFC", "".join(_escaped(c) for c in raw))
    if len(text) > MAX_ID_CHARS:
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        text = f"{text[: MAX_ID_CHARS - 9]}~{digest}"
    return text or "(unnamed)"


def _escaped(c: str) -> str:
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that os.fsdecode could not decode
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF:
        return f"\\u{code:04x}"
    if unicodedata.category(c) == "Cc":
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return c
