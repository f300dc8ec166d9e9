"""Fixtures of the training-layer tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="module")
def _one_thread(one_torch_thread):
    """Every test here trains on one torch thread (fixture in tests/conftest.py)."""
    yield
