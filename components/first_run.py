"""First run of the stack's Nexus under `pulumi up`: readiness, admin takeover, EULA.

Wraps :class:`dynamic_providers.first_run.NexusFirstRun` with the stack config. Its
:attr:`FirstRun.connection` (an Output, without the password) is the connection every other Nexus
component takes, so nothing talks to Nexus before it is writable and owned by the stack's
``adminPassword``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.options import Component, NexusConnection, connection_output
from dynamic_providers.capabilities import Capabilities
from dynamic_providers.first_run import NexusFirstRun
from reach.host import SshTarget, parse_ssh_host
from settings import StackSettings, revealed

DEFAULT_WAIT_SECONDS = 600  # Nexus takes 2-3 minutes on a first start; slow hosts more


@dataclass(frozen=True)
class FirstRunArgs:
    """What the first run needs: where Nexus is, the admin password, how to read its first one."""

    url: str
    admin_password: str
    data_dir: str
    #: The Docker host over SSH, where the generated admin.password is read (None: local).
    ssh: SshTarget | None = None
    ssh_private_key: str | None = None
    accept_eula: bool = False
    #: Server features this stack needs, each with the config key that asks for it.
    required_features: dict[str, str] | None = None
    wait_timeout_seconds: int = DEFAULT_WAIT_SECONDS

    @classmethod
    def from_settings(cls, settings: StackSettings) -> FirstRunArgs:
        ssh = parse_ssh_host(settings.docker_host)
        return cls(
            url=settings.nexus_url,
            admin_password=settings.require_admin_password(),
            data_dir=settings.nexus.data_dir,
            ssh=ssh,
            ssh_private_key=revealed(settings.ssh_private_key) if ssh else None,
            accept_eula=settings.nexus.accept_eula,
            required_features=settings.server_features(),
        )


def eula_output(
    capabilities: pulumi.Output[dict[str, Any]], eula_accepted: pulumi.Output[bool]
) -> pulumi.Output[bool | None]:
    """Whether the EULA is accepted; None, known even in a preview, on an edition without one.

    The provider records None there, and the engine drops a None output from the state, so in a
    preview the SDK would read it as unknown (`eulaAccepted: [unknown]` in every preview); whether
    the server has a EULA is in the recorded capabilities."""

    def decide(props: dict[str, Any] | None) -> pulumi.Input[bool | None]:
        found = Capabilities.from_props(props)
        if found is not None and not found.has("eula"):
            return None
        return eula_accepted

    return capabilities.apply(decide)


class FirstRun(Component[FirstRunArgs]):
    """Wait until Nexus is writable, make ``adminPassword`` the admin's, accept the EULA if told to.

    ``server_revision``: an Output that changes when the Nexus container is replaced (its id), so
    an upgrade waits for the new server again. ``ca_pem``: the CA to trust when Nexus is reached
    over HTTPS through HAProxy with the stack's private CA.
    """

    TYPE_TOKEN = "nexus-platform:components:FirstRun"

    #: How every other Nexus component reaches Nexus (it waits for the takeover).
    connection: NexusConnection

    def __init__(
        self,
        name: str,
        args: FirstRunArgs,
        *,
        server_revision: pulumi.Input[str] | None = None,
        ca_pem: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._server_revision = server_revision
        self._ca_pem = ca_pem
        super().__init__(name, args, opts)

    def build(self, name: str, args: FirstRunArgs) -> Mapping[str, Any]:
        self.resource = NexusFirstRun(
            "nexus-first-run",
            url=args.url,
            admin_password=args.admin_password,
            data_dir=args.data_dir,
            ssh=args.ssh,
            ssh_private_key=args.ssh_private_key,
            accept_eula=args.accept_eula,
            required_features=args.required_features,
            wait_timeout_seconds=args.wait_timeout_seconds,
            server_revision=self._server_revision,
            ca_pem=self._ca_pem,
            opts=self.child(),
        )
        # Derived from the resource's output: whatever takes it depends on the takeover.
        self.connection = connection_output(self.resource.connection)
        self.edition = self.resource.edition
        self.version = self.resource.version
        self.eula_accepted = eula_output(self.resource.capabilities, self.resource.eula_accepted)
        return {"edition": self.edition, "version": self.version, "eulaAccepted": self.eula_accepted}
