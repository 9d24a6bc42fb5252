"""A sandboxed autograder for a course on generative models."""

from __future__ import annotations

__version__ = "0.1.0"
