"""First run of a new Nexus: wait until it is writable, take over the admin account, accept the EULA.

One resource, run by `pulumi up` before anything else talks to Nexus:

1. Wait until ``/service/rest/v1/status/writable`` answers 200 (bounded, with progress lines).
2. Make the stack's ``adminPassword`` the admin password. If it already works, nothing is done.
   Otherwise the password that does work is found among the previous stack value (recorded in the
   state; this is a rotation) and the generated one in ``<dataDir>/admin.password`` (a fresh
   Nexus; read locally or with ``ssh user@host cat``), changed with the text/plain change-password
   call, and the new one is checked. Passwords never appear in messages or logs.
3. Community Edition: accept the EULA with the exact disclaimer Nexus returned, only when the
   stack says ``acceptEula: true``.

Between 2's search for the working password and its change, what the server offers is read; a
stack asking for what it lacks (``docker.enabled`` on the open-source core, say) is refused with one
line per missing feature, before the password change or any other write but one: on a server the
stack has not configured yet (the first run's create, or the admin still on the generated
password), anonymous access is switched off, because a fresh Nexus has it on and HAProxy already
serves it; the refusal says so (:func:`close_anonymous_access`).

Its ``connection`` output (where Nexus is, without the password: the other providers read that
from the stack config) is what every other Nexus resource takes, so they all depend on it.
Deleting it changes nothing in Nexus: the admin keeps the stack's password.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import PurePosixPath
from typing import Any

import pulumi
import pydantic
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from dynamic_providers.base import (
    Spec,
    _contains_unknown,
    check_failures,
    report_to_stderr,
)
from dynamic_providers.capabilities import missing_features, read_capabilities
from dynamic_providers.client import Connection, NexusClient
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import NexusError, ProblemsError, ProviderError, UnauthorizedError
from dynamic_providers.lockdown import read_anonymous_settings, switch_anonymous_off
from dynamic_providers.users import change_password
from reach import nexus
from reach.host import SshTarget, pem_file, private_key_file, ssh_argv

ADMIN_USER = "admin"
PASSWORD_FILE = "admin.password"
# The remote read exits with this when the file does not exist (as opposed to ssh failing: 255).
FILE_ABSENT_EXIT = 3

Report = Callable[[str], None]


# ---------------------------------------------------------------- the inputs


class FirstRunSpec(Spec):
    url: str = pydantic.Field(pattern=r"^https?://[^/\s]+")
    admin_password: str = pydantic.Field(min_length=1, repr=False)
    data_dir: str = pydantic.Field(pattern=r"^/")
    ssh_user: str | None = None
    ssh_host: str | None = None
    ssh_port: int = pydantic.Field(22, ge=1, le=65535)
    ssh_private_key: str | None = pydantic.Field(None, repr=False)
    accept_eula: bool = False
    wait_timeout_seconds: int = pydantic.Field(600, ge=1, le=3600)
    # Anything that changes when Nexus is (re)started, e.g. the container id: a change means
    # "wait for it again" before the resources that depend on the connection run.
    server_revision: str = ""
    ca_pem: str | None = None
    # What the stack needs the server to have: feature -> the config key that asks for it.
    required_features: dict[str, str] = pydantic.Field(default_factory=dict)

    @pydantic.model_validator(mode="after")
    def _ssh_complete(self) -> FirstRunSpec:
        if (self.ssh_user is None) != (self.ssh_host is None):
            raise ValueError("ssh_user and ssh_host go together")
        return self

    @property
    def password_file(self) -> str:
        return str(PurePosixPath(self.data_dir) / PASSWORD_FILE)

    def connection(self, password: str) -> Connection:
        return Connection(
            url=self.url.rstrip("/"), username=ADMIN_USER, password=password, ca_pem=self.ca_pem
        )


# ---------------------------------------------------------------- waiting


def wait_until_writable(
    url: str,
    timeout_seconds: float,
    *,
    ca_pem: str | None = None,
    interval_seconds: float = nexus.WRITABLE_POLL_SECONDS,
    report: Report = report_to_stderr,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> float:
    """Poll until the writable status answers 200; the seconds it took. Nexus takes 2-3 minutes
    on a first start: connection refused, then 503 on every path, then 200."""
    with pem_file(ca_pem) as ca_file:
        ready = nexus.wait_until_writable(
            url,
            timeout_seconds,
            verify=ca_file or True,
            interval_seconds=interval_seconds,
            progress=report,
            clock=clock,
            sleep=sleep,
        )
    if not ready.ok:
        raise ProviderError(
            f"Nexus at {ready.url} did not answer 200 within {timeout_seconds:.0f} s; last answer: "
            f"{ready.last}. Check the container's log (docker logs nexus); a first start takes 2-3 "
            "minutes, raise FirstRun's wait_timeout_seconds if the host is slow."
        )
    return ready.seconds


# ---------------------------------------------------------------- the generated password


def ssh_command(source: SshTarget, remote: str, identity_file: str | None = None) -> list[str]:
    """``ssh user@host REMOTE`` without prompts."""
    return [*ssh_argv(source.user, source.host, source.port, identity_file, connect_timeout=15), remote]


def ssh_read_command(source: SshTarget, path: str, identity_file: str | None = None) -> list[str]:
    """``ssh user@host`` printing the file, or exiting with FILE_ABSENT_EXIT when it is missing."""
    quoted = shlex.quote(path)
    remote = f"if [ -e {quoted} ]; then cat -- {quoted}; else exit {FILE_ABSENT_EXIT}; fi"
    return ssh_command(source, remote, identity_file)


def read_local_password_file(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip() or None
    except FileNotFoundError:
        return None
    except PermissionError:
        raise ProviderError(
            f"cannot read {path} (permission denied): run `pulumi up` as a user who may read the Nexus "
            "data directory, or set adminPassword to the generated password once by hand"
        ) from None


def read_remote_password_file(
    source: SshTarget,
    path: str,
    private_key: str | None = None,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> str | None:
    with private_key_file(private_key) as key_file:
        result = run(ssh_read_command(source, path, key_file), capture_output=True, text=True, timeout=60)
    if result.returncode == FILE_ABSENT_EXIT:
        return None
    if result.returncode != 0:
        raise ProviderError(
            f"cannot read {path} on {source.user}@{source.host} over SSH (exit {result.returncode}): "
            f"{result.stderr.strip()[:300]}"
        )
    return result.stdout.strip() or None


def read_generated_password(spec: FirstRunSpec) -> str | None:
    if spec.ssh_host and spec.ssh_user:
        source = SshTarget(spec.ssh_user, spec.ssh_host, spec.ssh_port)
        return read_remote_password_file(source, spec.password_file, spec.ssh_private_key)
    return read_local_password_file(spec.password_file)


def remove_stale_password_file(
    spec: FirstRunSpec,
    report: Report,
    run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run,
) -> str:
    """After the takeover, an ``admin.password`` that is not the stack's password is stale: Nexus
    deletes the file when the password changes but writes a new, unusable one at every restart.
    Remove it so nobody mistakes it for the admin password. 'absent', 'removed' or 'left'."""
    try:
        content = read_generated_password(spec)
    except ProviderError as error:
        report(f"could not check {spec.password_file}: {error}")
        return "left"
    if content is None:
        return "absent"
    if content == spec.admin_password:
        return "left"  # it is the admin password (set by hand): not stale
    where = spec.password_file
    if spec.ssh_host and spec.ssh_user:
        source = SshTarget(spec.ssh_user, spec.ssh_host, spec.ssh_port)
        with private_key_file(spec.ssh_private_key) as key_file:
            command = ssh_command(source, f"rm -f -- {shlex.quote(where)}", key_file)
            result = run(command, capture_output=True, text=True, timeout=60)
        failed = result.stderr.strip()[:200] if result.returncode != 0 else ""
    else:
        try:
            os.remove(where)
            failed = ""
        except OSError as error:
            failed = str(error)
    if failed:
        report(
            f"{where} is stale (not the admin password; Nexus rewrites it at every restart) and could not "
            f"be removed ({failed}); the admin password is the stack secret nexus-platform:adminPassword"
        )
        return "left"
    report(f"removed the stale {where}: the admin password is the stack secret nexus-platform:adminPassword")
    return "removed"


# ---------------------------------------------------------------- taking over the admin account


def password_works(connection: Connection) -> bool:
    with NexusClient(connection, resource="admin account") as client:
        try:
            client.get_json("/v1/security/users", params={"userId": ADMIN_USER})
        except UnauthorizedError:
            return False
    return True


def change_admin_password(current: Connection, new_password: str) -> None:
    with NexusClient(current, resource="admin account") as client:
        change_password(client, ADMIN_USER, new_password)


def find_admin_password(
    spec: FirstRunSpec,
    previous_password: str | None,
    read_generated: Callable[[], str | None],
    works: Callable[[Connection], bool] = password_works,
) -> tuple[str, str]:
    """The password the admin has now, without changing anything: ('unchanged', the stack's),
    ('rotated', the previous one from the state) or ('generated', the one in admin.password)."""
    if works(spec.connection(spec.admin_password)):
        return "unchanged", spec.admin_password
    tried = ["the stack's adminPassword"]
    candidates: list[tuple[str, Callable[[], str | None]]] = []
    if previous_password and previous_password != spec.admin_password:
        candidates.append(("rotated", lambda: previous_password))
    candidates.append(("generated", read_generated))
    for outcome, password_of in candidates:
        password = password_of()
        if outcome == "rotated":
            tried.append("the previous adminPassword recorded in the state")
        elif password is None:
            tried.append(f"{spec.password_file} does not exist (Nexus deletes it once the password changes)")
        else:
            tried.append(f"the generated password in {spec.password_file}")
        if password is not None and works(spec.connection(password)):
            return outcome, password
    raise ProviderError(
        f"cannot log in to Nexus at {spec.url} as {ADMIN_USER}: it refused "
        + "; ".join(tried)
        + ". If the admin password was changed outside Pulumi, set the current one with "
        "`pulumi config set --secret nexus-platform:adminPassword` and run `pulumi up` again."
    )


def make_admin_password(
    spec: FirstRunSpec,
    current_password: str,
    works: Callable[[Connection], bool] = password_works,
    change: Callable[[Connection, str], None] = change_admin_password,
) -> None:
    """Change the admin password from ``current_password`` to the stack's, and check it."""
    if current_password == spec.admin_password:
        return
    change(spec.connection(current_password), spec.admin_password)
    if not works(spec.connection(spec.admin_password)):
        raise ProviderError(
            f"Nexus at {spec.url} accepted the admin password change but refuses the new password"
        )


def take_over_admin(
    spec: FirstRunSpec,
    previous_password: str | None,
    read_generated: Callable[[], str | None],
    works: Callable[[Connection], bool] = password_works,
    change: Callable[[Connection, str], None] = change_admin_password,
) -> str:
    """Make the stack's password the admin's; how it was done: 'unchanged', 'rotated' or 'generated'."""
    outcome, current = find_admin_password(spec, previous_password, read_generated, works)
    make_admin_password(spec, current, works, change)
    return outcome


# ---------------------------------------------------------------- a refused stack


def close_anonymous_access(connection: Connection) -> str:
    """Anonymous access off (at most one GET and one PUT, as the admin with the password that
    works now); a sentence for the refusal that says what was done."""
    try:
        with NexusClient(connection, resource="anonymous access") as client:
            settings = read_anonymous_settings(client)
            if not settings.get("enabled"):
                return "Anonymous access is off: this Nexus answers nothing without a password."
            switch_anonymous_off(client, settings)
    except NexusError as error:
        return (
            f"Anonymous access could not be switched off ({' '.join(str(error).split())}): this Nexus "
            "may answer without a password; switch it off in the Nexus UI (Security > Anonymous Access)."
        )
    return (
        "Anonymous access was on and has been switched off, so that this Nexus answers nothing without "
        "a password until the stack can configure it; nothing else was changed."
    )


# ---------------------------------------------------------------- EULA


def eula_status(client: NexusClient, accept: bool) -> bool | None:
    """Accept the EULA when asked; whether it is accepted (None: this server has no EULA resource,
    e.g. the open-source core before 3.77 or Community Edition before 3.77). Whether there is one
    is asked of the server, not guessed from the edition: the 3.77+ core (CORE) has it too."""
    status = client.get_optional("/v1/system/eula")
    if status is None:
        return None
    if status.get("accepted"):
        return True
    if not accept:
        return False
    # The disclaimer must be sent back byte for byte, as Nexus wrote it.
    client.post("/v1/system/eula", {"disclaimer": status["disclaimer"], "accepted": True}, ok=(200, 204))
    return True


# ---------------------------------------------------------------- the provider


class FirstRunProvider(OneLineErrors):  # one line per error (errors.py)
    """Not an object in Nexus, so not a NexusProvider: a procedure run on create and update."""

    report: Report = staticmethod(report_to_stderr)

    def _parse(self, props: Mapping[str, Any]) -> FirstRunSpec:
        fields = {k: v for k, v in props.items() if k in FirstRunSpec.model_fields}
        return FirstRunSpec.model_validate(fields)

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if _contains_unknown(news):
            return CheckResult(news, [])
        try:
            spec = self._parse(news)
        except pydantic.ValidationError as error:
            return CheckResult(news, check_failures(error))
        unknown_keys = set(news) - set(FirstRunSpec.model_fields) - {"__provider"}
        failures = [CheckFailure(key, "is not a first-run input") for key in sorted(unknown_keys)]
        normalised = {k: v for k, v in news.items() if k.startswith("__")}
        normalised.update(spec.model_dump())
        return CheckResult(normalised, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if _contains_unknown(news):
            return DiffResult(changes=True)
        # Compared as parsed specs: the engine drops None values, so absent and None are the same.
        new = self._parse(news).model_dump()
        try:
            old = self._parse(olds).model_dump()
        except pydantic.ValidationError:
            old = {}
        changed = [name for name in new if old.get(name) != new[name]]
        return DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def _run(self, props: Mapping[str, Any], previous_password: str | None) -> dict[str, Any]:
        spec = self._parse(props)
        waited = wait_until_writable(
            spec.url, spec.wait_timeout_seconds, ca_pem=spec.ca_pem, report=self.report
        )
        self.report(f"Nexus at {spec.url} is writable (after {waited:.0f} s)")
        outcome, current = find_admin_password(spec, previous_password, lambda: read_generated_password(spec))
        # What the server offers is read before the first write (the password change), so a stack
        # asking for what this Nexus lacks changes nothing.
        with NexusClient(spec.connection(current), resource="Nexus server") as client:
            capabilities = read_capabilities(client)
        missing = missing_features(capabilities, spec.required_features)
        if missing:
            if previous_password is None or outcome == "generated":
                # Not configured by the stack yet: a fresh Nexus, anonymous access on, already
                # served by HAProxy. Closed before refusing; a server the stack configured keeps the
                # anonymous setting the stack gave it.
                missing.append(close_anonymous_access(spec.connection(current)))
            raise ProblemsError(missing)  # one line each
        make_admin_password(spec, current)
        connection = spec.connection(spec.admin_password)
        with NexusClient(connection, resource="EULA") as client:
            accepted = eula_status(client, spec.accept_eula) if capabilities.has("eula") else None
        password_file = remove_stale_password_file(spec, self.report)
        return {
            **spec.model_dump(),
            "connection": connection.as_props(),
            "admin_takeover": outcome,
            "edition": capabilities.server.edition,
            "version": capabilities.server.version,
            "capabilities": capabilities.as_props(),
            "eula_accepted": accepted,
            "password_file": password_file,
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        outs = self._run(props, previous_password=None)
        return CreateResult("nexus-first-run", outs)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._run(news, previous_password=olds.get("admin_password")))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Nothing to compare with: the password is checked on the next `up`.
        return ReadResult(id_, props)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        # The admin keeps the stack's password: handing back a generated one is not possible.
        return None


SECRET_OUTPUTS = ["admin_password", "ssh_private_key"]


class NexusFirstRun(Resource, module="nexus", name="FirstRun"):
    """Readiness wait, admin takeover and EULA of one Nexus server."""

    connection: pulumi.Output[dict[str, Any]]
    edition: pulumi.Output[str]
    version: pulumi.Output[str]
    eula_accepted: pulumi.Output[bool]
    admin_takeover: pulumi.Output[str]
    capabilities: pulumi.Output[dict[str, Any]]
    password_file: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        url: pulumi.Input[str],
        admin_password: pulumi.Input[str],
        data_dir: str,
        ssh: SshTarget | None = None,
        ssh_private_key: pulumi.Input[str] | None = None,
        accept_eula: bool = False,
        required_features: Mapping[str, str] | None = None,
        wait_timeout_seconds: int = 600,
        server_revision: pulumi.Input[str] | None = None,
        ca_pem: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "url": url,
            "admin_password": pulumi.Output.secret(admin_password),
            "data_dir": data_dir,
            "ssh_user": ssh.user if ssh else None,
            "ssh_host": ssh.host if ssh else None,
            "ssh_port": ssh.port if ssh else 22,
            "ssh_private_key": pulumi.Output.secret(ssh_private_key) if ssh_private_key is not None else None,
            "accept_eula": accept_eula,
            "required_features": dict(required_features or {}),
            "wait_timeout_seconds": wait_timeout_seconds,
            "server_revision": server_revision if server_revision is not None else "",
            "ca_pem": ca_pem,
            # outputs only
            "connection": None,
            "edition": None,
            "version": None,
            "eula_accepted": None,
            "admin_takeover": None,
            "capabilities": None,
            "password_file": None,
        }
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)
        )
        super().__init__(FirstRunProvider(), resource_name, props, opts)
