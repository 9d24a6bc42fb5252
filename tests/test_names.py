"""Safe file names for untrusted ids: what a hostile id becomes, that two ids never share a name,
that a path outside its folder is refused, and how an id is shown on a terminal."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from autograder.errors import UsageError
from autograder.names import HASH_CHARS, MAX_BYTES, path_inside, printable, safe_name


def plain_component(name: str) -> bool:
    """Letters, digits and marks of any script, `_`, `.` and `-`, not starting with `.` or `-`."""
    return (
        bool(name)
        and name[0] not in ".-"
        and all(c.isalnum() or c in "._-" or unicodedata.category(c)[0] == "M" for c in name)
    )


HOSTILE = (
    "",
    ".",
    "..",
    "...",
    "../../../x",
    "nodir/x",
    "/abs",
    "/etc/passwd",
    "C:\\Windows\\x",
    "a\\b",
    "a\x00b",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "-rf",
    "--help",
    ".hidden",
    ".git",
    "José García",
    "Jose\u0301",
    "s p a c e",
    "tab\there",
    "new\nline",
    "\u202eevil",  # right-to-left override
    "zero\u200bwidth",
    "CON",
    "nul",
    "com1",
    "lpt9.txt",
    "a" * 300,
    "學" * 300,
    "%2e%2e%2f",
    "x" + "-" + "0" * HASH_CHARS,
    "\udc80lone surrogate",
)


@pytest.mark.parametrize("identifier", HOSTILE, ids=ascii)
def test_every_name_is_one_plain_path_component(identifier):
    name = safe_name(identifier)
    assert plain_component(name), name
    assert name not in ("", ".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name and ":" not in name
    assert len(name.encode("utf-8")) <= MAX_BYTES + 1 + HASH_CHARS
    assert Path(name).name == name and not Path(name).is_absolute()
    assert unicodedata.normalize("NFC", name) == name
    assert name.split(".")[0].lower() not in ("con", "nul", "com1", "lpt9")


@pytest.mark.parametrize(
    "identifier",
    ("alice", "s01", "student_42", "a.b-c", "jean-luc", "學生03", "josé", "élève.7"),
)
def test_a_plain_id_is_its_own_name(identifier):
    assert safe_name(identifier) == identifier


@pytest.mark.parametrize("identifier", HOSTILE, ids=ascii)
def test_a_changed_name_carries_a_hash_of_the_id(identifier):
    name = safe_name(identifier)
    assert name != identifier
    assert re.search(rf"-[0-9a-f]{{{HASH_CHARS}}}$", name), name


def test_hostile_ids_keep_a_readable_prefix():
    assert safe_name("../../../x").startswith("_._.._.._x-")
    assert safe_name("nodir/x").startswith("nodir_x-")
    assert safe_name("javascript:alert(1)").startswith("javascript_alert_1_-")
    assert safe_name("-rf").startswith("_rf-")
    assert safe_name(".hidden").startswith("_hidden-")
    assert safe_name("José García").startswith("José_García-")
    assert safe_name("..").startswith("_.-")
    assert safe_name("").startswith("_-")
    assert safe_name("lpt9.txt").startswith("_lpt9.txt-")


def test_ids_that_differ_only_where_the_mapping_replaces_do_not_collide():
    groups = (
        ("a/b", "a:b", "a b", "a\\b", "a\x00b", "a?b", "a*b", "a_b"),
        ("Alice", "alice", "ALICE"),  # one file on a case-insensitive disk
        ("jos\u00e9", "jose\u0301"),  # NFC and NFD: one file on macOS
        ("..", "__", "_.", "._"),
        ("a" * 300, "a" * 300 + "b", "a" * 299 + "b"),
        ("index", "index-" + "0" * HASH_CHARS),
    )
    for group in groups:
        names = [safe_name(i, reserved=("index",)) for i in group]
        assert len({n.casefold() for n in names}) == len(group), names
    every = [i for group in groups for i in group] + list(HOSTILE) + ["x", "s01"]
    assert len({safe_name(i).casefold() for i in set(every)}) == len(set(every))


def test_an_id_that_looks_like_a_hashed_name_is_hashed_too():
    hashed = safe_name("nodir/x")
    assert safe_name(hashed) != hashed


def test_the_mapping_is_stable():
    assert safe_name("José García") == safe_name("José García")
    assert safe_name("../../../x") == "_._.._.._x-" + safe_name("../../../x")[-HASH_CHARS:]
    # A name written today must still be found by next term's report: pin one hash.
    assert safe_name("nodir/x") == "nodir_x-3e4652e2f2596abc"


def test_a_reserved_name_is_never_given_to_an_id():
    assert safe_name("index") == "index"
    assert safe_name("index", reserved=("index",)) != "index"
    assert safe_name("index", reserved=("index",)).startswith("index-")
    assert safe_name("index.html", reserved=("index",)).startswith("index.html-")


def test_long_ids_are_bounded_in_bytes():
    for identifier in ("a" * 300, "學" * 300, "é" * 1000):
        assert len(safe_name(identifier).encode("utf-8")) <= MAX_BYTES + 1 + HASH_CHARS


def test_a_path_inside_the_folder_is_returned(tmp_path):
    assert path_inside(tmp_path, "alice.html") == tmp_path / "alice.html"


@pytest.mark.parametrize("name", ("../x.html", "/etc/passwd", "a/../../x", ".."))
def test_a_path_outside_the_folder_is_refused(tmp_path, name):
    with pytest.raises(UsageError) as caught:
        path_inside(tmp_path, name)
    assert str(tmp_path) in caught.value.message and "outside" in caught.value.message


def test_a_link_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "alice.html").symlink_to(tmp_path / "elsewhere" / "alice.html")
    with pytest.raises(UsageError, match="outside"):
        path_inside(tmp_path / "out", "alice.html")


def test_printable_escapes_what_a_terminal_would_act_on():
    assert printable("alice") == "alice"
    assert printable("學生03 José") == "學生03 José"
    assert printable("evil\x1b]8;;http://x\x07") == "evil\\x1b]8;;http://x\\x07"
    assert printable("a\tb\nc\rd") == "a\\tb\\nc\\rd"
    assert printable("\u202eevil") == "\\u202eevil"
