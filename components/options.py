"""What every component shares: the base class (children, outputs), the typed connection to Nexus,
plan arguments."""

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


class Component(pulumi.ComponentResource, Generic[A]):
    """A part of the stack, in one shape: its type token, typed args made by ``XArgs.from_settings``
    (values copied from the validated settings, nothing of Pulumi), children created by
    :meth:`build` with :meth:`child`, and the outputs :meth:`build` returns registered here.

    What comes from another component (an output, a resource to wait for) is a keyword argument of
    the component's constructor, set before this ``__init__`` runs :meth:`build`.
    """

    #: The component's type in the URN (never change it: every child's URN derives from it).
    TYPE_TOKEN: ClassVar[str]

    def __init__(self, name: str, args: A, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        self._depends_on = _as_list(opts.depends_on if opts is not None else None)
        outputs = self.build(name, args)
        if outputs is not None:
            self.register_outputs(dict(outputs))

    def build(self, name: str, args: A) -> Mapping[str, Any] | None:
        """Create the children; return the component's outputs (None: a component built in two
        steps registers them itself once its last step has created its children)."""
        raise NotImplementedError

    def child(
        self, depends_on: Sequence[pulumi.Resource | None] = (), **extra: Any
    ) -> pulumi.ResourceOptions:
        """Options of a child: parented here, after what the component was given in ``depends_on``
        and after ``depends_on`` (None entries skipped); ``extra``: further options. Pulumi does not
        make children wait for what their component depends on, so a component that must come
        after another (roles after the repositories whose privileges they grant, every Nexus call
        after the server) passes it on here."""
        own = [resource for resource in depends_on if resource is not None]
        return pulumi.ResourceOptions(parent=self, depends_on=[*self._depends_on, *own], **extra)


def _as_list(depends_on: Any) -> list[Any]:
    """``ResourceOptions.depends_on`` (None, one resource or a sequence of them) as a list."""
    if depends_on is None:
        return []
    if isinstance(depends_on, Sequence):
        return list(depends_on)
    return [depends_on]


class NexusComponent(Component[A]):
    """A component of Nexus objects, every object reaching Nexus through the first run's
    connection (so after it)."""

    def __init__(
        self,
        name: str,
        args: A,
        connection: NexusConnection,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        #: The ``connection`` input of every Nexus resource of the component.
        self._connection = connection_input(connection)
        super().__init__(name, args, opts)
