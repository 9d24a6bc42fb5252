"""Batch grading of gaussian_kl against `nbgrader autograde` on the equivalent notebook, in one run.

Both systems grade the same N correct submissions (demo s01, s02, s03, repeated under new ids),
each timed as a fresh subprocess, serially:

- autograder: `autograder grade gaussian_kl DIR --jobs 1 --gradebook TMP/gb.db --force`;
- nbgrader: a real course in a temporary directory. Its source notebook is one solution cell
  (the reference file) followed by test cells worth the same points as the spec's questions:
  the symbolic answers compared with the expected expression at random points, the four tensor
  functions against inline formulas (values, and a vector-Jacobian product for the gradient),
  the large/float32/extreme cases, the three choices, and the linear-VAE training scored on the
  same bands as checks.py (partial credit through the cell's output). Each submitted notebook is
  the released notebook with the student's whole file in the solution cell.

Two variants: the whole assignment, and the non-training parts alone (the spec without its
metric question, the notebook without the training cell). Targets (DESIGN.md, section 4):
nbgrader/autograder >= 4x whole, >= 15x without training. Nothing is asserted: the script prints
a table and the ratios, and exits non-zero only when a system fails to grade.

LaTeX answers (s01) are read in the notebook with the project's LaTeX parser, because SymPy's
`parse_latex` needs antlr4 (not installed) and its lark backend rejects \\left( ... \\right); every
other answer goes through sympify.

Threads: the autograder runs every submission with OMP_NUM_THREADS=1. The nbgrader run gets the
same setting by default, so that both do the same single-threaded torch work; on a small shared
machine torch's default thread pool makes the training several times slower (measured 21 s
against 5 s on 2 busy cores). --nbgrader-default-threads leaves torch's default instead.

Run: .venv/bin/python benchmarks/bench_nbgrader.py [--students N] [--nbgrader-default-threads] [--keep]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
HW = "gaussian_kl"
HW_NT = "gaussian_kl_nt"  # the nbgrader assignment without the training cell
SOURCES = ("s01", "s02", "s03")  # correct demo submissions
COURSE = "bench_course"

# ---------------------------------------------------------------------------------------------
# The nbgrader notebook: a read-only helper cell and one test cell per spec question.
# ---------------------------------------------------------------------------------------------

HELPERS = r'''
# Grading helpers (read-only).
import math
import re
import warnings

import numpy as np
import sympy
import torch

warnings.simplefilter("ignore")  # nbgrader gives 0 to a test cell that writes to stderr


def _as_expr(value, names):
    """The student's answer as a SymPy expression in the symbols `names` (name -> Symbol)."""
    if isinstance(value, sympy.Basic):
        return value.subs({s: names[s.name] for s in value.free_symbols if s.name in names})
    text = str(value).strip()
    if "$" in text or "\\" in text:  # LaTeX; sympy.parsing.latex needs antlr4
        from autograder.checks.latex import parse_latex
        return parse_latex(text, names)
    return sympy.sympify(text, locals=dict(names))  # '^' is read as '**'


def check_symbolic(value, expected, symbols, domain=None, points=20, seed=0):
    """Assert that `value` equals `expected` at random points of the domain."""
    names = {n: sympy.Symbol(n, **{kind: True}) for n, kind in symbols.items()}
    got = _as_expr(value, names)
    want = sympy.sympify(expected, locals=dict(names))
    extra = got.free_symbols - set(names.values())
    assert not extra, f"unknown symbols {extra}"
    order = list(names.values())
    f = sympy.lambdify(order, got, "numpy")
    g = sympy.lambdify(order, want, "numpy")
    rng = np.random.default_rng(seed)
    for _ in range(points):
        point = [rng.uniform(*(domain or {}).get(n, (0.2, 3.0) if kind == "positive" else (-2.0, 2.0)))
                 for n, kind in symbols.items()]
        a, b = float(f(*point)), float(g(*point))
        assert np.isclose(a, b, rtol=1e-8, atol=1e-10), f"{a} != {b} at {point}"


def normal(gen, *shape, dtype=torch.float64, scale=1.0):
    return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).to(dtype)


def uniform(gen, *shape, low=-2.0, high=2.0, dtype=torch.float64):
    return (low + (high - low) * torch.rand(*shape, generator=gen, dtype=torch.float64)).to(dtype)


def check_tensor(fn, ref, args, grad=False, zero=False, finite=False):
    """fn(*args) against the float64 reference formula `ref`: dtype, shape, values, gradient."""
    float32 = any(a.dtype == torch.float32 for a in args)
    tol = 1e-5 if float32 else 1e-8
    out = fn(*[a.clone() for a in args])
    assert isinstance(out, torch.Tensor), type(out)
    want = ref(*[a.double() for a in args])
    assert out.dtype == args[0].dtype, out.dtype
    assert tuple(out.shape) == tuple(want.shape), (tuple(out.shape), tuple(want.shape))
    got = out.detach().double().numpy()
    if finite:
        assert np.isfinite(got).all(), got
    assert np.allclose(got, want.numpy(), rtol=tol, atol=tol), np.abs(got - want.numpy()).max()
    if zero:
        assert np.abs(got).max(initial=0.0) <= tol
    if grad:  # vector-Jacobian product against the reference's
        v = torch.randn(want.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
        a1 = [a.clone().requires_grad_(True) for a in args]
        a2 = [a.clone().requires_grad_(True) for a in args]
        g1 = torch.autograd.grad((fn(*a1) * v).sum(), a1, allow_unused=True)
        g2 = torch.autograd.grad((ref(*a2) * v).sum(), a2, allow_unused=True)
        for x, y in zip(g1, g2):
            x = torch.zeros_like(y) if x is None else x
            assert np.allclose(x.numpy(), y.numpy(), rtol=1e-6, atol=1e-8), np.abs((x - y).numpy()).max()
'''

SYMBOLIC = [  # (answer, expected, symbols, domain): the spec's six symbolic items, 2 points each
    (
        "KL_STD_NORMAL",
        "(sigma**2 + mu**2 - 1 - log(sigma**2))/2",
        {"mu": "real", "sigma": "positive"},
        None,
    ),
    ("KL_STD_NORMAL_LOGVAR", "(exp(l) + mu**2 - 1 - l)/2", {"mu": "real", "l": "real"}, None),
    (
        "KL_TWO_GAUSSIANS",
        "log(s2/s1) + (s1**2 + (m1 - m2)**2)/(2*s2**2) - 1/2",
        {"m1": "real", "m2": "real", "s1": "positive", "s2": "positive"},
        None,
    ),
    ("DKL_DSIGMA", "sigma - 1/sigma", {"mu": "real", "sigma": "positive"}, None),
    ("DKL_DLOGVAR", "(exp(l) - 1)/2", {"mu": "real", "l": "real"}, None),
    (
        "KL_FULL_2D",
        "(a + e + mu1**2 + mu2**2 - 2 - log(a*e - c**2))/2",
        {"a": "positive", "c": "real", "e": "positive", "mu1": "real", "mu2": "real"},
        {"a": (1, 3), "e": (1, 3), "c": (-0.9, 0.9)},
    ),
]

TENSOR_TESTS = [  # (grade_id, points, source)
    (
        "test_kl_diag_std_normal",
        3,
        r"""
def _ref(mu, logvar):
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum(-1)

g = torch.Generator().manual_seed(7)
check_tensor(kl_diag_std_normal, _ref, [normal(g, 7, 3), uniform(g, 7, 3)], grad=True)
check_tensor(kl_diag_std_normal, _ref, [normal(g, 1, 1), uniform(g, 1, 1)])
check_tensor(kl_diag_std_normal, _ref, [normal(g, 2, 4, 3), uniform(g, 2, 4, 3)])
check_tensor(kl_diag_std_normal, _ref, [torch.zeros(3, 2, dtype=torch.float64)] * 2, zero=True)
""",
    ),
    (
        "test_kl_diag_gaussians",
        3,
        r"""
def _ref(mu1, logvar1, mu2, logvar2):
    return 0.5 * (logvar2 - logvar1 + (logvar1 - logvar2).exp()
                  + (mu1 - mu2) ** 2 * (-logvar2).exp() - 1.0).sum(-1)

g = torch.Generator().manual_seed(7)
for shape, grad in (((7, 3), True), ((1, 1), False)):
    check_tensor(kl_diag_gaussians, _ref, [normal(g, *shape), uniform(g, *shape), normal(g, *shape), uniform(g, *shape)],
                 grad=grad)
zeros = torch.zeros(4, 5, dtype=torch.float64)
check_tensor(kl_diag_gaussians, _ref, [normal(g, 4, 5), uniform(g, 4, 5), zeros, zeros])
m, l = torch.full((3, 4), 0.7, dtype=torch.float64), torch.full((3, 4), -0.4, dtype=torch.float64)
check_tensor(kl_diag_gaussians, _ref, [m, l, m, l], zero=True)
""",
    ),
    (
        "test_kl_full_std_normal",
        3,
        r"""
def _ref(mu, L):
    trace = (L**2).sum((-2, -1))
    logdet = 2.0 * L.diagonal(dim1=-2, dim2=-1).log().sum(-1)
    return 0.5 * (trace + (mu**2).sum(-1) - mu.shape[-1] - logdet)

def _tril(g, b, d, low, dtype=torch.float64):
    L = torch.randn(b, d, d, generator=g, dtype=torch.float64).tril(-1)
    return (L + torch.diag_embed(torch.rand(b, d, generator=g, dtype=torch.float64) + low)).to(dtype)

g = torch.Generator().manual_seed(1007)
diagonal = torch.diag_embed(torch.rand(4, 3, generator=g, dtype=torch.float64) + 0.5)
check_tensor(kl_full_std_normal, _ref, [normal(g, 4, 3), diagonal], grad=True)
check_tensor(kl_full_std_normal, _ref, [normal(g, 5, 3), _tril(g, 5, 3, 0.5)])
check_tensor(kl_full_std_normal, _ref, [normal(g, 1, 1), _tril(g, 1, 1, 0.5)])
check_tensor(kl_full_std_normal, _ref, [normal(g, 4, 5), _tril(g, 4, 5, 0.05)])
check_tensor(kl_full_std_normal, _ref, [normal(g, 8, 6), _tril(g, 8, 6, 0.5)])
check_tensor(kl_full_std_normal, _ref, [normal(g, 6, 4, dtype=torch.float32), _tril(g, 6, 4, 0.5, torch.float32)])
check_tensor(kl_full_std_normal, _ref,
             [torch.zeros(3, 4, dtype=torch.float64), torch.eye(4, dtype=torch.float64).repeat(3, 1, 1)], zero=True)
""",
    ),
    (
        "test_kl_mc",
        2,
        r"""
def _ref(mu, logvar, eps):
    z = mu + (0.5 * logvar).exp() * eps
    return (0.5 * (z**2 - eps**2 - logvar)).sum(-1).mean(0)

g = torch.Generator().manual_seed(7)
check_tensor(kl_mc, _ref, [normal(g, 3, 2), uniform(g, 3, 2), normal(g, 4, 3, 2)], grad=True)
check_tensor(kl_mc, _ref, [normal(g, 5, 3), uniform(g, 5, 3), normal(g, 16, 5, 3)])
check_tensor(kl_mc, _ref, [normal(g, 1, 1), uniform(g, 1, 1), normal(g, 1, 1, 1)])
""",
    ),
    (
        "test_kl_edge_cases",
        1,
        r"""
def _ref1(mu, logvar):
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum(-1)

def _ref2(mu1, logvar1, mu2, logvar2):
    return 0.5 * (logvar2 - logvar1 + (logvar1 - logvar2).exp()
                  + (mu1 - mu2) ** 2 * (-logvar2).exp() - 1.0).sum(-1)

g = torch.Generator().manual_seed(7)
f32 = torch.float32
extreme1 = torch.tensor([[30, -30, 0], [-30, 30, 30]], dtype=f32)
extreme2 = torch.tensor([[-30, 30, 30], [0, -30, 30]], dtype=f32)
check_tensor(kl_diag_std_normal, _ref1, [normal(g, 64, 16), uniform(g, 64, 16, low=-3, high=3)])
check_tensor(kl_diag_std_normal, _ref1, [normal(g, 5, 128, scale=2.0), uniform(g, 5, 128, low=-3, high=3)])
check_tensor(kl_diag_std_normal, _ref1, [normal(g, 7, 3, dtype=f32), uniform(g, 7, 3, dtype=f32)])
check_tensor(kl_diag_std_normal, _ref1, [normal(g, 2, 3, dtype=f32), extreme1], finite=True)
check_tensor(kl_diag_gaussians, _ref2, [normal(g, 64, 16), uniform(g, 64, 16, low=-3, high=3),
                                        normal(g, 64, 16), uniform(g, 64, 16, low=-3, high=3)])
check_tensor(kl_diag_gaussians, _ref2, [normal(g, 7, 3, dtype=f32), uniform(g, 7, 3, dtype=f32),
                                        normal(g, 7, 3, dtype=f32), uniform(g, 7, 3, dtype=f32)])
check_tensor(kl_diag_gaussians, _ref2, [normal(g, 2, 3, dtype=f32), extreme1, normal(g, 2, 3, dtype=f32), extreme2],
             finite=True)
""",
    ),
]

# The training: the same data (seed 7: make_vae_data(7)), kwargs, evaluation and bands as
# checks.py; the cell's output is the score (nbgrader partial credit), like scoring: fraction.
TRAINING_TEST = (
    "test_linear_vae",
    10,
    r"""
SIGMA2, K, DIM = 0.25, 4, 6
A = torch.tensor([[1.0, 0.5], [0.8, -0.6], [0.3, 1.2], [-0.5, 0.4], [1.1, 0.2], [0.2, -0.9]], dtype=torch.float64)
C = torch.tensor([1.0, -1.0, 0.5, 0.0, 2.0, -0.5], dtype=torch.float64)
g = torch.Generator().manual_seed(10 + 7)
z = torch.randn(2000, 2, generator=g, dtype=torch.float64)
noise = torch.randn(2000, DIM, generator=g, dtype=torch.float64)
x = z @ A.T + C + 0.1 * noise

w = train_linear_vae(x=x.clone(), steps=2000, lr=0.03, batch_size=256, seed=0)
shapes = {"enc.weight": (2 * K, DIM), "enc.bias": (2 * K,), "dec.weight": (DIM, K), "dec.bias": (DIM,)}
w = {k: torch.as_tensor(w[k]).detach().to(torch.float64) for k in shapes}
for k, shape in shapes.items():
    assert tuple(w[k].shape) == shape, (k, tuple(w[k].shape))
    assert torch.isfinite(w[k]).all(), k

def _kl(mu, logvar):
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum(-1)

centred = x - x.mean(0)
eig = torch.linalg.eigvalsh(centred.T @ centred / x.shape[0]).flip(0)
mean, logvar = (x @ w["enc.weight"].T + w["enc.bias"]).chunk(2, dim=-1)
kl_dim = _kl(mean.unsqueeze(-1), logvar.unsqueeze(-1)).mean(0).sort(descending=True).values
lam = eig[:K]
n_info = int((lam > SIGMA2).sum())
kl_error = float((kl_dim[:n_info] - 0.5 * torch.log(lam[:n_info] / SIGMA2)).abs().max())
collapsed = float(kl_dim[n_info:].max()) if n_info < K else 0.0
active = int((mean.var(0) > 0.01).sum())
c = torch.full_like(eig, SIGMA2)
c[:K] = torch.clamp(eig[:K], min=SIGMA2)
optimum = float(-0.5 * (DIM * math.log(2 * math.pi) + (c.log() + eig / c).sum()))
W, b = w["dec.weight"], w["dec.bias"]
sq = ((x - mean @ W.T - b) ** 2).sum(-1) + (logvar.exp() * (W**2).sum(0)).sum(-1)
elbo = float((-0.5 * DIM * math.log(2 * math.pi * SIGMA2) - sq / (2 * SIGMA2) - _kl(mean, logvar)).mean())
gap = optimum - elbo
met = [kl_error <= 0.15, collapsed <= 0.02, active == 2, gap <= 0.15]
assert any(met), (kl_error, collapsed, active, gap)
10.0 * sum(met) / len(met)
""",
)

CHOICES = ("Q1", "Q2", "Q3")  # correct: a, 2 points each


def symbolic_test(answer: str, expected: str, symbols: dict, domain) -> str:
    return f"check_symbolic({answer}, {expected!r}, {symbols!r}, domain={domain!r})\n"


def choice_test(answer: str) -> str:
    return (
        f"_c = re.sub(r'\\s*[\\)\\]\\.]+$', '', re.sub(r'^[\\(\\[]\\s*', '', str({answer}).strip().lower())).strip()\n"
        f"assert _c == 'a', {answer}\n"
    )


def code_cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(textwrap.dedent(source).strip() + "\n")
    cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    cell.id = nbgrader["grade_id"].replace("_", "-")
    return cell


def test_cell(grade_id: str, points: int, source: str) -> nbformat.NotebookNode:
    return code_cell(
        source, grade=True, solution=False, locked=True, points=points, grade_id=grade_id
    )


def source_notebook(training: bool) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    reference = (ROOT / "solutions" / HW / f"{HW}.py").read_text()
    nb.cells.append(
        code_cell(reference, solution=True, grade=False, locked=False, grade_id="answers")
    )
    nb.cells.append(
        code_cell(HELPERS, solution=False, grade=False, locked=True, grade_id="helpers")
    )
    for answer, expected, symbols, domain in SYMBOLIC:
        nb.cells.append(
            test_cell(f"test_{answer.lower()}", 2, symbolic_test(answer, expected, symbols, domain))
        )
    for grade_id, points, source in TENSOR_TESTS:
        nb.cells.append(test_cell(grade_id, points, source))
    if training:
        nb.cells.append(test_cell(*TRAINING_TEST))
    for answer in CHOICES:
        nb.cells.append(test_cell(f"test_{answer.lower()}", 2, choice_test(answer)))
    return nb


# ---------------------------------------------------------------------------------------------
# Running the two systems.
# ---------------------------------------------------------------------------------------------

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra or {})
    return env


def run(
    cmd: list[str], cwd: Path, what: str, extra_env: dict[str, str] | None = None
) -> tuple[float, str]:
    """Run a command; (wall seconds, stdout). On failure print its stderr tail and exit."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=environment(extra_env), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(
            f"\n{what} failed (exit {proc.returncode}): {' '.join(map(str, cmd))}", file=sys.stderr
        )
        print((proc.stdout[-2000:] + "\n" + proc.stderr[-6000:]).strip(), file=sys.stderr)
        sys.exit(1)
    return wall, proc.stdout


def students(n: int) -> list[tuple[str, str]]:
    """(student id, demo source) pairs: s01, s02, s03, then copies s01r2, s02r2, ..."""
    out = []
    for i in range(n):
        source = SOURCES[i % len(SOURCES)]
        out.append((source if i < len(SOURCES) else f"{source}r{i // len(SOURCES) + 1}", source))
    return out


def solutions_without_training(tmp: Path) -> Path:
    """A copy of solutions/gaussian_kl whose spec has no metric question."""
    folder = tmp / "solutions" / HW
    shutil.copytree(ROOT / "solutions" / HW, folder)
    spec = yaml.safe_load((folder / "assignment.yaml").read_text())
    spec["questions"] = [
        q
        for q in spec["questions"]
        if not any(c.get("kind") == "metric" for c in q.get("checks", []))
    ]
    (folder / "assignment.yaml").write_text(
        yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
    )
    return folder.parent


def autograder_grade(
    solutions: Path, subs: Path, gradebook: Path
) -> tuple[float, dict[str, float], float]:
    wall, stdout = run(
        [
            str(BIN / "autograder"),
            "--solutions",
            str(solutions),
            "grade",
            HW,
            str(subs),
            "--jobs",
            "1",
            "--gradebook",
            str(gradebook),
            "--force",
            "--json",
        ],
        ROOT,
        "autograder grade",
    )
    scores, max_score = {}, 0.0
    for line in stdout.splitlines():
        if line.strip().startswith("{"):
            row = json.loads(line)
            scores[row["student"]] = row["score"]
            max_score = row.get("max_score") or max_score
    return wall, scores, max_score


def setup_course(tmp: Path, roster: list[tuple[str, str]]) -> Path:
    course = tmp / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(
        textwrap.dedent(f"""
        c = get_config()
        c.CourseDirectory.root = {str(course)!r}
        c.CourseDirectory.course_id = {COURSE!r}
        c.CourseDirectory.db_url = {"sqlite:///" + str(course / "gradebook.db")!r}
        c.Execute.timeout = 300
    """)
    )
    for assignment, training in ((HW, True), (HW_NT, False)):
        folder = course / "source" / assignment
        folder.mkdir(parents=True)
        nbformat.write(source_notebook(training), str(folder / f"{HW}.ipynb"))
        run(
            [str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"],
            course,
            f"nbgrader generate_assignment {assignment}",
        )
        released = nbformat.read(str(course / "release" / assignment / f"{HW}.ipynb"), as_version=4)
        for student, source in roster:
            nb = copy.deepcopy(released)
            answers = next(
                c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "answers"
            )
            answers.source = (ROOT / "demo" / HW / source / f"{HW}.py").read_text()
            target = course / "submitted" / student / assignment
            target.mkdir(parents=True)
            nbformat.write(nb, str(target / f"{HW}.ipynb"))
    return course


def nbgrader_grade(
    course: Path, assignment: str, threads: dict[str, str]
) -> tuple[float, dict[str, float], float]:
    wall, _ = run(
        [str(BIN / "nbgrader"), "autograde", assignment, "--create", "--force"],
        course,
        f"nbgrader autograde {assignment}",
        threads,
    )
    from nbgrader.api import Gradebook

    scores, max_score = {}, 0.0
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE) as gb:
        for sub in gb.assignment_submissions(assignment):
            scores[sub.student.id] = sub.score
            max_score = sub.max_score
    return wall, scores, max_score


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--students", type=int, default=6, help="submissions per system (default 6)"
    )
    parser.add_argument(
        "--nbgrader-default-threads",
        action="store_true",
        help="run the nbgrader kernels with torch's default thread count (default: one thread, "
        "as the autograder's sandboxes)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    threads = {} if args.nbgrader_default_threads else ONE_THREAD
    n = max(1, args.students)
    roster = students(n)
    print(
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} CPUs)"
    )
    print(
        f"nbgrader kernels: {'torch default threads' if not threads else 'OMP_NUM_THREADS=1'}; "
        f"autograder sandboxes: OMP_NUM_THREADS=1"
    )
    print(
        f"N = {n} correct submissions: {', '.join(f'{s}<-{src}' if s != src else s for s, src in roster)}"
    )

    tmp = Path(tempfile.mkdtemp(prefix="bench-nbgrader-"))
    try:
        subs = tmp / "subs"
        for student, source in roster:
            (subs / student).mkdir(parents=True)
            shutil.copy(ROOT / "demo" / HW / source / f"{HW}.py", subs / student / f"{HW}.py")
        nt_solutions = solutions_without_training(tmp)
        course = setup_course(tmp, roster)
        # Warm the page cache for both systems alike.
        run([sys.executable, "-c", "import torch, numpy, sympy, nbgrader"], ROOT, "warm-up")

        results = {}
        print("grading ...", flush=True)
        results["whole", "autograder"] = autograder_grade(
            ROOT / "solutions", subs, tmp / "gb_whole.db"
        )
        results["whole", "nbgrader"] = nbgrader_grade(course, HW, threads)
        results["no training", "autograder"] = autograder_grade(
            nt_solutions, subs, tmp / "gb_nt.db"
        )
        results["no training", "nbgrader"] = nbgrader_grade(course, HW_NT, threads)
        load_end = os.getloadavg()

        failed = False
        print("\nscores (sanity check: each system should give full marks to every submission)")
        for variant in ("whole", "no training"):
            ag, nb = results[variant, "autograder"], results[variant, "nbgrader"]
            print(f"  {variant}: autograder max {ag[2]:g}, nbgrader max {nb[2]:g}")
            for student, _ in roster:
                a, b = ag[1].get(student), nb[1].get(student)
                print(
                    f"    {student:8s} autograder {a if a is not None else 'missing':>6}   "
                    f"nbgrader {b if b is not None else 'missing':>6}"
                )
                failed |= a is None or b is None
        if failed:
            print("a system produced no grade for some submission", file=sys.stderr)
            sys.exit(1)

        print(f"\n{'variant':12s} {'system':11s} {'wall s':>8s} {'s/submission':>13s}")
        for (variant, system), (wall, _, _) in results.items():
            print(f"{variant:12s} {system:11s} {wall:8.1f} {wall / n:13.2f}")
        print("\nratios nbgrader / autograder (same run, both serial, each a fresh process):")
        for variant, target in (("whole", 4), ("no training", 15)):
            ratio = results[variant, "nbgrader"][0] / results[variant, "autograder"][0]
            print(f"  {variant:12s} {ratio:6.1f}x   (target >= {target}x)")
        print(f"\nload average at end: {' '.join(f'{x:.2f}' for x in load_end)}")
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
