"""The program's end when the engine stops a deployment: CANCELLED reads as one line (a RunError).

The errors are real gRPC errors, raised by a call to a gRPC server that answers with the status,
and they go through the SDK's own ``handle_grpc_error``, the function every registration calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pulumi
import pytest
from pulumi.runtime import settings as runtime_settings

from components import shutdown
from dynamic_providers.exceptions import DEBUG_ENV
from settings import parse_settings
from tests.components import mocks as m
from tests.components.test_haproxy import CONTAINER, stack

METHOD = "/test.Engine/RegisterResource"


@pytest.fixture
def engine_answering() -> Iterator[Any]:
    """``call(status, details)``: a real failed gRPC call, as the SDK receives it from the engine."""
    answers: dict[str, tuple[grpc.StatusCode, str]] = {}

    def register(_request: bytes, context: grpc.ServicerContext) -> bytes:
        context.abort(*answers["next"])
        return b""  # not reached: abort raises

    handler = grpc.method_handlers_generic_handler(
        "test.Engine", {"RegisterResource": grpc.unary_unary_rpc_method_handler(register)}
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = channel.unary_unary(METHOD)

    def call(status: grpc.StatusCode, details: str) -> grpc.RpcError:
        answers["next"] = (status, details)
        with pytest.raises(grpc.RpcError) as failed:
            stub(b"", timeout=10)
        return failed.value

    try:
        yield call
    finally:
        channel.close()
        server.stop(None)


@pytest.fixture
def sdk_mapper(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The SDK's own mapper, put back after the test (install() replaces it process-wide, and
    a test that runs the whole program in this process installs it too)."""
    original = shutdown.sdk_mapper()
    monkeypatch.setattr(runtime_settings, "grpc_error_to_exception", original)
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    return original


def raised_by_sdk(error: grpc.RpcError) -> BaseException:
    with pytest.raises(BaseException) as raised:
        runtime_settings.handle_grpc_error(error)
    return raised.value


def test_without_it_the_sdk_reports_a_cancelled_registration_as_an_unhandled_exception(
    engine_answering: Any, sdk_mapper: Any
) -> None:
    # What the language host prints with a traceback (the fault this module exists for).
    raised = raised_by_sdk(engine_answering(grpc.StatusCode.CANCELLED, "context canceled"))
    assert type(raised) is Exception and str(raised) == "context canceled"


def test_installed_a_cancelled_registration_is_one_line_saying_the_deployment_stopped(
    engine_answering: Any, sdk_mapper: Any
) -> None:
    shutdown.install()
    raised = raised_by_sdk(engine_answering(grpc.StatusCode.CANCELLED, "context canceled"))
    assert isinstance(raised, pulumi.RunError)
    assert str(raised) == shutdown.ENGINE_STOPPED


#: Other statuses: (status, details, what the SDK raises). UNAVAILABLE is the SDK's own one line
#: for a monitor already gone; a real error from the engine keeps its message.
OTHER_STATUSES = [
    (grpc.StatusCode.UNAVAILABLE, "", (pulumi.RunError, "Resource monitor has terminated, shutting down")),
    (grpc.StatusCode.INVALID_ARGUMENT, "duplicate resource URN", (Exception, "duplicate resource URN")),
]


@pytest.mark.parametrize(("status", "details", "expected"), OTHER_STATUSES)
def test_installed_every_other_status_is_left_to_the_sdk(
    engine_answering: Any,
    sdk_mapper: Any,
    status: grpc.StatusCode,
    details: str,
    expected: tuple[type[BaseException], str],
) -> None:
    error = engine_answering(status, details)
    before = raised_by_sdk(error)
    shutdown.install()
    after = raised_by_sdk(error)
    assert (type(after), str(after)) == (type(before), str(before)) == expected


def test_install_wraps_the_sdk_once_however_often_the_program_runs(sdk_mapper: Any) -> None:
    shutdown.install()
    installed = runtime_settings.grpc_error_to_exception
    shutdown.install()
    assert runtime_settings.grpc_error_to_exception is installed
    assert shutdown.installed() and shutdown.sdk_mapper() is sdk_mapper


def test_debug_switch_leaves_the_sdk_alone(
    engine_answering: Any, sdk_mapper: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DEBUG_ENV, "1")
    shutdown.install()
    assert not shutdown.installed() and runtime_settings.grpc_error_to_exception is sdk_mapper
    raised = raised_by_sdk(engine_answering(grpc.StatusCode.CANCELLED, "context canceled"))
    assert type(raised) is Exception


# -- where to look: a hint carried by the registrations of a failing resource --------------------


def test_a_stopped_registration_with_a_hint_says_where_to_look(
    engine_answering: Any, sdk_mapper: Any
) -> None:
    shutdown.install()
    hint = shutdown.container_hint("haproxy-container", "haproxy", 120)
    assert hint == (
        "if haproxy-container failed (e.g. not healthy within 120 s), "
        "`docker logs --tail 50 haproxy` says why"
    )
    with shutdown.hint_when_stopped(hint):
        for status in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE):
            raised = raised_by_sdk(engine_answering(status, "resource monitor shut down"))
            assert isinstance(raised, pulumi.RunError)
            assert str(raised) == f"{shutdown.ENGINE_STOPPED}; {hint}"
    # outside, as before: no hint
    raised = raised_by_sdk(engine_answering(grpc.StatusCode.CANCELLED, "context canceled"))
    assert str(raised) == shutdown.ENGINE_STOPPED


class Stopped(grpc.RpcError):  # type: ignore[misc]  # grpc is untyped
    """What a registration gets when the engine stops the deployment (another resource failed)."""

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNAVAILABLE

    def details(self) -> str:
        return "resource monitor shut down while waiting on step's done channel"


class StoppingMonitor(m.RecordingMonitor):
    """The engine stopping while it handles the registration of one resource."""

    def __init__(self, mocks: m.RecordingMocks, stopped: str) -> None:
        super().__init__(mocks)
        self.stopped = stopped

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if request.name == self.stopped:
            raise Stopped()
        return super().RegisterResource(request)


@pytest.mark.parametrize(
    ("container", "where"),
    [
        ("haproxy-container", "`docker logs --tail 50 haproxy` says why"),
        ("nexus-container", "`docker logs --tail 50 nexus` (and /srv/nexus/data/log/nexus.log) says why"),
    ],
)
def test_a_failed_container_ends_the_program_saying_where_to_look(
    sdk_mapper: Any, container: str, where: str
) -> None:
    """The hint travels with the container's own registration (the context it was created in)."""
    shutdown.install()
    mocks = m.RecordingMocks()
    monitor = StoppingMonitor(mocks, container)
    pulumi.runtime.set_mocks(mocks, project=m.PROJECT, stack=m.STACK, preview=False, monitor=monitor)
    try:
        raw = {**CONTAINER, "nexus": {**CONTAINER["nexus"], "dataDir": "/srv/nexus/data"}}
        with pytest.raises(pulumi.RunError) as raised:
            m.deploy(lambda: stack(parse_settings(raw)))
    finally:
        m.install()
    message = str(raised.value)
    assert message.startswith(shutdown.ENGINE_STOPPED) and f"if {container} failed" in message
    assert message.endswith(where)
