"""Safe file names for untrusted ids: one plain, unique, stable path component per student id, a
check that a path stays inside its output folder, and the id as a terminal may show it."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from pathlib import Path

from autograder.errors import UsageError

# The kept part of a name, in UTF-8 bytes: with the hash and an extension it stays far below the
# 255 bytes most file systems allow, whatever the script.
MAX_BYTES = 100
# 64 bits of sha256: a student cannot search out an id whose name is another student's.
HASH_CHARS = 16
# Names Windows gives to devices, whatever the extension ("nul.html" is the null device there).
DEVICES = frozenset(
    {"con", "prn", "aux", "nul"} | {f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)}
)
LOOKS_HASHED = re.compile(rf"-[0-9a-f]{{{HASH_CHARS}}}$")


def _kept(char: str) -> bool:
    """Letters and digits of any script, their combining marks, and `_ . -`."""
    return char.isalnum() or char in "._-" or unicodedata.category(char).startswith("M")


def _truncated(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 encoding fits in `limit` bytes."""
    size = 0
    for i, char in enumerate(text):
        size += len(char.encode("utf-8"))
        if size > limit:
            return text[:i]
    return text


def _plain(name: str, reserved: Collection[str]) -> bool:
    """Whether `name`, already made of kept characters, may stand for its id unchanged."""
    stem = name.split(".")[0].casefold()
    return (
        len(name.encode("utf-8")) <= MAX_BYTES
        # Case-insensitive disks (macOS, Windows) would give "Bob" and "bob", or "σ" and "ς", one
        # file: a plain name is one that every case folding leaves as it is.
        and name.upper().lower() == name.casefold() == name
        and stem not in DEVICES
        and stem not in {r.casefold() for r in reserved}
        # A hashed name is never taken by an id spelled like it.
        and not LOOKS_HASHED.search(name)
    )


def safe_name(identifier: str, *, reserved: Collection[str] = ()) -> str:
    """A file name (without extension) for any id: the id itself when it is a plain lower-case name,
    else its kept characters with `_` for the rest and `-` plus a hash of the id, so that two ids
    never share a name, even on a case- or normalisation-insensitive disk.

    Never empty, `.` or `..`, never starting with `.` or `-`, never a path separator, a Windows
    device or one of `reserved` (e.g. `index`, the dashboard of a report folder).
    """
    text = unicodedata.normalize("NFC", identifier)
    name = "".join(c if _kept(c) else "_" for c in text)
    if name[:1] in ("", ".", "-"):
        name = "_" + name[1:]
    if name == identifier and _plain(name, reserved):
        return name
    # surrogatepass: an id decoded from a file name may hold a lone surrogate.
    digest = hashlib.sha256(identifier.encode("utf-8", "surrogatepass")).hexdigest()
    name = _truncated(name, MAX_BYTES)
    if name.split(".")[0].casefold() in DEVICES:  # Windows reads "lpt9.txt-…" as the device too
        name = "_" + name
    return f"{name}-{digest[:HASH_CHARS]}"


def path_inside(folder: Path, name: str) -> Path:
    """`folder / name`, or a UsageError when it would resolve outside `folder` (through `..`, an
    absolute name, or a link already there)."""
    base = folder.resolve()
    resolved = (base / name).resolve()
    if not resolved.is_relative_to(base) or resolved == base:
        raise UsageError(
            f"refusing to write {name!r}: it resolves to {resolved}, outside {folder}",
            hint=f"remove the link that points out of {folder}, or choose another --out",
        )
    return folder / name


def printable(text: str) -> str:
    """`text` with what a terminal would act on (escape sequences, bells, bidi overrides, line breaks)
    spelled out as Python escapes, so an id is shown, never obeyed."""
    return "".join(
        c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text
    )
