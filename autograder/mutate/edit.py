"""Edits of the reference's text: a node replaced by new code, written so that a diff shows
the change and nothing else (untouched subtrees keep their source, parentheses only where needed)."""

from __future__ import annotations

import ast
import copy
import difflib

# An edit: (first line, first column, last line, end column, replacement text, whether that text
# is wrapped in parentheses of its own), lines 1-based in the reference and columns in UTF-8
# bytes, as `ast` counts them.
Edit = tuple[int, int, int, int, str, bool]


def substitute(root: ast.AST, target: ast.AST, replacement: ast.AST) -> ast.AST:
    """root's tree with the node `target` (by identity) replaced: the nodes on the way to it are
    copies, every other subtree is the original (so that `render` can keep its source)."""
    if root is target:
        return replacement
    if not any(n is target for n in ast.walk(root)):
        return root
    new = copy.copy(root)
    for field, value in ast.iter_fields(root):
        if isinstance(value, ast.AST):
            setattr(new, field, substitute(value, target, replacement))
        elif isinstance(value, list):
            items = [
                substitute(v, target, replacement) if isinstance(v, ast.AST) else v for v in value
            ]
            setattr(new, field, items)
    return new


def render(node: ast.AST, source: str, originals: set[int]) -> str:
    """The code of a mutated node: `ast.unparse`, with each untouched subtree written as it was in
    `source` (so that a diff shows the change, not a new layout), unless that reads differently."""
    plain = ast.unparse(node)
    if id(node) in originals:
        return ast.get_source_segment(source, node) or plain
    text, cursor = plain, 0
    for sub in untouched(node, originals):
        written, kept = ast.unparse(sub), ast.get_source_segment(source, sub)
        at = text.find(written, cursor)
        if kept is None or at < 0 or "\n" in kept:
            continue
        text = text[:at] + kept + text[at + len(written) :]
        cursor = at + len(kept)
    try:
        same = ast.dump(ast.parse(text, mode="eval")) == ast.dump(ast.parse(plain, mode="eval"))
    except SyntaxError:
        same = False
    return text if same else plain


def untouched(node: ast.AST, originals: set[int]) -> list[ast.AST]:
    """The largest original subtrees under a mutated node, in source order."""
    found: list[ast.AST] = []
    for child in ast.iter_child_nodes(node):
        if id(child) in originals:
            if isinstance(child, ast.expr):
                found.append(child)
        else:
            found.extend(untouched(child, originals))
    return found


def span_edit(
    target: ast.AST, replacement: ast.AST, source: str, originals: set[int], bare: bool
) -> Edit:
    """The edit that puts `replacement` where `target` is; `bare` when the target stands where
    any expression may (a whole argument, value or index), so needs no parentheses."""
    text = ast.unparse(replacement) if isinstance(replacement, ast.stmt) else ""
    if isinstance(replacement, ast.expr):
        text = render(replacement, source, originals)
    # Parentheses keep the precedence of what surrounds the node (`apply` drops them where the
    # source has its own).
    atomic = ast.Name | ast.Constant | ast.Call | ast.Attribute | ast.Subscript | ast.Tuple
    wrapped = isinstance(replacement, ast.expr) and not isinstance(replacement, atomic) and not bare
    if wrapped:
        text = f"({text})"
    first, col = target.lineno, target.col_offset  # type: ignore[attr-defined]
    last, end = target.end_lineno, target.end_col_offset  # type: ignore[attr-defined]
    return (first, col, last, end, text, wrapped)


def apply(text: str, start: int, edit: Edit) -> str:
    """The statement `text` (whose first line is line `start` of the reference) with one edit."""
    first, col, last, end, replacement, wrapped = edit
    lines = [line.encode() for line in text.splitlines(keepends=True)]
    head = lines[first - start][:col]
    tail = lines[last - start][end:]
    enclosed = head.rstrip().endswith(b"(") and tail.lstrip().startswith(b")")
    if wrapped and enclosed:
        replacement = replacement[1:-1]
    changed = head + replacement.encode() + tail
    return b"".join([*lines[: first - start], changed, *lines[last - start + 1 :]]).decode()


def diff(before: str, after: str, start: int) -> str:
    """The changed lines of a statement whose first line is line `start` of the reference."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), n=0, lineterm="\n"
    )
    out = []
    for line in list(lines)[2:]:
        if line.startswith("@@"):
            first = int(line.split()[1].split(",")[0].lstrip("-"))
            out.append(f"@@ line {first + start - 1}\n")
        else:
            out.append(line if line.endswith("\n") else line + "\n")
    return "".join(out)


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def quoted(text: str) -> str:
    """A string literal for an answer, in double quotes where it can be."""
    return f'"{text}"' if '"' not in text and "\\" not in text else repr(text)
