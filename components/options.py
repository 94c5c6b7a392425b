"""Resource options shared by every component."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi


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
