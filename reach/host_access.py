"""How the components' command resources reach the Docker host: :class:`HostAccess`.

The Docker host's address (``dockerHost``) and the stack's SSH key make a pulumi-command resource
that runs a script there: locally for a ``unix://`` engine, over SSH for ``ssh://user@host[:port]``
(:mod:`reach.host` for the target and the script runner). Its own module because it loads Pulumi
and pulumi-command, which the first run and the operations, users of :mod:`reach.host`, never need.
Used by the Nexus server and the HAProxy components alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
import pulumi_command as command
from pydantic import SecretStr

from reach.host import SshTarget, parse_ssh_host, script_digest, scripts_stdin, stdin_runner


class HostSettings(Protocol):
    """What :meth:`HostAccess.from_settings` reads of the stack settings (``settings`` is a layer
    above ``reach``: named by shape, not imported)."""

    @property
    def docker_host(self) -> str: ...

    @property
    def ssh_private_key(self) -> SecretStr | None: ...


@dataclass(frozen=True)
class HostAccess:
    """How commands reach the machine that runs the Docker engine (and, in host mode, HAProxy)."""

    docker_host: str
    ssh_private_key: SecretStr | None = None

    @classmethod
    def from_settings(cls, settings: HostSettings) -> HostAccess:
        return cls(docker_host=settings.docker_host, ssh_private_key=settings.ssh_private_key)

    @property
    def ssh(self) -> SshTarget | None:
        return parse_ssh_host(self.docker_host)

    @property
    def is_local(self) -> bool:
        return self.docker_host.startswith("unix://")

    @property
    def can_run_commands(self) -> bool:
        """Commands run locally (unix socket) or over SSH; a tcp:// engine offers neither."""
        return self.is_local or self.ssh is not None

    def connection(self) -> command.remote.ConnectionArgs:
        target = self.ssh
        if target is None:
            raise ValueError(f"dockerHost '{self.docker_host}' is not ssh://user@host[:port]")
        key = self.ssh_private_key
        return command.remote.ConnectionArgs(
            host=target.host,
            user=target.user,
            port=float(target.port),
            # None: the provider falls back to the SSH agent (SSH_AUTH_SOCK).
            private_key=pulumi.Output.secret(key.get_secret_value()) if key is not None else None,
            dial_error_limit=5,
        )

    def run(
        self,
        name: str,
        create: str,
        *,
        stdin: pulumi.Input[str] | None = None,
        triggers: Sequence[Any] | None = None,
        update: str | None = None,
        delete: str | None = None,
        previous_output_in_env: bool = False,
        opts: pulumi.ResourceOptions,
    ) -> pulumi.CustomResource:
        """A command that runs the script ``create`` on the Docker host (again whenever an input
        changes).

        With ``update``, a change of inputs runs ``update`` instead of ``create``; a trigger change
        replaces the command, so ``create`` runs (pulumi_command's SDK asks the engine for
        ``replace_on_changes=["triggers[*]"]``). ``delete`` runs when the resource is destroyed.
        ``previous_output_in_env``: pulumi-command passes the previous stdout/stderr as
        ``PULUMI_COMMAND_STDOUT``/``_STDERR``; over SSH that needs the server's ``AcceptEnv`` and
        warns on every run otherwise, so only commands that read it ask for it.

        The scripts are not the command texts: pulumi-command puts a failed command's text into its
        error (``running "<command>"``, printed twice), and a script can be thousands of lines. They
        travel on stdin, ahead of ``stdin`` (the data the scripts read; a secret stays one), and each
        command text is a short fixed runner that reads its script from there
        (:func:`reach.host.stdin_runner`); ``update`` equal to ``create`` shares its section. The
        runner ends with a digest of the scripts, so a changed script still changes an input the
        preview shows (also when stdin is a secret) and runs again.
        """
        scripts = {"create": create}
        if update is not None and update != create:
            scripts["update"] = update
        if delete is not None:
            scripts["delete"] = delete
        digest = script_digest(scripts)
        extra: dict[str, Any] = {"add_previous_output_in_env": previous_output_in_env}
        if update is not None:
            extra["update"] = stdin_runner("update" if "update" in scripts else "create", digest)
        if delete is not None:
            extra["delete"] = stdin_runner("delete", digest)
        runner = stdin_runner("create", digest)
        if stdin is None:
            text: pulumi.Input[str] = scripts_stdin(scripts)
        else:
            text = pulumi.Output.from_input(stdin).apply(lambda data: scripts_stdin(scripts, data or ""))
        if self.is_local:
            return command.local.Command(
                name,
                create=runner,
                stdin=text,
                triggers=list(triggers) if triggers is not None else None,
                interpreter=["/bin/sh", "-c"],
                opts=opts,
                **extra,
            )
        return command.remote.Command(
            name,
            connection=self.connection(),
            create=runner,
            stdin=text,
            triggers=list(triggers) if triggers is not None else None,
            opts=opts,
            **extra,
        )
