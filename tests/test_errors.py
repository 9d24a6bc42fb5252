"""Errors are API: each user error has its own documented exit code, a hint, and never a traceback."""

from __future__ import annotations

import pickle
import re
import shutil
import subprocess
import sys
import time

import pytest

from autograder import errors
from autograder.errors import EXIT_CODES, AutograderError, ReleaseError, SchedulerError, SpecError
from autograder.release import strip_solutions
from tests.conftest import FIXTURES, ROOT


def all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *all_subclasses(sub)]
    return found


USER_ERRORS = [c for c in all_subclasses(AutograderError) if c.__module__ == errors.__name__]


def test_every_user_error_has_its_own_documented_exit_code():
    names = {c.__name__ for c in USER_ERRORS}
    assert names >= {
        "UsageError",
        "SpecError",
        "SandboxError",
        "GradebookError",
        "ReleaseError",
        "SchedulerError",
    }
    codes = [c.exit_code for c in USER_ERRORS]
    assert len(set(codes)) == len(codes), dict(zip(names, codes))
    assert all(code in EXIT_CODES and code not in (0, 1, 130) for code in codes)
    assert {0, 1, 130} <= set(EXIT_CODES)


def test_the_readme_lists_the_same_exit_codes():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| `?(\d+)`? \|", section, flags=re.M)}
    assert documented == set(EXIT_CODES)


def test_an_error_formats_itself_with_its_hint_and_survives_pickling():
    exc = SchedulerError("cannot reach tcp://x:1", hint="start the scheduler")
    assert exc.format() == "error: cannot reach tcp://x:1\nhint: start the scheduler"
    again = pickle.loads(pickle.dumps(exc))  # raised on a Dask worker, re-raised in the client
    assert type(again) is SchedulerError and again.format() == exc.format()


def test_a_release_error_is_not_a_value_error_and_names_file_line_and_fix():
    assert not issubclass(ReleaseError, ValueError)
    with pytest.raises(ReleaseError) as info:
        strip_solutions("x = 1\n# BEGIN SOLUTION\ny = 2\n", "tiny.py")
    assert info.value.message.startswith("tiny.py:2: # BEGIN SOLUTION is never closed")
    assert "# END SOLUTION" in info.value.hint
    with pytest.raises(ReleaseError, match=r"tiny.py:3: # END SOLUTION without"):
        strip_solutions("x = 1\n\n# END SOLUTION\n", "tiny.py")
    with pytest.raises(
        ReleaseError, match=r"tiny.py:3: # BEGIN SOLUTION inside the region opened at line 1"
    ):
        strip_solutions("# BEGIN SOLUTION\nx = 1\n# BEGIN SOLUTION\n# END SOLUTION\n", "tiny.py")


def autograder(*args: str, cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autograder", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_an_unbalanced_begin_solution_exits_with_the_release_code_and_no_traceback(tmp_path):
    shutil.copytree(FIXTURES / "solutions" / "tiny", tmp_path / "solutions" / "tiny")
    source = tmp_path / "solutions" / "tiny" / "tiny.py"
    lines = source.read_text().splitlines(keepends=True)
    closing = [i for i, line in enumerate(lines) if line.strip() == "# END SOLUTION"]
    del lines[closing[-1]]
    source.write_text("".join(lines))
    opened = max(i for i, line in enumerate(lines) if line.strip() == "# BEGIN SOLUTION") + 1

    done = autograder("release", "tiny", cwd=tmp_path)
    assert done.returncode == ReleaseError.exit_code, done.stderr
    assert "Traceback" not in done.stderr
    assert f"tiny.py:{opened}: # BEGIN SOLUTION is never closed" in done.stderr
    assert "hint:" in done.stderr
    assert not (tmp_path / "assignments" / "tiny").exists()


def test_a_broken_spec_exits_with_the_spec_code_and_no_traceback(tmp_path):
    shutil.copytree(FIXTURES / "solutions" / "tiny", tmp_path / "solutions" / "tiny")
    (tmp_path / "solutions" / "tiny" / "assignment.yaml").write_text("title: [unclosed\n")
    done = autograder("validate", "tiny", cwd=tmp_path)
    assert done.returncode == SpecError.exit_code, done.stderr
    assert "Traceback" not in done.stderr and "assignment.yaml" in done.stderr


def test_an_unreachable_scheduler_is_a_scheduler_error_soon():
    from autograder.distributed import connect

    started = time.monotonic()
    with pytest.raises(SchedulerError) as info:
        connect("tcp://127.0.0.1:1", timeout=1)
    assert time.monotonic() - started < 15
    assert "tcp://127.0.0.1:1" in info.value.message and "dask scheduler" in info.value.hint


def test_a_worker_that_sees_another_spec_is_a_scheduler_error():
    from autograder.distributed import grade_task

    with pytest.raises(SchedulerError, match="different"):
        grade_task(
            str(FIXTURES / "solutions" / "tiny"), "0" * 64, "s01", "tiny.py", b"x = 1\n", None, ""
        )
