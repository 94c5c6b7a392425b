"""The admin password of the providers that call Nexus: read from the stack config, once per process.

The engine configures a dynamic provider with the stack's whole config (the SDK passes it to
``configure``), so these providers take the admin password from there. Each resource's
``connection`` input says only where Nexus is and how to trust it (url, user, CA, timeouts): a
secret copy of the password in every resource made each checkpoint of an `up` encrypt and write
two more secrets per resource (about an eighth of a 50-team `up`: docs/performance.md, "The admin
password in the provider's configuration"), and made a password rotation an update of every resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import ConfigureRequest

from dynamic_providers.client import Connection
from dynamic_providers.errors import OneLineErrors
from dynamic_providers.exceptions import ProviderError

#: The stack config key (with its namespace, as the engine gives it to a dynamic provider).
ADMIN_PASSWORD_KEY = "nexus-platform:adminPassword"


class AdminCredentials(OneLineErrors):
    """Base of the providers that call Nexus as its admin."""

    #: Set by ``configure`` in the provider process. None where nothing configured the provider
    #: (the program; tests calling a provider directly, whose ``connection`` carries a password).
    admin_password: str | None = None

    def configure(self, req: ConfigureRequest) -> None:
        value = req.config.get(ADMIN_PASSWORD_KEY)
        self.admin_password = str(value) if value else None

    def connection(self, props: Mapping[str, Any]) -> Connection:
        """The resource's ``connection`` with the configured admin password (the stack's, which
        wins over any password an older state still holds in the resource's inputs)."""
        connection = Connection.from_props(props, password=self.admin_password)
        if not connection.password:
            raise ProviderError(
                f"no admin password to call Nexus with: {ADMIN_PASSWORD_KEY} is not set in the stack "
                f"config (`pulumi config set --secret {ADMIN_PASSWORD_KEY}`)"
            )
        return connection
