"""False-fail rate of every metric check: the reference training over many seeds, judged by the bands.

For each seed s the data come from the spec's data function at seed s, the training seed (a `seed`
kwarg, where the entry point takes one) is s too, and the trusted evaluation runs at seed s. The
reference is trusted code, so it runs in this process; its outputs go through the same transport
encoding as a student's.

Run: .venv/bin/python benchmarks/bench_false_fail.py [--seeds 20] [HW ...]
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.checks.metric import (  # noqa: E402
    MetricCheck,  # noqa: E402
    in_band,
    show_band,
)
from autograder.codec import decode_value, encode_value  # noqa: E402
from autograder.prepare import load_trusted  # noqa: E402
from autograder.spec import load_spec  # noqa: E402


def run_check(reference, checks, check: MetricCheck, seed: int) -> dict[str, float]:
    kwargs = dict(check.kwargs)
    if check.data:
        data = getattr(checks, check.data)(seed)
        kwargs.update(
            {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in data.items()}
        )
    entry = getattr(reference, check.entry)
    if "seed" in inspect.signature(entry).parameters:
        kwargs["seed"] = seed
    outputs = decode_value(encode_value(entry(**kwargs)))
    metrics = getattr(checks, check.evaluate)(outputs, seed)
    return {k: float(v) for k, v in metrics.items() if k in check.bands}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("assignments", nargs="*")
    args = parser.parse_args()
    torch.set_num_threads(1)
    names = args.assignments or sorted(
        p.parent.name for p in (ROOT / "solutions").glob("*/assignment.yaml")
    )
    for name in names:
        spec = load_spec(ROOT / "solutions" / name)
        reference, checks = load_trusted(spec)
        for question in spec.questions:
            for check in question.checks:
                if not isinstance(check, MetricCheck):
                    continue
                started = time.process_time()
                values: dict[str, list[float]] = {k: [] for k in check.bands}
                failures = 0
                for seed in range(args.seeds):
                    metrics = run_check(reference, checks, check, seed)
                    failed = [k for k, band in check.bands.items() if not in_band(metrics[k], band)]
                    failures += bool(failed)
                    for k in values:
                        values[k].append(metrics[k])
                cpu = (time.process_time() - started) / args.seeds
                print(
                    f"{name}/{question.id} ({check.entry}): false fails {failures}/{args.seeds}, "
                    f"{cpu:.2f} s CPU per fit + evaluation"
                )
                for k, band in check.bands.items():
                    v = values[k]
                    spread = statistics.stdev(v) if len(v) > 1 else 0.0
                    print(
                        f"    {k:<24} {statistics.mean(v):.6g} ± {spread:.2g} "
                        f"(min {min(v):.6g}, max {max(v):.6g})  band {show_band(band)}"
                    )
                sys.stdout.flush()


if __name__ == "__main__":
    main()
