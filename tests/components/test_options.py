"""One component idiom: every component derives from :class:`components.options.Component`, builds
its children with ``child()`` (no hand-built ``ResourceOptions`` in ``components/``), and each child
waits for what the component was given in ``depends_on`` (Pulumi does not make children wait for it)."""

from __future__ import annotations

import ast
import copy
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.access import AccessArgs, AccessControl
from components.backup import DatabaseBackup, DatabaseBackupArgs
from components.first_run import FirstRun, FirstRunArgs
from components.haproxy import Haproxy, HaproxyArgs
from components.layout_policy import RetentionArgs, RetentionPolicies
from components.nexus_server import NexusServer, NexusServerArgs
from components.options import Component
from components.pki import Pki, PkiArgs
from components.registry import DockerRegistry, DockerRegistryArgs
from settings import StackSettings, parse_settings
from tests.components import mocks as m
from tests.source_tree import parse

# pulumi_command's own deprecated CopyFile class warns when the SDK inspects the remote module.
pytestmark = pytest.mark.filterwarnings("ignore:This resource is deprecated:DeprecationWarning")

COMPONENTS = Path(__file__).resolve().parents[2] / "components"
GATE_TYPE = "test:index:Gate"
GATE = "gate"

CONTAINER: dict[str, Any] = {
    "domain": "example.com",
    "adminPassword": "admin-secret",
    "dockerHost": "unix:///var/run/docker.sock",
    "nexus": {"version": "3.77.1"},
    "teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002}],
    "access": {"robots": [{"userId": "ci", "password": "robot-secret", "teams": ["platform"]}]},
    "retention": {"releaseDays": 30},
    "haproxy": {"mode": "container"},
}
HOST: dict[str, Any] = {
    **CONTAINER,
    "dockerHost": "ssh://deploy@nexus-vm.example.com",
    "haproxy": {"mode": "host", "configDir": "/etc/haproxy"},
}


def _calls(tree: ast.Module, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == name)
            or (isinstance(node.func, ast.Name) and node.func.id == name)
        )
    ]


@pytest.mark.parametrize("path", sorted(COMPONENTS.glob("*.py")), ids=lambda path: path.name)
def test_children_get_their_options_from_child_only(path: Path) -> None:
    """A hand-built ``ResourceOptions`` would drop the component's ``depends_on``; ``child()`` in
    components/options.py is the one place that builds them."""
    tree = parse(path.read_text(), str(path))
    built = _calls(tree, "ResourceOptions")
    if path.name == "options.py":
        assert len(built) == 1, "Component.child builds the options of every child"
    else:
        assert built == [], f"{path.name}:{built[0].lineno}: use self.child(...) for a child's options"
    classes = [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    for node in classes:
        bases = {ast.unparse(base) for base in node.bases}
        assert "pulumi.ComponentResource" not in bases or node.name == "Component", (
            f"{path.name}: {node.name} derives from components.options.Component"
        )


def test_every_component_derives_from_the_one_base() -> None:
    for component in (
        Pki,
        NexusServer,
        Haproxy,
        FirstRun,
        AccessControl,
        RetentionPolicies,
        DockerRegistry,
        DatabaseBackup,
    ):
        assert issubclass(component, Component), component
        token = f"nexus-platform:components:{component.__name__}"
        assert token == component.TYPE_TOKEN


ARGS = (
    PkiArgs,
    NexusServerArgs,
    HaproxyArgs,
    FirstRunArgs,
    AccessArgs,
    RetentionArgs,
    DockerRegistryArgs,
    DatabaseBackupArgs,
)


@pytest.mark.parametrize("args_type", ARGS, ids=lambda args_type: args_type.__name__)
def test_one_args_convention(args_type: type[Any]) -> None:
    """Args are frozen values copied from the validated settings by ``from_settings``: no settings
    section (a component would read keys it does not declare) and nothing of Pulumi (what comes
    from another component is a keyword of the component's constructor)."""
    args = args_type.from_settings(parse_settings(copy.deepcopy(CONTAINER)))
    assert type(args) is args_type and dataclasses.is_dataclass(args)
    fields = dataclasses.fields(args)
    for field in fields:
        annotation = str(field.type)
        assert "Settings" not in annotation and "pulumi" not in annotation, (field.name, annotation)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(args, fields[0].name, None)


def _gate() -> pulumi.CustomResource:
    return pulumi.CustomResource(GATE_TYPE, GATE, {})


def _server_side(settings: StackSettings) -> Callable[[], Any]:
    def build() -> Any:
        after = pulumi.ResourceOptions(depends_on=[_gate()])
        pki = Pki("pki", PkiArgs.from_settings(settings), opts=after)
        nexus = NexusServer("nexus", NexusServerArgs.from_settings(settings), opts=after)
        Haproxy.in_front_of("haproxy", HaproxyArgs.from_settings(settings), pki, nexus, opts=after)

    return build


def _nexus_side(settings: StackSettings) -> Callable[[], Any]:
    def build() -> Any:
        after = pulumi.ResourceOptions(depends_on=[_gate()])
        first_run = FirstRun("first-run", FirstRunArgs.from_settings(settings), opts=after)
        connection = first_run.connection
        access = AccessControl("access", AccessArgs.from_settings(settings), connection, opts=after)
        RetentionPolicies("retention", RetentionArgs.from_settings(settings), connection, opts=after)
        registry = DockerRegistry(
            "registry", DockerRegistryArgs.from_settings(settings), connection, opts=after
        )
        access.grant(registry.repositories)
        DatabaseBackup("backup", DatabaseBackupArgs.from_settings(settings), connection, opts=after)

    return build


def _children(
    mocks: m.RecordingMocks, component: type[Component[Any]], name: str
) -> dict[str, m.Registration]:
    suffix = f"{component.TYPE_TOKEN}::{name}"
    return {
        resource.name: mocks.options_of(resource)
        for resource in mocks.resources
        if mocks.options_of(resource).urn_parent.endswith(suffix)
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            CONTAINER,
            {
                (Pki, "pki"): {"pki-ca-key", "pki-ca", "pki-server-key", "pki-server-csr", "pki-server-cert"},
                (NexusServer, "nexus"): {
                    "nexus-docker",
                    "nexus-image",
                    "nexus-data-dir",
                    "nexus-one-way-door",
                    "nexus-snapshot",
                    "nexus-network",
                    "nexus-container",
                    "nexus-running",
                    "nexus-deployed-version",
                },
                (Haproxy, "haproxy"): {
                    "haproxy-image",
                    "haproxy-config-check",
                    "haproxy-ports-free",
                    "haproxy-container",
                    "haproxy-running",
                },
            },
        ),
        (
            HOST,
            {
                (NexusServer, "nexus"): {
                    "nexus-docker",
                    "nexus-image",
                    "nexus-data-dir",
                    "nexus-one-way-door",
                    "nexus-snapshot",
                    "nexus-container",
                    "nexus-running",
                    "nexus-deployed-version",
                },
                (Haproxy, "haproxy"): {"haproxy-deploy"},
            },
        ),
    ],
    ids=["container", "host"],
)
def test_pki_server_and_haproxy_children_wait_for_the_components_depends_on(
    mocks: m.RecordingMocks, raw: dict[str, Any], expected: dict[tuple[type[Component[Any]], str], set[str]]
) -> None:
    m.deploy(_server_side(parse_settings(copy.deepcopy(raw))))
    for (component, name), children in expected.items():
        registered = _children(mocks, component, name)
        assert set(registered) == children, component
        for child, options in registered.items():
            assert options.depends_on_name(GATE), (child, options.dependencies)


def test_nexus_components_children_wait_for_the_components_depends_on(mocks: m.RecordingMocks) -> None:
    m.deploy(_nexus_side(parse_settings(copy.deepcopy(CONTAINER))))
    expected = {
        (FirstRun, "first-run"): {"nexus-first-run"},
        (AccessControl, "access"): {
            "realms",
            "anonymous-lockdown",
            "role-docker-pull",
            "role-docker-platform-push",
            "user-ci",
            "anonymous-access",
        },
        (RetentionPolicies, "retention"): {"cleanup-docker-release-retention"},
        (DatabaseBackup, "backup"): {"backup-task"},
    }
    for (component, name), children in expected.items():
        registered = _children(mocks, component, name)
        assert set(registered) == children, component
        for child, options in registered.items():
            assert options.depends_on_name(GATE), (child, options.dependencies)
    registry = _children(mocks, DockerRegistry, "registry")
    assert "repo-docker-all" in registry and "blobstore-docker-hub" in registry
    assert all(options.depends_on_name(GATE) for options in registry.values()), registry
