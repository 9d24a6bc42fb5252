"""A killed grader leaves nothing behind: none of its fork servers or students' processes, and
none of their scratch directories, outlive it by more than two seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

SPIN = b"""
SQUARE = "(mu + sigma)**2"


def scale(x, s):
    while True:  # never returns: the grader is killed while this runs
        pass
"""
SANDBOX_UIDS = range(64000, 65000)


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, uid) of every live, non-zombie process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            uid = entry.stat().st_uid
        except (OSError, IndexError):
            continue
        if fields[0] != "Z":
            found[int(entry.name)] = (int(fields[1]), uid)
    return found


def _descendants(root: int) -> dict[int, int]:
    """pid -> uid of every live descendant of `root`."""
    table = _processes()
    found: dict[int, int] = {}
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, uid) in table.items():
            if ppid == parent and pid not in found:
                found[pid] = uid
                frontier.append(pid)
    return found


def _scratch_of(pids) -> set[Path]:
    """The sandbox scratch directories the given processes hold open."""
    held = set()
    for pid in pids:
        try:
            links = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        for target in links:
            if "/autograder-sandbox-" in target:
                held.add(
                    Path(
                        target.split("/autograder-sandbox-")[0]
                        + "/autograder-sandbox-"
                        + target.split("/autograder-sandbox-")[1].split("/")[0]
                    )
                )
    return held


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids are used only when the grader is root")
def test_kill_9_of_the_grader_while_a_submission_spins_leaves_nothing(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "spinner.py").write_bytes(SPIN)
    grader = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "autograder",
            "--solutions",
            str(FIXTURES / "solutions"),
            "grade",
            "tiny",
            str(tmp_path / "class"),
            "--jobs",
            "1",
            "--gradebook",
            str(tmp_path / "gb.db"),
        ],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        family: dict[int, int] = {}
        while not any(uid in SANDBOX_UIDS for uid in family.values()):
            assert grader.poll() is None, "the grader ended before the submission ran"
            assert time.monotonic() < deadline, "the spinning submission never started"
            time.sleep(0.1)
            family = _descendants(grader.pid)
        time.sleep(0.5)  # well inside the spinning call
        family.update(_descendants(grader.pid))
        scratch = _scratch_of(family)
        assert scratch, "the fork server holds no scratch directory?"
        grader.send_signal(signal.SIGKILL)
        grader.wait()
        killed = time.monotonic()

        def left() -> tuple[list[int], list[Path]]:
            alive = _processes()
            return [p for p in family if p in alive], [d for d in scratch if d.exists()]

        while left() != ([], []) and time.monotonic() - killed < 2.0:
            time.sleep(0.05)
        remaining = left()
        described = [
            (p, family[p], Path(f"/proc/{p}/cmdline").read_bytes()[:80]) for p in remaining[0]
        ]
        assert remaining == ([], []), described
    finally:
        if grader.poll() is None:
            grader.kill()
