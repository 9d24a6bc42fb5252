"""Helpers for an assignment's trusted checks.py: the reference module and returned tensors."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch

from autograder.models import ArrayValue


class MetricInputError(Exception):
    """What the student's training returned cannot be evaluated; the message is for the student."""


def load_module(path: Path, name: str) -> ModuleType:
    """Import a trusted file (a reference solution or a checks.py) under a private module name."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_reference(checks_file: str | Path) -> ModuleType:
    """The reference solution next to a checks.py (solutions/HW/HW.py)."""
    folder = Path(checks_file).resolve().parent
    name = f"_autograder_reference_{folder.name}"
    if name in sys.modules:
        return sys.modules[name]
    return load_module(folder / f"{folder.name}.py", name)


def as_tensor(value: Any) -> torch.Tensor | None:
    if isinstance(value, ArrayValue):
        if value.origin != "torch" or value.type_name != "torch.Tensor":
            return None
        return torch.from_numpy(np.array(value.array, dtype=np.float64, copy=True))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return torch.tensor(float(value), dtype=torch.float64)
    return None


def require_tensors(
    outputs: Any, shapes: Mapping[str, tuple[int, ...] | None]
) -> dict[str, torch.Tensor]:
    """Turn returned outputs into float64 tensors, checking keys, shapes and finiteness.

    `shapes` maps each required key to its shape (None: any shape).
    """
    if not isinstance(outputs, Mapping):
        raise MetricInputError(
            f"the training function must return a dict of tensors, got {type_name(outputs)}"
        )
    tensors: dict[str, torch.Tensor] = {}
    for key, shape in shapes.items():
        if key not in outputs:
            have = ", ".join(sorted(map(str, outputs))) or "nothing"
            raise MetricInputError(f"the returned dict has no '{key}' (it has: {have})")
        tensor = as_tensor(outputs[key])
        if tensor is None:
            raise MetricInputError(f"'{key}' must be a torch.Tensor, got {type_name(outputs[key])}")
        if shape is not None and tuple(tensor.shape) != tuple(shape):
            raise MetricInputError(
                f"'{key}' has shape {tuple(tensor.shape)}, expected {tuple(shape)}"
            )
        if not torch.isfinite(tensor).all():
            raise MetricInputError(f"'{key}' contains NaN or infinity")
        tensors[key] = tensor
    return tensors


def type_name(value: Any) -> str:
    if isinstance(value, ArrayValue):
        return value.type_name
    if hasattr(value, "type_name"):
        return str(value.type_name)
    return type(value).__name__
