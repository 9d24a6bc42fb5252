"""The course secret: where it comes from, how it is kept, the seeds it gives, and that grading is
reproducible with it while another secret draws other hidden cases."""

from __future__ import annotations

import stat

import numpy as np
import pytest

from autograder import cli
from autograder.errors import GradebookError, UsageError
from autograder.grader import grade_submission
from autograder.prepare import prepare
from autograder.secret import (
    ENV,
    SECRET_BYTES,
    SEED_BITS,
    course_secret,
    derive_seed,
    secret_path,
)
from autograder.spec import load_spec
from autograder.submission import Submission
from tests.adversarial.redteam import HONEST, SKELETON, TINY
from tests.conftest import TEST_SECRET


@pytest.fixture()
def no_env(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)


def test_the_suite_runs_with_its_fixed_secret():
    assert course_secret() == TEST_SECRET.encode()


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    (tmp_path / "secret.key").write_bytes(b"from the file")
    monkeypatch.setenv(ENV, "from the environment")
    assert course_secret(str(tmp_path / "gradebook.db")) == b"from the environment"
    monkeypatch.setenv(ENV, "")  # set but empty: as if unset
    assert course_secret(str(tmp_path / "gradebook.db")) == b"from the file"


def test_the_file_is_made_once_private_and_then_reused(tmp_path, no_env):
    db = tmp_path / "course" / "gradebook.db"
    first = course_secret(str(db))
    key = tmp_path / "course" / "secret.key"
    assert key.read_bytes() == first and len(first) == SECRET_BYTES
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    made = key.stat().st_mtime_ns
    assert course_secret(f"sqlite:///{db}") == first
    assert key.stat().st_mtime_ns == made
    assert sorted(p.name for p in key.parent.iterdir()) == ["secret.key"]  # no leftovers
    assert course_secret(str(tmp_path / "other" / "g.db")) != first  # another gradebook


def test_the_file_sits_beside_the_sqlite_gradebook():
    assert str(secret_path(None)) == "gradebook/secret.key"
    assert str(secret_path("marks/course.db")) == "marks/secret.key"
    assert str(secret_path("sqlite:////srv/grades/g.db")) == "/srv/grades/secret.key"
    with pytest.raises(UsageError, match="is not a file") as info:
        secret_path("postgresql://grader@db/course")
    assert ENV in (info.value.hint or "")


def test_an_empty_file_is_refused_rather_than_used(tmp_path, no_env):
    (tmp_path / "secret.key").write_bytes(b"")
    with pytest.raises(GradebookError, match="is empty"):
        course_secret(str(tmp_path / "gradebook.db"))


def test_seeds_differ_per_secret_assignment_and_purpose():
    seed = derive_seed(b"s", "tiny", "tensor:scale.0")
    assert seed == derive_seed(b"s", "tiny", "tensor:scale.0")
    others = {
        derive_seed(b"t", "tiny", "tensor:scale.0"),
        derive_seed(b"s", "gaussian_kl", "tensor:scale.0"),
        derive_seed(b"s", "tiny", "tensor:scale.1"),
        derive_seed(b"s", "tiny", "symbolic:scale.0"),
    }
    assert seed not in others and len(others) == 4
    assert all(0 <= s < 2**SEED_BITS for s in others | {seed})


def test_grade_finds_the_secret_beside_a_gradebook_given_with_its_flag(tmp_path, no_env):
    db = str(tmp_path / "g.db")
    assert cli._secret_beside(db) == {"secret": course_secret(db)}
    assert cli._secret_beside(None) == {}  # prepare() finds gradebook/secret.key by itself


def hidden_inputs(prepared) -> list[np.ndarray]:
    [plan] = prepared.plans["scale"]
    cases = plan.expected.cases
    return [a.numpy() for call, case in zip(plan.calls, cases) if case.hidden for a in call.args]


def test_grading_is_reproducible_with_the_secret_and_another_secret_draws_other_cases(sandbox):
    spec = load_spec(TINY)
    one, again, other = (
        prepare(spec, secret=b"course A"),
        prepare(spec, secret=b"course A"),
        prepare(spec, secret=b"course B"),
    )
    for a, b in zip(hidden_inputs(one), hidden_inputs(again)):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(hidden_inputs(one)[0], hidden_inputs(other)[0])
    assert one.plans["square"][0].expected.seed != other.plans["square"][0].expected.seed
    assert one.plans["fit"][0].expected.seed != other.plans["fit"][0].expected.seed

    def graded(prepared, data: bytes) -> list[tuple[str, float, str]]:
        report = grade_submission(
            prepared, Submission(student="s", filename="tiny.py", data=data), sandbox
        )
        return [(q.id, q.score, q.feedback) for q in report.questions]

    assert graded(one, HONEST) == graded(again, HONEST)
    assert [s for _, s, _ in graded(other, HONEST)] == [2, 3, 3, 2]
    assert graded(one, SKELETON) == graded(again, SKELETON)


def test_student_code_never_sees_the_secret(sandbox):
    peek = SKELETON + (
        b"\nimport os\n\n\ndef scale(x, s):\n"
        b"    return x * s if not any('SECRET' in k for k in os.environ) else x\n"
    )
    report = grade_submission(
        prepare(load_spec(TINY)), Submission(student="s", filename="tiny.py", data=peek), sandbox
    )
    assert next(q for q in report.questions if q.id == "scale").status == "passed"
