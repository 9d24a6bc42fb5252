"""A known-wrong variant as a change, not a copy: an override's top-level names spliced into the
reference by name, and the diff that shows what the variant changes.

The result is the reference's own text with whole statements exchanged, so that everything the
override leaves alone (comments, layout, line numbers up to the first change) stays byte for byte.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
from pathlib import Path

from autograder.errors import SpecError, UsageError
from autograder.models import frozen

DOCSTRING = "__doc__"


@frozen
class _Statement:
    """One top-level statement: the names it binds, and its lines [start, end) in its text."""

    names: tuple[str, ...]  # () for an import or a statement that binds no name
    start: int
    end: int
    node: ast.stmt

    @property
    def is_import(self) -> bool:
        return isinstance(self.node, ast.Import | ast.ImportFrom)


def splice(reference: str, override: str, *, where: str = "<override>") -> str:
    """The reference with each top-level def, class or assignment of `override` put in place of
    the reference's statement of the same name (the last one, where a name is bound twice).

    A def or class without a docstring gets the reference's. A name the reference lacks keeps its
    neighbours: it goes after the counterpart of the override's statement before it, else before
    that of the one after it, else at the end. A new import goes after the reference's imports,
    and a module docstring replaces the reference's; other top-level statements must be the
    reference's own. An override that defines every name of the reference is a whole file, and
    is returned as it is.
    """
    ref_lines = reference.splitlines(keepends=True)
    ovr_lines = override.splitlines(keepends=True)
    ref = _statements(reference, "the reference", ref_lines)
    ovr = _statements(override, where, ovr_lines)
    ref_names = {n for s in ref for n in s.names if n != DOCSTRING}
    ovr_names = {n for s in ovr for n in s.names if n != DOCSTRING}
    if not ref or ref_names <= ovr_names:
        return override

    by_name = {s.names: i for i, s in enumerate(ref)}  # the last statement of each name wins
    same = {ast.dump(s.node) for s in ref}
    replaced: dict[int, str] = {}
    imports: list[str] = []
    new: list[tuple[int, str]] = []  # (position in the override, text) of names the reference lacks
    matched: list[int | None] = []  # each override statement's reference counterpart
    seen: set[tuple[str, ...]] = set()
    for s in ovr:
        matched.append(None)
        text = _text(ovr_lines, s)
        if s.is_import or not s.names:
            if ast.dump(s.node) in same:
                continue  # the reference has it already
            if not s.is_import:
                raise SpecError(
                    f"{where}:{s.node.lineno}: a top-level {type(s.node).__name__} statement "
                    "binds no name, so it cannot replace a statement of the reference",
                    hint="override whole defs, classes or assignments, or give the whole file",
                )
            imports.append(text)
            continue
        if s.names in seen:
            raise SpecError(
                f"{where}:{s.node.lineno}: defines {', '.join(s.names)} twice",
                hint="keep one definition of each name",
            )
        seen.add(s.names)
        index = by_name.get(s.names)
        if index is not None:
            replaced[index] = _with_docstring(text, s, ref_lines, ref[index])
            matched[-1] = index
            continue
        overlap = [n for n in s.names if n in ref_names]
        if overlap:
            raise SpecError(
                f"{where}:{s.node.lineno}: binds {', '.join(s.names)}, but the reference "
                f"binds {', '.join(overlap)} in another statement",
                hint="bind the same names in one statement as the reference does",
            )
        if s.names == (DOCSTRING,):
            replaced[-1] = text  # a docstring where the reference has none: it opens the module
        else:
            new.append((len(matched) - 1, text))

    # A new name keeps its neighbours: after the counterpart of the override's statement before
    # it, else before the counterpart of the one after it, else at the end.
    after: dict[int, list[str]] = {}
    before: dict[int, list[str]] = {}
    for position, text in new:
        previous = [m for m in matched[:position] if m is not None]
        following = [m for m in matched[position + 1 :] if m is not None]
        if previous:
            after.setdefault(previous[-1], []).append(text)
        elif following:
            before.setdefault(following[0], []).append(text)
        else:
            after.setdefault(len(ref) - 1, []).append(text)

    # New imports follow the reference's imports; without any, its docstring (or open the module).
    last_import = max((i for i, s in enumerate(ref) if s.is_import), default=None)
    if last_import is None and ref[0].names == (DOCSTRING,):
        last_import = 0
    elif last_import is None and imports:
        before.setdefault(0, []).insert(0, "".join(imports))
        imports = []
    out: list[str] = [replaced[-1]] if -1 in replaced else []
    cursor = 0
    for i, s in enumerate(ref):
        out.extend(ref_lines[cursor : s.start])
        out.extend(text + "\n\n" for text in before.get(i, ()))
        out.append(replaced.get(i, _text(ref_lines, s)))
        cursor = s.end
        if i == last_import:
            out.extend(imports)
        out.extend("\n\n" + text for text in after.get(i, ()))
    out.extend(ref_lines[cursor:])
    return "".join(out)


def _statements(source: str, where: str, lines: list[str]) -> list[_Statement]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise SpecError(
            f"{where}:{exc.lineno}: is not valid Python ({exc.msg})",
            hint="fix the syntax: an override must parse on its own",
        ) from None
    found = []
    previous_end = 0
    for node in tree.body:
        start, end = statement_span(node, lines)
        if start <= previous_end:
            raise SpecError(
                f"{where}:{start}: holds two statements on one line",
                hint="put each top-level statement on lines of its own",
            )
        found.append(_Statement(names=_names(node), start=start - 1, end=end, node=node))
        previous_end = end
    return found


def statement_span(node: ast.stmt, lines: list[str]) -> tuple[int, int]:
    """The 1-based first and last line of a top-level statement: from its first decorator to its
    last line, with the indented comments right after its body (a closing "# END SOLUTION")."""
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    end = node.end_lineno or node.lineno
    while end < len(lines) and lines[end][:1].isspace() and lines[end].lstrip().startswith("#"):
        end += 1
    return start, end


def _names(node: ast.stmt) -> tuple[str, ...]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return (node.name,)
    if isinstance(node, ast.Assign):
        return tuple(n for target in node.targets for n in _targets(target))
    if isinstance(node, ast.AnnAssign | ast.AugAssign):
        return _targets(node.target)
    if (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ):
        return (DOCSTRING,)
    return ()


def _targets(target: ast.expr) -> tuple[str, ...]:
    if isinstance(target, ast.Name):
        return (target.id,)
    if isinstance(target, ast.Tuple | ast.List):
        return tuple(n for element in target.elts for n in _targets(element))
    return ()  # an attribute or a subscript: it binds no module-level name


def _with_docstring(text: str, mine: _Statement, ref_lines: list[str], theirs: _Statement) -> str:
    """A def or class without a docstring gets the reference's: it is student-facing text that
    the student was given, so an override need not repeat it (nor follow its edits)."""
    node, ref_node = mine.node, theirs.node
    kinds = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    if not isinstance(node, kinds) or not isinstance(ref_node, kinds):
        return text
    if ast.get_docstring(node, clean=False) is not None or not ref_node.body:
        return text
    doc = ref_node.body[0]
    if ast.get_docstring(ref_node, clean=False) is None or doc.lineno == ref_node.lineno:
        return text
    lines = text.splitlines(keepends=True)
    header = _header_end(text)  # the 0-based line that ends `def ...:`
    body = node.body[0].lineno - mine.start - 1
    docstring = ref_lines[doc.lineno - 1 : doc.end_lineno or doc.lineno]
    indent = lines[body][: len(lines[body]) - len(lines[body].lstrip())]
    ref_indent = docstring[0][: len(docstring[0]) - len(docstring[0].lstrip())]
    if header is None or header >= body or indent != ref_indent:
        return text  # a one-line def, or another indentation: leave it as written
    return "".join(lines[: header + 1] + docstring + lines[header + 1 :])


def _header_end(text: str) -> int | None:
    """The 0-based line of the colon that ends a def or class header, or None."""
    depth, seen_keyword = 0, False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NAME and token.string in ("def", "class"):
                seen_keyword = True
            elif token.type == tokenize.OP and token.string in "([{":
                depth += 1
            elif token.type == tokenize.OP and token.string in ")]}":
                depth -= 1
            elif seen_keyword and depth == 0 and token.type == tokenize.OP and token.string == ":":
                return token.start[0] - 1
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def _text(lines: list[str], statement: _Statement) -> str:
    text = "".join(lines[statement.start : statement.end])
    return text if text.endswith("\n") else text + "\n"


# ---------------------------------------------------------------- mistakes on disk


def mistake_path(folder: Path, name: str) -> Path:
    """solutions/HW/mistakes/NAME.py for NAME, NAME.py or mistakes/NAME.py, or a UsageError that
    lists the mistakes there."""
    stem = Path(name).name.removesuffix(".py")
    path = folder / "mistakes" / f"{stem}.py"
    if not path.is_file():
        known = sorted(p.stem for p in (folder / "mistakes").glob("*.py"))
        close = difflib.get_close_matches(stem, known, n=1)
        raise UsageError(
            f"no mistake '{stem}' in {folder / 'mistakes'}",
            hint=f"did you mean '{close[0]}'?"
            if close
            else f"known mistakes: {', '.join(known) or 'none'}",
        )
    return path


def spliced_source(reference: Path, path: Path) -> str:
    """The student file that the mistake at `path` stands for."""
    return splice(reference.read_text(), path.read_text(), where=str(path))


def show(folder: Path, name: str) -> str:
    """The unified diff from the reference solutions/HW/HW.py to the mistake NAME spliced into it."""
    path = mistake_path(folder, name)
    reference = folder / f"{folder.name}.py"  # load_spec requires student_file to be HW.py
    before = reference.read_text()
    after = spliced_source(reference, path)
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=str(reference),
            tofile=f"{path} (spliced)",
        )
    )
