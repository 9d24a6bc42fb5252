"""Run untrusted code in a confined child and bring back data only (never a verdict)."""

from __future__ import annotations

from autograder.sandbox.client import Sandbox

__all__ = ["Sandbox"]
