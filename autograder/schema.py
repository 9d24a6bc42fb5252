"""Typed reading of one YAML mapping; every error names the file, the key path and the fix."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from autograder.errors import SpecError

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MISSING: Any = object()


class Reader:
    """Typed access to one mapping of the YAML, with the path of each key for messages."""

    def __init__(self, file: Path, data: Any, where: str) -> None:
        self.file, self.where = file, where
        if not isinstance(data, Mapping):
            self.fail(where or "the file", f"must be a mapping, got {show(data)}")
        self.data: Mapping[str, Any] = data

    def fail(self, key: str, problem: str) -> NoReturn:
        raise SpecError(f"{self.file}: {key} {problem}")

    def key(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for name in self.data:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1)
                hint = (
                    f"; did you mean '{close[0]}'?"
                    if close
                    else f"; allowed keys: {', '.join(allowed)}"
                )
                self.fail(self.key(str(name)), f"is not a known key{hint}")

    def get(
        self, name: str, kind: type | tuple[type, ...], default: Any = _MISSING, fix: str = ""
    ) -> Any:
        if name not in self.data:
            if default is _MISSING:
                self.fail(self.key(name), f"is required{(': ' + fix) if fix else ''}")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join(_type_word(k) for k in kinds)
            self.fail(self.key(name), f"must be {names}, got {show(value)}")
        return value

    def name(self, key: str) -> str:
        """A required key holding a Python name (an answer, a function in the student's file)."""
        value: str = self.get(key, str)
        if not NAME_PATTERN.match(value):
            self.fail(self.key(key), f"must be a Python name, got {value!r}")
        return value

    def sub(self, name: str, value: Any) -> Reader:
        return Reader(self.file, value, self.key(name))


def defaults(cls: type) -> dict[str, Any]:
    """The declared defaults of a data class's fields: the one place a kind's defaults live."""
    found: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            found[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            found[f.name] = f.default_factory()
    return found


def _type_word(kind: type) -> str:
    words: dict[type, str] = {
        float: "a number",
        int: "an integer",
        str: "a string",
        bool: "true or false",
        list: "a list",
        dict: "a mapping",
        type(None): "null",
    }
    return words.get(kind, kind.__name__)


def show(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
