"""Run the operations' command-line entry points (``scripts/snapshots``, ``restore``, ``upgrade``...)
on given :class:`StackSteps` instead of an opened Pulumi stack."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from operations import cli
from operations.stack import StackSteps


@contextlib.contextmanager
def cli_on(monkeypatch: pytest.MonkeyPatch, steps: StackSteps, stack_name: str = "dev") -> Iterator[None]:
    """While the block runs, ``cli.*_main([stack_name, ...])`` works on ``steps``."""

    @contextlib.contextmanager
    def opened(stack: str, project_dir: Path) -> Iterator[StackSteps]:
        assert stack == stack_name
        yield steps

    with monkeypatch.context() as patch:
        patch.setattr(cli, "stack_steps", opened)
        yield
