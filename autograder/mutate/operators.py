"""The mutation operators: every single small change of the student-written code and answers of a
reference (its BEGIN/END SOLUTION regions), each as one top-level statement spliced back."""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from autograder.mistake import splice, statement_span
from autograder.models import frozen
from autograder.mutate.edit import Edit, apply, diff, parses, quoted, render, span_edit, substitute
from autograder.release import BEGIN, END

# The operators, in the order their mutants are listed.
OPERATORS = (
    "flip",  # an operator flipped: + -, * /, ** *, comparisons, and/or
    "sign",  # a unary minus dropped
    "constant",  # a number changed: n → n + 1, x → 2x
    "swap",  # two arguments of a call, or the operands of - / ** @, swapped
    "drop",  # a term or a factor dropped
    "detach",  # .detach() on a computed value
    "reduction",  # sum ↔ mean, or the axis of a reduction changed
    "no_step",  # a training loop without optimizer.step() (or zero_grad())
    "initial",  # the training loop removed: the initial weights are returned
    "choice",  # a choice answered with the next option
)
FLIP_BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
    ast.FloorDiv: ast.Div,
}
FLIP_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.GtE,
    ast.LtE: ast.Gt,
    ast.Gt: ast.LtE,
    ast.GtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
FLIP_BOOL: dict[type[ast.boolop], type[ast.boolop]] = {ast.And: ast.Or, ast.Or: ast.And}
SWAPPED_OPERANDS = (ast.Sub, ast.Div, ast.Pow, ast.MatMult)
REDUCTIONS = {"sum": "mean", "mean": "sum", "nansum": "nanmean", "nanmean": "nansum"}
AXIS_FIRST = {"sum", "mean", "prod", "logsumexp", "cumsum", "softmax", "log_softmax"}
AXIS_FIRST |= {"amax", "amin", "std", "var", "norm", "nansum", "nanmean"}
AXIS_SECOND = {"split", "chunk"}  # x.split(k, dim): the axis is their second argument
NOT_TENSORS = {"range", "len", "int", "float", "list", "dict", "tuple", "zip", "enumerate"}
NOT_TENSOR_MODULES = ("nn.", "torch.nn.", "torch.optim", "torch.Generator", "torch.manual_seed")
NEW_TENSORS = {
    f"torch.{f}" for f in ("tensor", "as_tensor", "zeros", "ones", "full", "empty", "eye")
}
NEW_TENSORS |= {f"torch.{f}" for f in ("arange", "linspace", "randn", "rand", "randint")}
NEW_TENSORS |= {f"torch.{f}_like" for f in ("zeros", "ones", "full", "empty", "randn", "rand")}


@frozen
class Mutant:
    id: str  # NAME:operator:index, e.g. kl_mc:flip:2
    name: str  # the top-level name it changes
    operator: str
    statement: str  # the changed top-level statement, as an override
    source: str  # the reference with that statement spliced in
    diff: str  # the changed lines, reference → mutant


def generate(reference: str, *, choices: Mapping[str, Sequence[str]] | None = None) -> list[Mutant]:
    """Every mutant of the solution regions of `reference`, in source order. `choices` maps a
    choice answer's name to its options (such an answer is mutated to the next option)."""
    choices = choices or {}
    lines = reference.splitlines(keepends=True)
    regions = _regions(lines)
    tree = ast.parse(reference)
    found: list[Mutant] = []
    for statement in tree.body:
        names = bound_names(statement)
        start, end = statement_span(statement, lines)
        inside = [(b, e) for b, e in regions if start <= e and b <= end]
        if not names or not inside:
            continue
        name = names[0]
        text = "".join(lines[start - 1 : end])
        if isinstance(statement, ast.Assign) and _is_string(statement.value):
            candidates = _answer_edits(statement, choices.get(name))
        else:
            candidates = _code_edits(statement, inside, reference)
        counters: dict[str, int] = {}
        seen = {text}
        for operator, edit in sorted(candidates, key=lambda c: OPERATORS.index(c[0])):
            counters[operator] = counters.get(operator, 0) + 1
            changed = apply(text, start, edit)
            if changed in seen or not parses(changed):
                continue  # the same as the reference or as an earlier mutant
            seen.add(changed)
            source = splice(reference, changed, where=f"mutant of {name}")
            found.append(
                Mutant(
                    id=f"{name}:{operator}:{counters[operator]}",
                    name=name,
                    operator=operator,
                    statement=changed,
                    source=source,
                    diff=diff(text, changed, start),
                )
            )
    return found


def _regions(lines: Sequence[str]) -> list[tuple[int, int]]:
    """The 1-based line numbers of each BEGIN/END SOLUTION pair."""
    regions, begin = [], None
    for number, line in enumerate(lines, 1):
        if line.strip() == BEGIN:
            begin = number
        elif line.strip() == END and begin is not None:
            regions.append((begin, number))
            begin = None
    return regions


def _answer_edits(statement: ast.Assign, options: Sequence[str] | None) -> list[tuple[str, Edit]]:
    """A module-level answer: a choice moved to the next option, or an expression string
    (Python syntax) mutated like code and written back as a string."""
    node = statement.value
    assert isinstance(node, ast.Constant) and isinstance(node.value, str)
    span = (node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
    text = node.value
    if options is not None:
        if text not in options or len(options) < 2:
            return []
        following = options[(list(options).index(text) + 1) % len(options)]
        return [("choice", (*span, quoted(following), False))]
    try:
        expression = ast.parse(text, mode="eval").body
    except SyntaxError:
        return []  # LaTeX, or not an expression: nothing to mutate
    edits = []
    originals = {id(n) for n in ast.walk(expression)}
    for operator, target, replacement in _expression_mutations(expression):
        mutated = render(substitute(expression, target, replacement), text, originals)
        edits.append((operator, (*span, quoted(mutated), False)))
    return edits


def _code_edits(
    statement: ast.stmt, regions: Sequence[tuple[int, int]], source: str
) -> list[tuple[str, Edit]]:
    """Mutations of the nodes that lie inside a solution region of a def, class or assignment."""

    def inside(node: ast.AST) -> bool:
        first, last = getattr(node, "lineno", 0), getattr(node, "end_lineno", 0)
        return any(b < first and last < e for b, e in regions)

    originals = {id(n) for n in ast.walk(statement)}
    parents = _parents(statement)

    def span(target: ast.AST, replacement: ast.AST) -> Edit:
        return span_edit(target, replacement, source, originals, _bare(target, parents))

    edits = []
    for operator, target, replacement in _statement_mutations(statement, inside):
        edits.append((operator, span(target, replacement)))
    data = _data_values(statement)
    for node in _walk(statement):
        if isinstance(node, ast.expr) and inside(node) and not _is_docstring(statement, node):
            for operator, target, replacement in _node_mutations(node, parents):
                edits.append((operator, span(target, replacement)))
            if id(node) not in data:
                for operator, replacement in _detach(parents, node):
                    edits.append((operator, span(node, replacement)))
    return edits


def _expression_mutations(expression: ast.expr) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    parents = _parents(expression)
    for node in _walk(expression):
        yield from _node_mutations(node, parents)


def _node_mutations(
    node: ast.AST, parents: Mapping[int, ast.AST]
) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    """Each single change of one expression node: (operator, the node, what replaces it)."""
    if isinstance(node, ast.BinOp):
        flipped = FLIP_BINARY.get(type(node.op))
        if flipped is not None:
            yield "flip", node, ast.BinOp(left=node.left, op=flipped(), right=node.right)
        if isinstance(node.op, SWAPPED_OPERANDS) and not _squared_difference(node, parents):
            yield "swap", node, ast.BinOp(left=node.right, op=node.op, right=node.left)
        if isinstance(node.op, ast.Add | ast.Mult):
            yield "drop", node, node.left
            yield "drop", node, node.right
        elif isinstance(node.op, ast.Sub):
            yield "drop", node, node.left
            yield "drop", node, ast.UnaryOp(op=ast.USub(), operand=node.right)
        elif isinstance(node.op, ast.Div):
            yield "drop", node, node.left
    elif isinstance(node, ast.Compare) and len(node.ops) == 1:
        compare = FLIP_COMPARE.get(type(node.ops[0]))
        if compare is not None:
            yield (
                "flip",
                node,
                ast.Compare(left=node.left, ops=[compare()], comparators=node.comparators),
            )
    elif isinstance(node, ast.BoolOp):
        yield "flip", node, ast.BoolOp(op=FLIP_BOOL[type(node.op)](), values=node.values)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        yield "sign", node, node.operand
    elif isinstance(node, ast.Constant) and _is_number(node.value):
        value: Any = node.value
        changed = value + 1 if isinstance(value, int) else (2 * value if value else 1.0)
        yield "constant", node, ast.Constant(value=changed)
    elif isinstance(node, ast.Call):
        positional = node.args
        for i in range(len(positional) - 1):
            if not any(isinstance(a, ast.Starred) for a in positional[i : i + 2]):
                args = list(positional)
                args[i], args[i + 1] = args[i + 1], args[i]
                yield "swap", node, ast.Call(func=node.func, args=args, keywords=node.keywords)
        yield from _reduction(node)


def _squared_difference(node: ast.BinOp, parents: Mapping[int, ast.AST]) -> bool:
    """(a - b) ** 2: its operands swapped would be the same number, not a mutant worth grading."""
    parent = parents.get(id(node))
    if not (isinstance(node.op, ast.Sub) and isinstance(parent, ast.BinOp)):
        return False
    exponent = _int_value(parent.right)
    return (
        isinstance(parent.op, ast.Pow)
        and parent.left is node
        and exponent is not None
        and exponent % 2 == 0
    )


def _reduction(node: ast.Call) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    name = _called_name(node)
    if name in REDUCTIONS:
        func = copy.copy(node.func)
        if isinstance(func, ast.Attribute):
            func.attr = REDUCTIONS[name]
        elif isinstance(func, ast.Name):
            func.id = REDUCTIONS[name]
        yield "reduction", node, ast.Call(func=func, args=node.args, keywords=node.keywords)
    if name not in AXIS_FIRST | AXIS_SECOND:
        return
    # A method (x.sum(dim)) takes the axis first; a torch function (torch.sum(x, dim)) second.
    method = isinstance(node.func, ast.Attribute) and not _is_module(node.func.value)
    position = (0 if method else 1) + (1 if name in AXIS_SECOND else 0)
    for keyword in node.keywords:
        if keyword.arg in ("dim", "axis"):
            changed = _other_axis(keyword.value)
            if changed is not None:
                keywords = [
                    ast.keyword(arg=k.arg, value=changed) if k is keyword else k
                    for k in node.keywords
                ]
                yield "reduction", node, ast.Call(func=node.func, args=node.args, keywords=keywords)
    if len(node.args) > position:
        changed = _other_axis(node.args[position])
        if changed is not None:
            args = list(node.args)
            args[position] = changed
            yield "reduction", node, ast.Call(func=node.func, args=args, keywords=node.keywords)


def _other_axis(axis: ast.expr) -> ast.expr | None:
    """Another axis: 0 for any other, -1 for 0; a tuple of axes loses its first."""
    if isinstance(axis, ast.Tuple) and len(axis.elts) > 1:
        return ast.Tuple(elts=axis.elts[1:], ctx=ast.Load())
    value = _int_value(axis)
    if value is None:
        return None
    return (
        ast.Constant(value=0)
        if value != 0
        else ast.UnaryOp(op=ast.USub(), operand=ast.Constant(value=1))
    )


def _statement_mutations(
    statement: ast.stmt, inside: Callable[[ast.AST], bool]
) -> Iterator[tuple[str, ast.AST, ast.AST]]:
    """Training loops: without an optimizer's step (or its zero_grad), or not run at all."""
    for node in _walk(statement):
        if not (isinstance(node, ast.For) and inside(node)):
            continue
        steps = [
            (s, s.value)
            for s in _walk(node)
            if isinstance(s, ast.Expr)
            and isinstance(s.value, ast.Call)
            and _called_name(s.value) in ("step", "zero_grad")
        ]
        if not any(_called_name(call) == "step" for _, call in steps):
            continue
        for s, _ in steps:
            yield "no_step", s, ast.Pass()
        yield "initial", node, ast.Pass()


def _detach(parents: Mapping[int, ast.AST], node: ast.expr) -> Iterator[tuple[str, ast.AST]]:
    """`.detach()` on the value of an assignment to one name, or on a returned value (each of a
    returned tuple)."""
    parent = parents.get(id(node))
    assigned = (
        isinstance(parent, ast.Assign)
        and parent.value is node
        and all(isinstance(target, ast.Name) for target in parent.targets)
    )
    returned = isinstance(parent, ast.Return) or (
        isinstance(parent, ast.Tuple) and isinstance(parents.get(id(parent)), ast.Return)
    )
    if not (assigned or returned) or not _maybe_tensor(node):
        return
    detached = ast.Attribute(value=node, attr="detach", ctx=ast.Load())
    yield "detach", ast.Call(func=detached, args=[], keywords=[])


def _maybe_tensor(node: ast.expr) -> bool:
    """Whether a value may be a tensor that carries gradients: not a shape, a module, an
    optimizer or a new tensor, and not detached already."""
    if isinstance(node, ast.Tuple | ast.Dict | ast.Constant | ast.List | ast.Name):
        return False
    if isinstance(node, ast.Call) and ast.unparse(node.func) in NEW_TENSORS:
        return False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr in ("shape", "detach", "ndim"):
            return False
        if isinstance(sub, ast.Call):
            called = ast.unparse(sub.func)
            if called in NOT_TENSORS or called.startswith(NOT_TENSOR_MODULES):
                return False
    return True


def _data_values(statement: ast.stmt) -> set[int]:
    """In a function that trains (it calls .step()), the assigned values computed from its
    arguments alone: they carry no gradient, so detaching them changes nothing."""
    found: set[int] = set()
    for function in ast.walk(statement):
        if not isinstance(function, ast.FunctionDef) or not any(
            isinstance(n, ast.Call) and _called_name(n) == "step" for n in ast.walk(function)
        ):
            continue
        arguments = function.args
        data = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        local = data | {
            n.id
            for n in ast.walk(function)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
        }
        for node in _walk(function):
            if not isinstance(node, ast.Assign):
                continue
            loads = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
            makes_parameters = any(
                (isinstance(n, ast.Call) and ast.unparse(n.func).startswith(NOT_TENSOR_MODULES))
                or (isinstance(n, ast.keyword) and n.arg == "requires_grad")
                for n in ast.walk(node.value)
            )
            if not makes_parameters and loads & local <= data:
                found.add(id(node.value))
                data |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return found


# ---------------------------------------------------------------- small AST helpers


def _walk(root: ast.AST) -> list[ast.AST]:
    """Every node under root, in source order (ast.walk goes breadth first)."""
    nodes = list(ast.walk(root))
    return sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _bare(node: ast.AST, parents: Mapping[int, ast.AST]) -> bool:
    """Whether node is a whole argument, keyword value, assigned or returned value, or index."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Call):
        return node in parent.args
    if isinstance(parent, ast.Subscript):
        return node is parent.slice
    return isinstance(parent, ast.keyword | ast.Assign | ast.Return | ast.Expr | ast.List)


def _parents(root: ast.AST) -> dict[int, ast.AST]:
    return {
        id(child): parent for parent in ast.walk(root) for child in ast.iter_child_nodes(parent)
    }


def bound_names(statement: ast.stmt) -> tuple[str, ...]:
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return (statement.name,)
    if isinstance(statement, ast.Assign):
        return tuple(t.id for t in statement.targets if isinstance(t, ast.Name))
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return (statement.target.id,)
    return ()


def _is_docstring(statement: ast.stmt, node: ast.AST) -> bool:
    bodies = [
        statement,
        *(n for n in ast.walk(statement) if isinstance(n, ast.FunctionDef | ast.ClassDef)),
    ]
    for owner in bodies:
        body = getattr(owner, "body", [])
        if body and isinstance(body[0], ast.Expr) and body[0].value is node:
            return True
    return False


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _int_value(node: ast.expr) -> int | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_value(node.operand)
        return None if inner is None else -inner
    return None


def _called_name(node: ast.Call) -> str:
    func = node.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


def _is_module(node: ast.expr) -> bool:
    """torch, torch.linalg, nn.functional: a function of a module, not a tensor's method."""
    root = node
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in ("torch", "nn", "F", "np", "numpy", "math")
