"""Trusted verdicts on data returned by the sandbox; the API that assignments' checks.py may use."""

from __future__ import annotations

from autograder.checks.content import MetricInputError, load_reference, require_tensors

__all__ = ["MetricInputError", "load_reference", "require_tensors"]
