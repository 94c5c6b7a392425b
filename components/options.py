"""What every component shares: resource options, the typed connection to Nexus, plan arguments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

import pulumi

from dynamic_providers.client import Connection

P = TypeVar("P")
A = TypeVar("A")

#: How the Nexus components reach Nexus: the first run's output, so that whatever takes it waits
#: for Nexus to be writable and owned by the stack's admin password. It holds no password: the
#: providers read that from the stack config (dynamic_providers/credentials.py).
NexusConnection = pulumi.Output[Connection]


def connection_input(connection: NexusConnection) -> pulumi.Output[Mapping[str, Any]]:
    """The ``connection`` input of a Nexus resource (dependencies kept). Never a secret: it holds
    no password, even when the first run's output it comes from is a secret (a state recorded
    before the password left the connections, until the first run runs again)."""
    return pulumi.Output.unsecret(connection.apply(lambda value: value.as_props()))


def connection_output(props: pulumi.Input[Mapping[str, Any]]) -> NexusConnection:
    """A resource's ``connection`` mapping (:meth:`Connection.as_props`) as a typed connection."""
    return pulumi.Output.from_input(props).apply(lambda value: Connection.from_props({"connection": value}))


@dataclass(frozen=True)
class PlanArgs(Generic[P]):
    """A Nexus component's arguments: its plan (pure, made from the settings by ``from_settings``)
    and whether objects that already exist in Nexus are adopted (``nexus.adoptExisting``)."""

    plan: P
    adopt: bool = False


def child_options(
    parent: pulumi.Resource,
    parent_opts: pulumi.ResourceOptions | None,
    depends_on: Sequence[pulumi.Resource | None] = (),
    **extra: Any,
) -> pulumi.ResourceOptions:
    """Options of a component's child: ``parent`` set, and the component's own ``depends_on``
    carried over. Pulumi does not make children wait for what their component depends on, so a
    component that must come after another (roles after the repositories whose privileges they
    grant, every Nexus call after the server) passes it on explicitly.
    """
    inherited = parent_opts.depends_on if parent_opts is not None else None
    if inherited is None:
        inherited_list: list[Any] = []
    elif isinstance(inherited, Sequence):
        inherited_list = list(inherited)
    else:
        inherited_list = [inherited]
    own = [resource for resource in depends_on if resource is not None]
    return pulumi.ResourceOptions(parent=parent, depends_on=[*inherited_list, *own], **extra)


class NexusComponent(pulumi.ComponentResource, Generic[A]):
    """A component of Nexus objects: built by :meth:`build` from its typed args, every object
    reaching Nexus through the first run's connection (so after it)."""

    #: The component's type in the URN (never change it: every child's URN derives from it).
    TYPE_TOKEN: ClassVar[str]

    def __init__(
        self,
        name: str,
        args: A,
        connection: NexusConnection,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        self._opts = opts
        #: The ``connection`` input of every Nexus resource of the component.
        self._connection = connection_input(connection)
        self.build(name, args)

    def build(self, name: str, args: A) -> None:
        raise NotImplementedError

    def child(
        self, depends_on: Sequence[pulumi.Resource | None] = (), **extra: Any
    ) -> pulumi.ResourceOptions:
        """Options of a child (see :func:`child_options`)."""
        return child_options(self, self._opts, depends_on, **extra)
