"""One line per provider error (the wrapper in dynamic_providers/errors.py, the line from
``exceptions.one_line``), in process.

The real provider host is exercised under the real engine in tests/e2e/test_partial_failure.py;
here the host is simulated by the module check (``in_provider_host``) and the traceback text is
produced the way the SDK's host produces it (``traceback.format_exc()``).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

import pytest

from dynamic_providers import errors
from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import (
    DEBUG_ENV,
    NexusConnectionError,
    OneLineError,
    ProblemsError,
    ProviderError,
    RefusedError,
    ServerError,
    one_line,
)
from dynamic_providers.first_run import FirstRunProvider
from tests.dynamic_providers.drive import configured
from tests.nexus_emulator import NexusEmulator

SERVER = ServerError(
    "HTTP 503 Service Unavailable",
    status=503,
    resource="repository 'docker-alpha-release'",
    method="POST",
    path="/v1/repositories/docker/hosted",
)


def host_format(call: Any) -> str:
    """What the SDK's provider host sends to the engine when ``call`` raises."""
    try:
        call()
    except Exception:
        return traceback.format_exc()
    raise AssertionError("no error")


@pytest.fixture
def in_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(errors, "in_provider_host", lambda: True)
    monkeypatch.setattr(sys, "tracebacklimit", sys.getrecursionlimit(), raising=False)
    monkeypatch.delenv(DEBUG_ENV, raising=False)


def test_one_line_names_the_object_the_call_and_what_to_do() -> None:
    line = one_line(SERVER, "create")
    assert line.startswith(
        "repository 'docker-alpha-release': HTTP 503 Service Unavailable "
        "(POST /v1/repositories/docker/hosted -> 503)."
    )
    assert "docker logs --tail 50 nexus" in line and "\n" not in line
    refused = RefusedError("bad port", status=400, resource="repository 'x'", method="PUT", path="/v1/r")
    assert "correct them in the stack config" in one_line(refused, "update")
    assert "is it running?" in one_line(NexusConnectionError("refused", resource="realms"), "read")
    assert one_line(ProviderError("blob store 'x' already exists.\nSet adopt"), "create") == (
        "blob store 'x' already exists. Set adopt"
    )
    bug = one_line(KeyError("name"), "diff")
    assert bug.startswith("unexpected KeyError in diff: 'name'") and DEBUG_ENV in bug


#: Nobody listens on port 9 (discard) here: the create fails at once with a connection error.
UNREACHABLE = {"url": "http://127.0.0.1:9", "username": "admin", "max_retry_seconds": 0.1}


def test_in_the_provider_host_an_error_is_one_line_without_traceback(in_host: None) -> None:
    provider = configured(FileBlobStoreProvider(), "x")
    props = {"name": "b1", "path": "b1", "connection": UNREACHABLE}
    text = host_format(lambda: provider.create(props))
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("nexus-platform.OneLineError: blob store 'b1': ")
    assert "Nexus did not answer" in lines[0]


def test_the_debug_switch_keeps_the_traceback(in_host: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DEBUG_ENV, "1")
    provider = configured(FileBlobStoreProvider(), "x")
    props = {"name": "b1", "path": "b1", "connection": UNREACHABLE}
    text = host_format(lambda: provider.create(props))
    assert text.startswith("Traceback (most recent call last):") and "NexusConnectionError" in text


def test_outside_the_host_errors_stay_as_they_are() -> None:
    class Failing(OneLineErrors):
        def create(self, props: dict[str, Any]) -> Any:
            raise SERVER

    with pytest.raises(ServerError):
        Failing().create({})
    assert errors.in_provider_host() is False  # pytest is not the SDK's provider host


def test_every_engine_call_of_a_subclass_is_wrapped(in_host: None) -> None:
    class Failing(OneLineErrors):
        def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> Any:
            raise SERVER

    with pytest.raises(OneLineError, match=r"^repository 'docker-alpha-release': HTTP 503") as raised:
        Failing().diff("x", {}, {})
    assert raised.value.__suppress_context__  # raised `from None`: no chained traceback either


def test_several_problems_stay_one_line_each(in_host: None) -> None:
    class Refusing(OneLineErrors):
        def create(self, props: dict[str, Any]) -> Any:
            raise ProblemsError(["nexus-platform:a needs X,\n  which it lacks", "nexus-platform:b needs Y"])

    assert one_line(ProblemsError(["first  problem", "", "second\nproblem"]), "create") == (
        "first problem\nsecond problem"
    )
    lines = host_format(lambda: Refusing().create({})).strip().splitlines()
    assert lines == [
        "nexus-platform.OneLineError: nexus-platform:a needs X, which it lacks",
        "nexus-platform:b needs Y",
    ]


def test_every_feature_the_server_lacks_is_its_own_line(in_host: None, nexus_emulator: NexusEmulator) -> None:
    """Not `... in the Nexus UI nexus-platform:docker.enabled needs ...` on one line."""
    nexus_emulator.set_version("3.71.0-06", "OSS")
    props = {
        "url": nexus_emulator.url,
        "admin_password": nexus_emulator.admin_password,
        "data_dir": nexus_emulator.data_dir or "/nexus-data",
        "required_features": {"task-create": "nexus.manageTasks", "format:docker": "docker.enabled"},
        "wait_timeout_seconds": 60,
    }
    lines = host_format(lambda: FirstRunProvider().create(props)).strip().splitlines()
    assert lines[0].startswith("nexus-platform.OneLineError: nexus-platform:nexus.manageTasks needs "), lines
    assert lines[1].startswith(
        "nexus-platform:docker.enabled needs the Docker format, which Nexus/3.71.0-06 (OSS)"
    )
    assert all(line.count(" needs ") == 1 for line in lines[:2])
