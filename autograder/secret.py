"""The course secret that seeds the hidden cases, and the seeds derived from it.

The secret comes from the environment (`AUTOGRADER_SECRET`) or else from `secret.key` beside the
SQLite gradebook, made once with 32 random bytes. It never lives in `assignments/` or in the
repository, so a student who holds the release cannot compute the hidden cases; the grader, who
holds the secret, draws the same hidden cases on every run.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from autograder.errors import GradebookError, UsageError

ENV = "AUTOGRADER_SECRET"
FILE = "secret.key"
DEFAULT_FOLDER = Path("gradebook")  # where the default gradebook, gradebook/gradebook.db, lives
SECRET_BYTES = 32
# Generators add offsets to a seed and hand it to torch.manual_seed, which takes 64 bits at most.
SEED_BITS = 62


def secret_path(gradebook: str | None = None) -> Path:
    """secret.key beside the SQLite gradebook given as a path or a sqlite:/// URL (default
    gradebook/secret.key)."""
    if not gradebook:
        return DEFAULT_FOLDER / FILE
    if "://" in gradebook:
        prefix = "sqlite:///"
        if not gradebook.startswith(prefix) or len(gradebook) == len(prefix):
            raise UsageError(
                f"the gradebook {gradebook} is not a file, so no course secret can sit beside it",
                hint=f"set {ENV} to the same value on every machine that grades this course",
            )
        gradebook = gradebook[len(prefix) :]
    return Path(gradebook).parent / FILE


def from_environment() -> bytes | None:
    text = os.environ.get(ENV, "")
    return text.encode() if text else None


def course_secret(gradebook: str | None = None) -> bytes:
    """The course secret: `AUTOGRADER_SECRET` if set, else the secret.key beside the gradebook,
    created on first use (mode 0600)."""
    found = from_environment()
    if found is not None:
        return found
    path = secret_path(gradebook)
    try:
        return _read_or_create(path)
    except OSError as exc:
        raise GradebookError(
            f"cannot read or create the course secret {path}: {exc}",
            hint=f"make {path.parent} writable, or set {ENV}",
        ) from None


def _read_or_create(path: Path) -> bytes:
    if path.is_file():
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under a private name, then linked into place: a second grader starting at the same
    # moment either links first or reads the complete file, never a half-written one.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(SECRET_BYTES))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    if not data:
        raise GradebookError(
            f"the course secret {path} is empty",
            hint="restore it from a backup (grades made with another secret cannot be reproduced "
            f"without it), or delete it to start a new one, or set {ENV}",
        )
    return data


def derive_seed(secret: bytes, assignment: str, purpose: str) -> int:
    """A seed for one assignment and one purpose, from the secret (HMAC-SHA256); different
    purposes and assignments give unrelated seeds."""
    message = f"{assignment}\0{purpose}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - SEED_BITS)
