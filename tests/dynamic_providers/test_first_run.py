"""First run against a fresh emulated Nexus: wait, admin takeover, rerun, rotation, wrong secret, EULA."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests
from pulumi.output import Unknown

from dynamic_providers.client import Connection, NexusClient
from dynamic_providers.exceptions import ProviderError
from dynamic_providers.first_run import (
    FILE_ABSENT_EXIT,
    FirstRunProvider,
    FirstRunSpec,
    eula_status,
    read_remote_password_file,
    ssh_read_command,
    take_over_admin,
    wait_until_writable,
)
from reach.host import SshTarget
from reach.nexus import WRITABLE_POLL_SECONDS
from tests.dynamic_providers.drive import apply, checked, create
from tests.nexus_emulator import EULA_DISCLAIMER, TEST_ADMIN_PASSWORD, NexusEmulator

STACK_PASSWORD = "stack-admin-pw-1"


@pytest.fixture
def fresh_nexus(tmp_path: Path) -> Any:
    """A first start: admin's password is a UUID in <data>/admin.password (no newline)."""
    emulator = NexusEmulator(data_dir=str(tmp_path / "nexus-data"), admin_password=None).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def first_run(emulator: NexusEmulator, password: str = STACK_PASSWORD, **fields: Any) -> dict[str, Any]:
    data_dir = emulator.data_dir or "/nexus-data"
    return {"url": emulator.url, "admin_password": password, "data_dir": data_dir, **fields}


class Silent(FirstRunProvider):
    """The provider with its progress lines collected instead of printed."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def report(self, message: str) -> None:
        self.lines.append(message)


def test_takeover_of_a_fresh_nexus(fresh_nexus: NexusEmulator) -> None:
    password_file = Path(fresh_nexus.data_dir or "") / "admin.password"
    generated = password_file.read_text()
    assert fresh_nexus.state.security.users["admin"].status == "changepassword"

    provider = Silent()
    object_id, outs = create(provider, first_run(fresh_nexus))

    assert outs["admin_takeover"] == "generated"
    assert fresh_nexus.admin_password == STACK_PASSWORD
    assert fresh_nexus.state.security.users["admin"].status == "active"
    assert not password_file.exists()  # Nexus deletes it on the change
    change = fresh_nexus.requests(
        method="PUT", path_prefix="/service/rest/v1/security/users/admin/change-password"
    )
    assert len(change) == 1 and change[0].status == 204
    # Where Nexus is, for every other resource; the password stays in the stack config.
    assert outs["connection"] == {
        "url": fresh_nexus.url,
        "username": "admin",
        "ca_pem": None,
        "timeout": 30.0,
        "max_retry_seconds": 120.0,
    }
    assert (outs["edition"], outs["version"]) == ("COMMUNITY", fresh_nexus.state.version)
    # no password in any message the provider printed
    assert all(generated not in line and STACK_PASSWORD not in line for line in provider.lines)

    # the rerun: no diff, and even a forced run (state lost) changes nothing
    fresh_nexus.clear_log()
    assert apply(provider, object_id, outs, first_run(fresh_nexus))[0] == "same"
    assert fresh_nexus.count_writes() == 0
    again = provider.update(object_id, outs, checked(provider, first_run(fresh_nexus)))
    assert again.outs is not None and again.outs["admin_takeover"] == "unchanged"
    assert fresh_nexus.count_writes() == 0


def test_rotation_uses_the_previous_password_from_state(fresh_nexus: NexusEmulator) -> None:
    provider = Silent()
    object_id, outs = create(provider, first_run(fresh_nexus))
    step, outs = apply(provider, object_id, outs, first_run(fresh_nexus, password="stack-admin-pw-2"))
    assert step == "update" and outs["admin_takeover"] == "rotated"
    assert fresh_nexus.admin_password == "stack-admin-pw-2"
    assert "password" not in outs["connection"]  # so no other resource changes with a rotation


def test_password_changed_elsewhere_is_already_done(nexus_emulator: NexusEmulator) -> None:
    # The stack's password already works (e.g. set by hand): no change-password call at all.
    _, outs = create(Silent(), first_run(nexus_emulator, password=TEST_ADMIN_PASSWORD))
    assert outs["admin_takeover"] == "unchanged"
    assert nexus_emulator.requests(path_prefix="/service/rest/v1/security/users/admin/change-password") == []


def test_wrong_secret_fails_clearly_without_leaking(nexus_emulator: NexusEmulator, tmp_path: Path) -> None:
    provider = Silent()
    props = first_run(nexus_emulator, password="not-the-password", data_dir=str(tmp_path))
    with pytest.raises(ProviderError) as caught:
        provider.create(checked(provider, props))
    message = str(caught.value)
    assert f"cannot log in to Nexus at {nexus_emulator.url} as admin" in message
    assert "admin.password does not exist" in message
    assert "pulumi config set --secret nexus-platform:adminPassword" in message
    assert "not-the-password" not in message and TEST_ADMIN_PASSWORD not in message
    assert nexus_emulator.admin_password == TEST_ADMIN_PASSWORD
    assert nexus_emulator.count_writes() == 0

    # a rotation whose recorded previous password is also wrong says it tried that too
    olds = {**checked(provider, props), "admin_password": "also-wrong"}
    with pytest.raises(ProviderError, match="previous adminPassword recorded in the state"):
        provider.update(
            "nexus-first-run", olds, checked(provider, first_run(nexus_emulator, "new", data_dir="/x"))
        )


def test_eula_only_when_configured(fresh_nexus: NexusEmulator) -> None:
    provider = Silent()
    object_id, outs = create(provider, first_run(fresh_nexus))
    assert outs["eula_accepted"] is False
    assert fresh_nexus.state.eula_accepted is False
    assert fresh_nexus.requests(method="POST", path_prefix="/service/rest/v1/system/eula") == []

    step, outs = apply(provider, object_id, outs, first_run(fresh_nexus, accept_eula=True))
    assert step == "update" and outs["eula_accepted"] is True
    assert fresh_nexus.state.eula_accepted is True
    posts = fresh_nexus.requests(method="POST", path_prefix="/service/rest/v1/system/eula")
    assert [p.status for p in posts] == [204]  # the exact disclaimer: a wrong one gives 500


def test_no_eula_where_the_server_has_none(nexus_emulator_pro: NexusEmulator) -> None:
    _, outs = create(Silent(), first_run(nexus_emulator_pro, password=TEST_ADMIN_PASSWORD, accept_eula=True))
    assert outs["eula_accepted"] is None and outs["edition"] == "PRO"
    # Asked once whether there is one (the 3.77+ core has it too); nothing was posted.
    calls = nexus_emulator_pro.requests(path_prefix="/service/rest/v1/system/eula")
    assert [(c.method, c.status) for c in calls] == [("GET", 404)]


def test_eula_disclaimer_is_sent_back_verbatim(nexus_emulator: NexusEmulator) -> None:
    with NexusClient(Connection(nexus_emulator.url, "admin", TEST_ADMIN_PASSWORD)) as client:
        sent: list[Any] = []
        original = client.post

        def recording_post(path: str, body: Any, ok: tuple[int, ...] = (200, 201, 204)) -> Any:
            sent.append(body)
            return original(path, body, ok)

        client.post = recording_post  # type: ignore[method-assign]
        assert eula_status(client, accept=True) is True
    assert sent == [{"disclaimer": EULA_DISCLAIMER, "accepted": True}]


def test_waits_for_a_starting_nexus(tmp_path: Path) -> None:
    emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, startup_seconds=1.5).start()
    try:
        assert emulator.call("GET", "/v1/status").status in (200, 503)
        waited = wait_until_writable(emulator.url, 20, interval_seconds=0.2, report=lambda _: None)
        assert waited >= 1.0
    finally:
        emulator.stop()


def test_writable_is_noticed_within_a_second(nexus_emulator: NexusEmulator) -> None:
    # By default the wait sleeps at most 0.5 s between status GETs: readiness is noticed within
    # 1 s of Nexus turning writable (the GET itself aside).
    nexus_emulator.set_starting()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            nexus_emulator.set_ready()

    wait_until_writable(nexus_emulator.url, 60, report=lambda _: None, sleep=sleep)
    assert len(slept) == 3 and max(slept) <= WRITABLE_POLL_SECONDS <= 1.0


def test_wait_timeout_names_the_url_and_last_status(nexus_emulator: NexusEmulator) -> None:
    nexus_emulator.set_starting()
    lines: list[str] = []
    ticks = iter(range(0, 1000, 10))
    with pytest.raises(ProviderError) as caught:
        wait_until_writable(
            nexus_emulator.url,
            60,
            report=lines.append,
            clock=lambda: float(next(ticks)),
            sleep=lambda _: None,
        )
    message = str(caught.value)
    assert f"{nexus_emulator.url}/service/rest/v1/status/writable" in message
    assert "within 60 s" in message and "last answer: HTTP 503" in message
    assert lines and "HTTP 503" in lines[0]  # progress while waiting


def test_wait_timeout_when_nothing_listens() -> None:
    with pytest.raises(
        ProviderError, match=r"http://127.0.0.1:9/service/rest/v1/status/writable.*ConnectionError"
    ):
        wait_until_writable("http://127.0.0.1:9", 0.5, interval_seconds=0.1, report=lambda _: None)


# ---------------------------------------------------------------- the generated password over SSH


def test_ssh_read_command() -> None:
    command = ssh_read_command(SshTarget("deploy", "vm.example.com", 2222), "/data/nexus data/admin.password")
    assert command[:7] == ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-p", "2222"]
    assert command[-2] == "deploy@vm.example.com"
    assert command[-1] == (
        "if [ -e '/data/nexus data/admin.password' ]; then cat -- '/data/nexus data/admin.password'; "
        f"else exit {FILE_ABSENT_EXIT}; fi"
    )
    with_key = ssh_read_command(SshTarget("deploy", "vm"), "/d/admin.password", "/tmp/key")
    assert with_key[with_key.index("-i") + 1] == "/tmp/key" and "IdentitiesOnly=yes" in with_key


def test_remote_read_outcomes() -> None:
    calls: list[list[str]] = []

    def runner(code: int, out: str = "", err: str = "") -> Any:
        def run(command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
            calls.append(command)
            key = command[command.index("-i") + 1] if "-i" in command else None
            if key:
                assert Path(key).read_text().startswith("KEY") and (Path(key).stat().st_mode & 0o777) == 0o600
            return subprocess.CompletedProcess(command, code, out, err)

        return run

    source = SshTarget("deploy", "vm")
    assert read_remote_password_file(source, "/d/admin.password", run=runner(0, "uuid-1")) == "uuid-1"
    assert read_remote_password_file(source, "/d/admin.password", run=runner(FILE_ABSENT_EXIT)) is None
    assert read_remote_password_file(source, "/d/admin.password", "KEY", run=runner(0, "u")) == "u"
    assert not Path(calls[-1][calls[-1].index("-i") + 1]).exists()  # the key file is removed
    with pytest.raises(ProviderError, match=r"over SSH \(exit 255\): Permission denied"):
        read_remote_password_file(source, "/d/admin.password", run=runner(255, err="Permission denied"))


def test_takeover_order_previous_then_generated() -> None:
    spec = FirstRunSpec(url="http://n:8081", admin_password="new", data_dir="/d")
    accepted = {"gen"}
    changes: list[tuple[str, str]] = []

    def works(connection: Any) -> bool:
        return str(connection.password) in accepted

    def change(connection: Any, new: str) -> None:
        changes.append((connection.password, new))
        accepted.discard(connection.password)
        accepted.add(new)

    assert take_over_admin(spec, "old", lambda: "gen", works, change) == "generated"
    assert changes == [("gen", "new")]
    accepted.clear()
    accepted.add("old")
    assert take_over_admin(spec, "old", lambda: pytest.fail("file not needed"), works, change) == "rotated"


def test_bad_input_is_a_check_failure(nexus_emulator: NexusEmulator) -> None:
    result = FirstRunProvider().check(
        {}, {"url": "nexus:8081", "admin_password": "", "data_dir": "relative", "surprise": 1}
    )
    properties = {f.property for f in result.failures}
    assert {"url", "admin_password", "data_dir"} <= properties


def test_diff_treats_dropped_none_values_as_unchanged() -> None:
    # The engine drops None-valued properties: state and new inputs may lack ca_pem, ssh_*.
    provider = FirstRunProvider()
    news = checked(provider, {"url": "http://n:8081", "admin_password": "pw", "data_dir": "/d"})
    olds = {k: v for k, v in news.items() if v is not None}
    news_without_none = {k: v for k, v in news.items() if v is not None}
    assert provider.diff("nexus-first-run", olds, news_without_none).changes is False
    assert (
        provider.diff("nexus-first-run", olds, {**news_without_none, "admin_password": "pw2"}).changes is True
    )
    assert (
        provider.diff("nexus-first-run", olds, {**news_without_none, "server_revision": "c2"}).changes is True
    )


def test_preview_with_unknown_inputs() -> None:
    provider = FirstRunProvider()
    news = {"url": "http://n:8081", "admin_password": "pw", "data_dir": "/d", "server_revision": Unknown()}
    assert provider.check({}, news).failures == []
    olds = checked(provider, {"url": "http://n:8081", "admin_password": "pw", "data_dir": "/d"})
    assert provider.diff("nexus-first-run", olds, news).changes is True


def test_eula_of_the_open_source_core_3_77_is_not_skipped(tmp_path: Path) -> None:
    """CORE (3.77+ open source) has the EULA resource too: asked of the server, not of the edition."""
    emulator = NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="CORE", version="3.77.0-08").start()
    try:
        _, outs = create(Silent(), first_run(emulator, password=TEST_ADMIN_PASSWORD, accept_eula=True))
        assert outs["edition"] == "CORE" and outs["eula_accepted"] is True
        assert emulator.call("GET", "/v1/system/eula").body["accepted"] is True
    finally:
        emulator.stop()


# ---------------------------------------------------------------- a refused stack


def anonymous_repository_list(emulator: NexusEmulator) -> tuple[int, Any]:
    """What anyone gets without a password (HAProxy serves the same port)."""
    answer = requests.get(f"{emulator.api_url}/v1/repositories", timeout=10)
    return answer.status_code, answer.json() if answer.content else None


def test_a_refusal_leaves_a_fresh_nexus_closed(tmp_path: Path) -> None:
    """Issue 30 (item 6): the first run refuses a stack asking for the Docker format of the
    open-source core and takes nothing over, but the fresh server is no longer public."""
    data_dir = tmp_path / "nexus-data"
    with NexusEmulator(data_dir=str(data_dir), edition="OSS", default_repositories=True) as fresh:
        generated = (data_dir / "admin.password").read_text()
        status, listed = anonymous_repository_list(fresh)
        assert status == 200 and len(listed) == 4  # a fresh Nexus: anonymous access on
        fresh.clear_log()
        provider = Silent()
        with pytest.raises(ProviderError) as refused:
            provider.create(first_run(fresh, required_features={"format:docker": "docker.enabled"}))
        lines = str(refused.value).splitlines()
        assert lines[0].startswith("nexus-platform:docker.enabled needs the Docker format")
        assert lines[1].startswith("Anonymous access was on and has been switched off")
        assert anonymous_repository_list(fresh) == (200, [])
        assert fresh.call("GET", "/v1/security/anonymous").body["enabled"] is False
        # the one write; the admin password is not taken over (the generated one still works)
        writes = [(r.method, r.path) for r in fresh.request_log if r.write]
        assert writes == [("PUT", "/service/rest/v1/security/anonymous")]
        assert fresh.admin_password == generated
        assert (data_dir / "admin.password").read_text() == generated
        assert not any(generated in line or STACK_PASSWORD in line for line in [*lines, *provider.lines])

        # refused again (already closed): nothing written, and it says so
        fresh.clear_log()
        with pytest.raises(ProviderError, match="Anonymous access is off"):
            provider.create(first_run(fresh, required_features={"format:docker": "docker.enabled"}))
        assert fresh.count_writes() == 0


def test_a_refusal_keeps_the_anonymous_setting_of_a_configured_nexus(
    nexus_emulator_oss: NexusEmulator,
) -> None:
    """A server the stack already took over keeps what the stack set (e.g. anonymous pull): a
    refused config change is no reason to change it."""
    assert nexus_emulator_oss.call("GET", "/v1/security/anonymous").body["enabled"] is True
    provider = Silent()
    object_id, outs = create(provider, first_run(nexus_emulator_oss, TEST_ADMIN_PASSWORD))
    nexus_emulator_oss.clear_log()
    news = checked(
        provider, first_run(nexus_emulator_oss, TEST_ADMIN_PASSWORD, required_features={"ldap": "ldap"})
    )
    with pytest.raises(ProviderError) as refused:
        provider.update(object_id, outs, news)
    assert str(refused.value).splitlines() == [str(refused.value)]  # the missing feature alone
    assert nexus_emulator_oss.count_writes() == 0
    assert nexus_emulator_oss.call("GET", "/v1/security/anonymous").body["enabled"] is True
