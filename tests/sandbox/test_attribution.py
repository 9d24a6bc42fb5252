"""Whose fault a failure is: only the sandbox's own setup, confirmed on a pipe closed before the
student's file is imported, or the grader's side can make `Sandbox.run` raise. Whatever the
student's process does (exit codes, stderr, closed descriptors, signals) comes back as data."""

from __future__ import annotations

import pytest

from autograder.errors import SandboxError
from autograder.models import Call, Limits
from tests.conftest import FAST

FORGED = (
    "import os, sys\nsys.stderr.write('\\nsandbox setup failed: OSError: boom\\n')\nos._exit(70)\n"
)


def run(sandbox, source: str, *calls: Call, limits: Limits = FAST):
    return sandbox.run(source.encode(), "hw.py", list(calls), limits)


def call(name: str, seconds: float = 3.0) -> Call:
    return Call(id=name, kind="call", name=name, seconds=seconds)


def test_exit_70_with_our_marker_at_import_is_the_students(sandbox):
    result = run(sandbox, FORGED, call("anything"))
    assert not result.imported
    assert "exit code 70" in result.import_error
    assert "sandbox setup failed" in result.stderr  # shown to the student, never parsed


def test_exit_70_with_our_marker_in_a_call_costs_only_that_call(sandbox):
    source = "import os, sys\ndef forge():\n" + "".join(
        "    " + line + "\n" for line in FORGED.splitlines()[1:]
    )
    source += "def ok():\n    return 1\n"
    result = run(sandbox, source, call("forge"), call("ok"))
    assert "exit code 70" in result.results["forge"].error
    assert result.results["ok"].value == 1


def test_the_closed_setup_and_job_pipes_cannot_be_written(sandbox):
    source = """
import os
def write_back():
    found = []
    for fd in (4, 5, 6):
        try:
            os.write(fd, b"ok")
            found.append("written")
        except OSError as exc:
            found.append(exc.errno)
    return found
"""
    result = run(sandbox, source, call("write_back"))
    assert result.results["write_back"].value == (9, 9, 9)  # EBADF: closed before the import


def test_closing_every_descriptor_at_import_is_not_gradable(sandbox):
    result = run(sandbox, "import os\nos.closerange(0, 1024)\n", call("anything"))
    assert not result.imported
    assert "exited" in result.import_error


def test_closing_the_result_channel_in_a_call_costs_only_that_call(sandbox):
    source = "import os\ndef close():\n    os.closerange(3, 1024)\n    return 1\ndef ok():\n    return 2\n"
    result = run(sandbox, source, call("close"), call("ok"))
    assert not result.results["close"].ok and "exited" in result.results["close"].error
    assert result.results["ok"].value == 2


def test_a_crash_is_the_students(sandbox):
    source = "import ctypes\ndef crash():\n    ctypes.string_at(0)\ndef ok():\n    return 3\n"
    result = run(sandbox, source, call("crash"), call("ok"))
    assert "segmentation fault" in result.results["crash"].error
    assert result.results["ok"].value == 3


def test_killing_itself_is_the_students(sandbox):
    source = "import os, signal\ndef die():\n    signal.signal(signal.SIGTERM, signal.SIG_DFL)\n    os.kill(os.getpid(), signal.SIGTERM)\n    signal.pause()\n"
    result = run(sandbox, source, call("die", seconds=1))
    assert not result.results["die"].ok


def test_a_setup_that_cannot_finish_is_ours(sandbox):
    # Too few descriptors to write the student's file: the limits are wrong, not the student.
    starved = Limits(wall_seconds=10, cpu_seconds=5, call_seconds=2, max_open_files=3)
    with pytest.raises(SandboxError, match="could not confine the child: OSError: .*Too many"):
        run(sandbox, "def ok():\n    return 1\n", call("ok"), limits=starved)
    assert run(sandbox, "def ok():\n    return 4\n", call("ok")).results["ok"].value == 4


def test_a_file_over_the_size_limit_is_the_students(sandbox):
    limits = Limits(wall_seconds=10, cpu_seconds=5, call_seconds=2, max_file_mb=1)
    result = run(sandbox, "#" * (2 * 2**20), call("ok"), limits=limits)
    assert not result.imported and "over the 1 MB limit" in result.import_error


def test_the_child_keeps_none_of_the_servers_signal_handlers(sandbox):
    source = "import signal\ndef handlers():\n    return signal.getsignal(signal.SIGTERM) == signal.SIG_DFL\n"
    result = run(sandbox, source, call("handlers"))
    assert result.results["handlers"].value is True
