"""Grading speed, as ratios against baselines measured in the same run.

- per-submission overhead: the warm fork-server sandbox vs a fresh interpreter per submission;
- one symbolic comparison (median and worst);
- `autograder check` cold, on a non-training assignment;
- a whole demo class, seconds per submission.

Run: .venv/bin/python benchmarks/bench_grading.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.models import Call, Limits  # noqa: E402
from autograder.sandbox import Sandbox  # noqa: E402

STUDENT = b"import torch\ndef scale(x, s):\n    return x * s\nSQUARE = '(mu + sigma)**2'\n"
FRESH = """
import sys, torch, numpy, sympy
namespace = {}
exec(compile(open(sys.argv[1]).read(), "hw.py", "exec"), namespace)
x = torch.ones(4, 3, dtype=torch.float64)
namespace["scale"](x, x)
namespace["SQUARE"]
"""


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_overhead(repeat: int) -> None:
    import torch

    calls = [
        Call(id="s", kind="get", name="SQUARE"),
        Call(id="f", kind="call", name="scale", args=(torch.ones(4, 3, dtype=torch.float64),) * 2),
    ]
    limits = Limits(wall_seconds=30, call_seconds=10)
    with Sandbox() as sandbox:
        sandbox.start()
        sandbox.run(STUDENT, "hw.py", calls, limits)
        warm = median_time(lambda: sandbox.run(STUDENT, "hw.py", calls, limits), repeat)
        tier = sandbox.tier
    path = Path("/tmp/autograder-bench-hw.py")
    path.write_bytes(STUDENT)
    fresh = median_time(
        lambda: subprocess.run([sys.executable, "-c", FRESH, str(path)], check=True),
        max(3, repeat // 4),
    )
    print(
        f"per-submission overhead: warm sandbox ({tier} tier) {warm * 1000:.1f} ms, "
        f"fresh interpreter {fresh * 1000:.0f} ms, ratio {fresh / warm:.1f}x"
    )


def bench_symbolic(repeat: int) -> None:
    from autograder.checks.symbolic import Mistake, SymbolicCheck, judge_symbolic, prepare_symbolic

    check = SymbolicCheck(
        answer="KL",
        expected="(sigma**2+mu**2-1-log(sigma**2))/2",
        symbols={"mu": "real", "sigma": "positive"},
        mistakes=(
            Mistake(expr="sigma**2+mu**2-1-log(sigma**2)", feedback="half", credit=0.5),
            Mistake(expr="(sigma**2+mu**2-1-log(sigma))/2", feedback="log", credit=0.0),
        ),
    )
    prepared = prepare_symbolic(check)
    answers = [
        "sigma**2/2+mu**2/2-1/2-log(sigma)",
        "(sigma^2+mu^2-1)/2+log(1/sigma)",
        r"$\frac{1}{2}(\sigma^2+\mu^2-1-\log\sigma^2)$",
        "(sigma**2+mu**2-1-log(sigma))/2",
        "sigma**2+mu**2-1-log(sigma**2)",
        "mu**3",
    ]
    times = []
    for _ in range(max(1, repeat // 2)):
        for answer in answers:
            started = time.perf_counter()
            judge_symbolic(prepared, answer)
            times.append(time.perf_counter() - started)
    print(
        f"symbolic check: median {statistics.median(times) * 1000:.1f} ms, worst {max(times) * 1000:.0f} ms "
        f"over {len(times)} answers (target: median <= 50 ms)"
    )


def bench_check_cold() -> None:
    started = time.perf_counter()
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "autograder"),
            "--solutions",
            str(ROOT / "tests" / "fixtures" / "solutions"),
            "check",
            "tiny",
            str(ROOT / "tests" / "fixtures" / "class_tiny" / "good" / "tiny.py"),
            "--json",
        ],
        check=True,
        capture_output=True,
    )
    cold = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, numpy, sympy"], check=True)
    imports = time.perf_counter() - started
    print(
        f"autograder check, cold: {cold:.2f} s; bare `import torch, numpy, sympy`: {imports:.2f} s "
        f"(ratio {cold / imports:.1f}x; target: <= 3 s)"
    )


def bench_class(hw: str) -> None:
    from autograder.grader import grade_submission
    from autograder.prepare import prepare
    from autograder.spec import load_spec
    from autograder.submission import discover

    folder = ROOT / "demo" / hw
    if not folder.is_dir():
        return
    started = time.perf_counter()
    prepared = prepare(load_spec(ROOT / "solutions" / hw))
    prep = time.perf_counter() - started
    subs = discover(folder, hw)
    with Sandbox() as sandbox:
        sandbox.start()
        started = time.perf_counter()
        cpu = time.process_time()
        for sub in subs:
            grade_submission(prepared, sub, sandbox)
        wall = time.perf_counter() - started
    print(
        f"{hw}: {len(subs)} submissions, {wall / len(subs):.2f} s per submission (serial, one sandbox), "
        f"prepare {prep:.2f} s once, grader-process CPU {(time.process_time() - cpu) / len(subs):.2f} s each"
    )


def bench_reference_cost(hw: str) -> None:
    """CPU seconds to grade the reference: the sandboxed child's own CPU plus the grader's judging."""
    from autograder.prepare import prepare
    from autograder.spec import load_spec

    prepared = prepare(load_spec(ROOT / "solutions" / hw))
    spec = prepared.spec
    calls = [c for q in spec.questions for plan in prepared.plans[q.id] for c in plan.calls]
    source = (spec.root / spec.student_file).read_bytes()
    with Sandbox() as sandbox:
        sandbox.start()
        started = time.perf_counter()
        run = sandbox.run(source, spec.student_file, calls, spec.limits, seed=spec.seeds[0])
        wall = time.perf_counter() - started
        cpu = time.process_time()
        for q in spec.questions:
            for plan in prepared.plans[q.id]:
                plan.judge(run.results)
        judge = time.process_time() - cpu
    print(
        f"{hw}: reference graded in {wall:.2f} s wall; CPU {run.cpu_seconds:.2f} s in the sandbox "
        f"+ {judge:.2f} s judging = {run.cpu_seconds + judge:.2f} s (budget 20 s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--class", dest="classes", nargs="*", default=["gaussian_kl"])
    parser.add_argument(
        "--cost", nargs="*", default=[], help="assignments whose reference grading CPU to measure"
    )
    args = parser.parse_args()
    for hw in args.cost:
        bench_reference_cost(hw)
    if args.cost:
        return
    bench_overhead(args.repeat)
    bench_symbolic(args.repeat)
    bench_check_cold()
    for hw in args.classes:
        bench_class(hw)


if __name__ == "__main__":
    main()
