"""First run of the stack's Nexus under `pulumi up`: readiness, admin takeover, EULA.

Wraps :class:`dynamic_providers.first_run.NexusFirstRun` with the stack config. Its
:attr:`FirstRun.connection` (a secret Output) is the connection every other Nexus component takes,
so nothing talks to Nexus before it is writable and owned by the stack's ``adminPassword``.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.options import child_options
from dynamic_providers.first_run import NexusFirstRun
from reach.host import parse_ssh_host
from settings import SettingsError, SettingsIssue, StackSettings

DEFAULT_WAIT_SECONDS = 600  # Nexus takes 2-3 minutes on a first start; slow hosts more


class FirstRun(pulumi.ComponentResource):
    """Wait until Nexus is writable, make ``adminPassword`` the admin's, accept the EULA if told to.

    ``server_revision``: an Output that changes when the Nexus container is replaced (its id), so
    an upgrade waits for the new server again. ``ca_pem``: the CA to trust when Nexus is reached
    over HTTPS through HAProxy with the stack's private CA.
    """

    connection: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        name: str,
        settings: StackSettings,
        *,
        server_revision: pulumi.Input[str] | None = None,
        ca_pem: pulumi.Input[str] | None = None,
        wait_timeout_seconds: int = DEFAULT_WAIT_SECONDS,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("nexus-platform:components:FirstRun", name, None, opts)
        if settings.admin_password is None:
            raise SettingsError([SettingsIssue("adminPassword", "is required to configure Nexus")])
        ssh = parse_ssh_host(settings.docker_host)
        key = settings.ssh_private_key
        self.resource = NexusFirstRun(
            "nexus-first-run",
            url=settings.nexus_url,
            admin_password=settings.admin_password.get_secret_value(),
            data_dir=settings.nexus.data_dir,
            ssh=ssh,
            ssh_private_key=key.get_secret_value() if key is not None and ssh else None,
            accept_eula=settings.nexus.accept_eula,
            required_features=settings.server_features(),
            wait_timeout_seconds=wait_timeout_seconds,
            server_revision=server_revision,
            ca_pem=ca_pem,
            opts=child_options(self, opts),
        )
        # Derived from the resource's output: whatever takes it depends on the takeover.
        self.connection = pulumi.Output.secret(self.resource.connection)
        self.edition = self.resource.edition
        self.version = self.resource.version
        self.eula_accepted = self.resource.eula_accepted
        self.register_outputs(
            {"edition": self.edition, "version": self.version, "eulaAccepted": self.eula_accepted}
        )
