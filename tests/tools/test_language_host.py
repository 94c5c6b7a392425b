"""The language host shim's program function (tools/language_host.py): how a failed program is
reported. The whole shim under the real engine is in tests/e2e/test_engine_smoke.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pulumi
import pytest
from pulumi.runtime.proto import language_pb2

from tools import language_host
from tools.language_host import Program, bail_if_logged

ROOT = Path(__file__).resolve().parents[2]

CONFIG_ERROR = """\
from settings import SettingsError, SettingsIssue
issues = [SettingsIssue("nexus.version", "must be pinned"), SettingsIssue("domain", "is required")]
raise SettingsError(issues)
"""
PROVIDER_ERROR = """\
from dynamic_providers.exceptions import ProviderError
raise ProviderError("blob store 'x' already exists: set adopt")
"""
BUG = "raise KeyError('name')\n"


@pytest.fixture
def program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Program:
    """The shim's program for the project, with an entry point the test writes (main.py); the
    process's modules and sys.path are left as they were."""
    monkeypatch.setattr(language_host, "forget_project_modules", lambda _directory: None)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.delenv(language_host.DEBUG_ENV, raising=False)
    return language_host.make_program(ROOT, tmp_path / "main.py")


def failing(program: Program, source: str) -> BaseException:
    program.main.write_text(source)
    with pytest.raises(BaseException) as raised:
        program()
    return raised.value


def test_a_config_error_is_its_message_alone(program: Program) -> None:
    raised = failing(program, CONFIG_ERROR)
    assert type(raised) is pulumi.RunError  # what the SDK's server logs without a traceback
    assert str(raised) == (
        "invalid stack configuration (2 problem(s)):\n"
        "  - nexus-platform:nexus.version: must be pinned\n"
        "  - nexus-platform:domain: is required"
    )
    assert raised.__cause__ is None and raised.__suppress_context__  # no chained traceback
    assert program.reported == str(raised)


def test_a_provider_error_is_its_message_alone(program: Program) -> None:
    raised = failing(program, PROVIDER_ERROR)
    assert type(raised) is pulumi.RunError and str(raised) == "blob store 'x' already exists: set adopt"


def test_anything_else_keeps_its_traceback(program: Program) -> None:
    raised = failing(program, BUG)
    assert type(raised) is KeyError and program.reported is None


def test_the_debug_switch_keeps_the_config_errors_traceback(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(language_host.DEBUG_ENV, "1")
    raised = failing(program, CONFIG_ERROR)
    assert type(raised).__name__ == "SettingsError" and program.reported is None


def test_a_failed_run_is_not_printed_again_by_the_engine() -> None:
    """The SDK's server logs the error (a RunError's message, or the traceback it formatted) and
    also returns it as the run's error, which the engine prints again ("an unhandled error
    occurred: ..."); `bail` says it was reported."""
    for error in (
        "invalid stack configuration (1 problem(s)): ...",
        "python inline source runtime error: 'x'",
    ):
        answer = bail_if_logged(language_pb2.RunResponse(error=error))
        assert answer.bail and not answer.error
    done = language_pb2.RunResponse()
    assert bail_if_logged(done) is done
