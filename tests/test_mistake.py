"""Overrides spliced into a reference by name: in place, byte for byte elsewhere, and every
mistake in solutions/ a change that splices into valid Python."""

from __future__ import annotations

import ast

import pytest

from autograder.cli import main
from autograder.errors import SpecError, UsageError
from autograder.mistake import mistake_path, show, splice
from tests.conftest import FIXTURES, ROOT

REFERENCE = '''"""A reference."""

import torch

# A1  the answer.
# BEGIN SOLUTION
ANSWER = "(mu + sigma)**2"
# END SOLUTION


def scale(x, s):
    """x * s."""
    # BEGIN SOLUTION
    return x * s
    # END SOLUTION


def shift(x):
    """x + 1."""
    return x + 1  # a trailing comment
'''


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    return [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=False) if a != b]


def test_a_def_replaces_its_namesake_in_place_and_the_rest_stays_byte_for_byte():
    override = '# expect-score: 1\n\ndef scale(x, s):\n    """x * s."""\n    return x / s\n'
    spliced = splice(REFERENCE, override)
    # The function's closing "# END SOLUTION" is part of it, so it goes with it.
    assert spliced == REFERENCE.replace(
        "    # BEGIN SOLUTION\n    return x * s\n    # END SOLUTION\n", "    return x / s\n"
    )
    assert "expect-score" not in spliced  # the header is the override's, not the submission's


def test_a_def_without_a_docstring_gets_the_references():
    override = "def scale(x, s):\n    # BEGIN SOLUTION\n    return x / s\n    # END SOLUTION\n"
    assert changed_lines(REFERENCE, splice(REFERENCE, override)) == [
        ("    return x * s", "    return x / s")
    ]
    own = 'def scale(\n    x, s\n):\n    """Mine."""\n    return x / s\n'
    assert '"""x * s."""' not in splice(REFERENCE, own)
    wrapped = "def scale(\n    x,\n    s,\n):\n    return x / s\n"
    assert 'def scale(\n    x,\n    s,\n):\n    """x * s."""\n    return x / s\n' in splice(
        REFERENCE, wrapped
    )


def test_an_answer_keeps_the_markers_and_the_line_numbers_around_it():
    spliced = splice(REFERENCE, 'ANSWER = "mu**2 + sigma**2"\n')
    assert changed_lines(REFERENCE, spliced) == [
        ('ANSWER = "(mu + sigma)**2"', 'ANSWER = "mu**2 + sigma**2"')
    ]
    assert len(spliced.splitlines()) == len(REFERENCE.splitlines())


def test_a_trailing_comment_belongs_to_its_statement():
    spliced = splice(REFERENCE, "def shift(x):\n    return x - 1\n")
    assert "a trailing comment" not in spliced and spliced.endswith("    return x - 1\n")


def test_a_new_name_keeps_its_neighbours():
    before = splice(
        REFERENCE, "def helper(x):\n    return 2 * x\n\n\ndef shift(x):\n    return helper(x)\n"
    )
    assert before.index("def helper") < before.index("def shift")
    assert before.index("def helper") > before.index("def scale")
    after = splice(
        REFERENCE, "def scale(x, s):\n    return x * s\n\n\ndef helper(x):\n    return x\n"
    )
    assert before.index("def scale") < after.index("def helper") < after.index("def shift")
    alone = splice(REFERENCE, "def helper(x):\n    return x\n")
    assert alone.rstrip().endswith("def helper(x):\n    return x")
    assert ast.parse(alone) and ast.parse(before) and ast.parse(after)


def test_a_new_import_follows_the_imports_and_a_known_one_is_not_repeated():
    spliced = splice(REFERENCE, "import math\nimport torch\n\nANSWER = 'x'\n")
    assert spliced.count("import torch") == 1
    assert spliced.index("import torch") < spliced.index("import math") < spliced.index("ANSWER")


def test_a_full_file_is_used_as_it_is():
    full = "# expect-score: 0\n" + REFERENCE.replace("x * s", "x - s")
    assert splice(REFERENCE, full) == full


def test_the_splice_is_deterministic():
    override = "import math\n\ndef shift(x):\n    return x\n\n\nANSWER = 'mu'\n"
    assert len({splice(REFERENCE, override) for _ in range(5)}) == 1


@pytest.mark.parametrize(
    ("override", "problem"),
    [
        ("print('hi')\n", "binds no name"),
        ("def shift(x):\n    return 1\n\n\ndef shift(x):\n    return 2\n", "defines shift twice"),
        ("a = 1; b = 2\n", "two statements on one line"),
        ("ANSWER, other = 1, 2\n", "binds ANSWER"),
        ("def shift(x:\n", "is not valid Python"),
    ],
)
def test_what_cannot_be_spliced_is_an_error_that_names_the_line(override, problem):
    with pytest.raises(SpecError, match=problem) as error:
        splice(REFERENCE, override, where="mistakes/m.py")
    assert "mistakes/m.py:" in error.value.message


MISTAKES = sorted((ROOT / "solutions").glob("*/mistakes/*.py"))


@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_every_mistake_is_a_change_that_splices_into_python(path):
    folder = path.parent.parent
    reference = (folder / f"{folder.name}.py").read_text()
    spliced = splice(reference, path.read_text(), where=str(path))
    assert ast.dump(ast.parse(spliced)) != ast.dump(ast.parse(reference))
    # An override names only what it changes: no statement of it is the reference's own.
    same = {ast.dump(s) for s in ast.parse(reference).body}
    assert [
        ast.unparse(s)[:60] for s in ast.parse(path.read_text()).body if ast.dump(s) in same
    ] == []


def test_show_prints_the_diff_and_an_unknown_name_lists_the_known_ones():
    folder = ROOT / "solutions" / "gaussian_kl"
    diff = show(folder, "half_missing")
    assert diff.startswith(f"--- {folder / 'gaussian_kl.py'}")
    assert '-KL_STD_NORMAL = "(sigma**2 + mu**2 - 1 - log(sigma**2))/2"' in diff
    assert '+KL_STD_NORMAL = "sigma**2 + mu**2 - 1 - log(sigma**2)"' in diff
    assert show(folder, "mistakes/half_missing.py") == diff
    with pytest.raises(UsageError, match="no mistake 'half_mising'") as error:
        mistake_path(folder, "half_mising")
    assert error.value.hint == "did you mean 'half_missing'?"
    with pytest.raises(UsageError) as error:
        mistake_path(folder, "zzz")
    assert error.value.hint.startswith("known mistakes: batch_sum, concepts_wrong")


def test_validate_show_maps_to_the_diff(capsys):
    solutions = str(FIXTURES / "solutions")
    assert main(["--solutions", solutions, "validate", "tiny", "--show", "no_cross_term"]) == 0
    assert show(FIXTURES / "solutions" / "tiny", "no_cross_term") == capsys.readouterr().out
    assert main(["--solutions", solutions, "validate", "--all", "--show", "x"]) == 2
    assert "--show needs one assignment" in capsys.readouterr().err
