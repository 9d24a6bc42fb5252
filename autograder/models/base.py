"""The one way data classes are declared here: frozen, slotted, keyword-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True, kw_only_default=True)
def frozen(cls: type[T]) -> type[T]:
    """`@dataclass(frozen=True, slots=True, kw_only=True)`, visible as such to a type checker."""
    return dataclass(frozen=True, slots=True, kw_only=True)(cls)
