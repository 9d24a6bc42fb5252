"""Shared fixtures: one warm sandbox per test module, the tiny assignment, the repository root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.models import Limits
from autograder.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FAST = Limits(wall_seconds=15, cpu_seconds=10, call_seconds=3, memory_mb=2048)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(uid=64100 + os.getpid() % 500) as box:
        box.start()
        yield box


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
