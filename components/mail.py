"""Nexus's mail server (``email``): the settings of the email server kind, created only when the
stack config has an ``email`` section.

Nothing else waits for it and it waits for nothing but the first run: mail is for password resets
and task alerts, never on the way of the registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from components.options import NexusComponent, PlanArgs
from dynamic_providers.email_server import EmailServer, EmailServerSpec
from settings import StackSettings


class MailArgs(PlanArgs[EmailServerSpec]):
    """The email server's settings."""

    @classmethod
    def from_settings(cls, settings: StackSettings) -> MailArgs:
        if settings.email is None:
            raise ValueError("the stack config has no email section")
        return cls(plan=settings.email.to_spec())


class Mail(NexusComponent[MailArgs]):
    """The email server settings of ``email``."""

    TYPE_TOKEN = "nexus-platform:components:Mail"

    def build(self, name: str, args: MailArgs) -> Mapping[str, Any]:
        EmailServer("email-server", connection=self._connection, spec=args.plan, opts=self.child())
        self.enabled = pulumi.Output.from_input(args.plan.enabled)
        return {"enabled": self.enabled}
