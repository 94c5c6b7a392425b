"""The directory check (:mod:`operations.ldap_check`) as a step of `pulumi up`, before Nexus is touched.

Not an object in Nexus: a procedure run on create and update, like the first run. Its inputs are
the stack's ``ldap`` settings (the bind password and the SSH key as secrets), the LDAP groups the
stack names (with their config keys) and the ``dockerHost`` for ``ldap.verify: ssh``. When the
directory does not agree with the settings, create/update fail with one line per problem, and
because the first run (the first thing that talks to Nexus) depends on this resource, nothing
has been written to Nexus. Unchanged inputs are not checked again.
"""

from __future__ import annotations

from collections.abc import Mapping
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

from dynamic_providers.base import _contains_unknown, check_failures
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import ProblemsError, ProviderError
from operations.ldap_check import NamedGroup, check_directory, directory_route, named_groups
from reach.host import ShellError
from settings import PROJECT, LdapSettings, StackSettings, revealed

INPUTS = ("ldap", "bind_password", "groups", "docker_host", "ssh_private_key")
SECRET_INPUTS = ["bind_password", "ssh_private_key"]


def _parse(props: Mapping[str, Any]) -> tuple[LdapSettings, list[NamedGroup]]:
    ldap = dict(props.get("ldap") or {})
    if props.get("bind_password") is not None:
        ldap["bindPassword"] = props["bind_password"]
    groups = [NamedGroup(str(g["key"]), str(g["name"])) for g in props.get("groups") or []]
    return LdapSettings.model_validate(ldap), groups


class DirectoryCheckProvider(OneLineErrors):
    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        if _contains_unknown(news):
            return CheckResult(news, [])
        try:
            _parse(news)
        except pydantic.ValidationError as error:
            failures = [CheckFailure(f"ldap.{f.property}", f.reason) for f in check_failures(error)]
            return CheckResult(news, failures)
        return CheckResult(news, [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = [name for name in INPUTS if olds.get(name) != news.get(name)]
        return DiffResult(changes=bool(changed) or _contains_unknown(news), replaces=[])

    def _run(self, props: Mapping[str, Any]) -> dict[str, Any]:
        ldap, groups = _parse(props)
        docker_host = str(props.get("docker_host") or "")
        try:
            with directory_route(ldap, docker_host, props.get("ssh_private_key")) as via:
                report = check_directory(ldap, groups, via=via)
        except (ShellError, TimeoutError) as error:
            # The SSH tunnel of `ldap.verify: ssh` did not open (the check reports the directory's
            # own failures as problems): a line that says what to do, not an "unexpected" error.
            raise ProviderError(
                f"the stack's ldap settings could not be checked: {error}; nothing was written to Nexus. "
                f"Make `ssh` to {docker_host} work from here (the key is {PROJECT}:sshPrivateKey), or "
                f"set {PROJECT}:ldap.verify to local or skip"
            ) from None
        if not report.ok:
            # One line per problem under `pulumi up` (OneLineErrors), never inside a traceback.
            head, *problems = report.text().splitlines()
            raise ProblemsError(
                [
                    "the stack's ldap settings do not work against the directory; nothing was written "
                    f"to Nexus: {head}",
                    *problems,
                ]
            )
        return {
            **{name: props.get(name) for name in INPUTS},
            "users_found": report.users_found,
            "sample_ids": report.sample_ids,
            "sample_user": report.sample_user,
            "sample_groups": report.sample_groups,
            "summary": report.text(),
        }

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("ldap-directory-check", self._run(props))

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._run(news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)  # a check has nothing to read back

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None


def check_inputs(settings: StackSettings) -> dict[str, Any]:
    """The resource's inputs from the stack config (secrets as plain values)."""
    ldap = settings.ldap
    if ldap is None:
        raise ValueError("the stack configures no ldap server")
    return {
        "ldap": ldap.model_dump(mode="json", by_alias=True, exclude={"bind_password"}, exclude_none=True),
        "bind_password": revealed(ldap.bind_password),
        "groups": [{"key": g.key, "name": g.name} for g in named_groups(settings)],
        "docker_host": settings.docker_host,
        "ssh_private_key": revealed(settings.ssh_private_key) if ldap.verify == "ssh" else None,
    }


class LdapDirectoryCheck(Resource, module="nexus", name="LdapDirectoryCheck"):
    """The stack's LDAP settings checked against the directory (fails `up` on a mismatch)."""

    users_found: pulumi.Output[int]
    sample_groups: pulumi.Output[list[str]]

    def __init__(
        self, resource_name: str, settings: StackSettings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = check_inputs(settings)
        for name in SECRET_INPUTS:
            if props[name] is not None:
                props[name] = pulumi.Output.secret(props[name])
        props.update(users_found=None, sample_ids=None, sample_user=None, sample_groups=None, summary=None)
        opts = pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_INPUTS)
        )
        super().__init__(DirectoryCheckProvider(), resource_name, props, opts)
