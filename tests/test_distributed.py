"""The same class graded on Dask (a LocalCluster, and a real `dask scheduler` with two `dask worker`
processes, one of them killed mid-batch) gives the same grades as the local pool."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from autograder.batch import grade_batch
from autograder.distributed import grade_on_cluster
from autograder.gradebook import Gradebook
from autograder.prepare import prepare
from autograder.spec import load_spec
from autograder.submission import discover
from tests.conftest import FIXTURES, ROOT

DASK = Path(sys.executable).parent / "dask"
CLUSTER_CLASS = ("good", "latex_good", "patcher", "nan_values", "exits", "slow")


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_cluster_grades_match_and_resume(client, tmp_path):
    prepared = prepare(load_spec(FIXTURES / "solutions" / "tiny"))
    subs = [
        s
        for s in discover(FIXTURES / "class_tiny", "tiny")
        if s.student in ("good", "patcher", "exits")
    ]
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    summary = grade_on_cluster(prepared, subs, gradebook, address=client)
    scores = {r.student: (r.status, r.score) for r in summary.graded}
    assert scores == {
        "good": ("graded", 10.0),
        "patcher": ("graded", 0.0),
        "exits": ("not_gradable", 0.0),
    }
    assert {r.student for r in gradebook.latest("tiny")} == {"good", "patcher", "exits"}
    again = grade_on_cluster(prepared, subs, gradebook, address=client)
    assert again.graded == [] and sorted(again.skipped) == ["exits", "good", "patcher"]


# ---------------------------------------------------------------- a real scheduler and workers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    # Each in its own session, so a test can kill a worker (and its nanny's children) as a group.
    return subprocess.Popen(
        [str(DASK), *args],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=ROOT,
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """A `dask scheduler` and two `dask worker --nthreads 1` processes on 127.0.0.1."""
    distributed = pytest.importorskip("dask.distributed")
    logs = tmp_path_factory.mktemp("dask")
    address = f"tcp://127.0.0.1:{_free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = [
        _start(
            ["scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"], logs / "s.log"
        )
    ]
    try:
        for i in range(2):
            processes.append(
                _start(
                    ["worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"],
                    logs / f"w{i}.log",
                )
            )
        with distributed.Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address, processes
    finally:
        for process in reversed(processes):
            _stop(process)


@pytest.fixture(scope="module")
def local_grades(tmp_path_factory):
    """The class graded by the local pool: what every cluster run must reproduce."""
    prepared = prepare(load_spec(FIXTURES / "solutions" / "tiny"))
    subs = [s for s in discover(FIXTURES / "class_tiny", "tiny") if s.student in CLUSTER_CLASS]
    db = tmp_path_factory.mktemp("local") / "gb.db"
    summary = grade_batch(prepared, subs, Gradebook(str(db)), jobs=2)
    grades = {
        r.student: (r.status, r.score, tuple(q.score for q in r.questions)) for r in summary.graded
    }
    assert (
        grades["good"][1] == 10.0
        and grades["patcher"][1] == 0.0
        and grades["exits"][0] == "not_gradable"
    )
    return prepared, subs, grades


def _grades(summary) -> dict:
    return {
        r.student: (r.status, r.score, tuple(q.score for q in r.questions)) for r in summary.graded
    }


def test_a_real_scheduler_grades_like_the_local_pool(scheduler, local_grades, tmp_path):
    address, _ = scheduler
    prepared, subs, expected = local_grades
    summary = grade_on_cluster(prepared, subs, Gradebook(str(tmp_path / "gb.db")), address=address)
    assert _grades(summary) == expected
    if os.geteuid() == 0:
        assert {r.tier for r in summary.graded} == {"root"}


def test_a_killed_worker_loses_no_submission(scheduler, local_grades, tmp_path):
    address, processes = scheduler
    prepared, subs, expected = local_grades
    gradebook = Gradebook(str(tmp_path / "gb.db"))
    worker = processes[1]
    killer = threading.Timer(1.5, lambda: os.killpg(worker.pid, signal.SIGKILL))
    killer.start()
    try:
        summary = grade_on_cluster(prepared, subs, gradebook, address=address)
    finally:
        killer.cancel()
    assert worker.poll() is not None, "the worker was meant to die during the batch"
    assert _grades(summary) == expected
    latest = gradebook.latest("tiny")
    assert sorted(r.student for r in latest) == sorted(CLUSTER_CLASS)
    assert len(gradebook.history("tiny")) == len(CLUSTER_CLASS)  # each graded once
