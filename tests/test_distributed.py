"""The same class graded on a real Dask LocalCluster gives the same grades as the local pool."""

from __future__ import annotations

import pytest

from autograder.distributed import grade_on_cluster
from autograder.gradebook import Gradebook
from autograder.prepare import prepare
from autograder.spec import load_spec
from autograder.submission import discover
from tests.conftest import FIXTURES


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
