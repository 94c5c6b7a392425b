"""The Docker registry layout of the seed, as Nexus resources.

From the stack config: blob stores ``docker-hub`` and one per team (a file store, or the S3 store
``teams[].blobStore`` names); per team a release repository
(redeploy disabled) and a latest repository (redeploy allowed) on their connector ports; the
``docker-hub`` proxy of Docker Hub (with ``docker.hubRoutingRule``); the ``docker-all`` group on
the pull port (members: releases, latests, hub); the rules of ``routingRules``, before the proxies
that name them; the certificates of ``trustedCertificates``, before the proxies that use the trust
store; the outbound HTTP settings of ``httpProxy``, before every proxy; weekly compaction of every
blob store and the Docker clean-up tasks. Adding a team adds exactly that team's resources.

The layout itself is a pure function (:func:`registry_layout`) so it is tested without Pulumi.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.layout_policy import apply_layout_policies
from components.options import NexusComponent, NexusConnection, PlanArgs
from dynamic_providers.blob_stores import FileBlobStore, FileBlobStoreSpec
from dynamic_providers.http_settings import HttpSettings, HttpSettingsSpec
from dynamic_providers.repositories import Repository, RepositorySpec
from dynamic_providers.routing_rules import RoutingRule, RoutingRuleSpec
from dynamic_providers.s3_blob_stores import S3BlobStore, S3BlobStoreSpec
from dynamic_providers.tasks import Task, TaskSpec
from dynamic_providers.truststore import TrustedCertificate, TrustedCertificateSpec
from settings import NEXUS_DEFAULT_BLOB_STORE, StackSettings, revealed
from settings.model import SHARED_DOCKER_REPOSITORY

HUB_BLOB_STORE = "docker-hub"
HUB_PROXY = "docker-hub"
PULL_GROUP = "docker-all"
# The seed compacts blob stores on Sunday at 02:30; clean-up runs before it the same night.
COMPACT_DAY = "sunday"
COMPACT_TIME = "02:30"
CLEANUP_TIME = "01:30"


@dataclass(frozen=True)
class RegistryLayout:
    """Everything the registry needs in Nexus, in creation order within each list."""

    #: (spec, protect): file stores, and the S3 stores of `s3BlobStores` that something uses.
    blob_stores: list[tuple[FileBlobStoreSpec | S3BlobStoreSpec, bool]] = field(default_factory=list)
    repositories: list[tuple[RepositorySpec, bool]] = field(default_factory=list)
    routing_rules: list[RoutingRuleSpec] = field(default_factory=list)
    #: (stack name, spec) of `trustedCertificates`, before the proxies that use the trust store.
    trusted_certificates: list[tuple[str, TrustedCertificateSpec]] = field(default_factory=list)
    #: The outbound HTTP settings of `httpProxy` (None: the server's are left alone), before the proxies.
    http_settings: HttpSettingsSpec | None = None
    tasks: list[TaskSpec] = field(default_factory=list)
    #: Repositories that already exist in Nexus and are adopted (`repositories[].adopt`).
    adopted: set[str] = field(default_factory=set)

    def outermost_repositories(self) -> list[str]:
        """The repositories no group lists as a member. A group is created after its members, so
        whatever waits for these waits for every repository, with one edge per group instead of
        one per repository."""
        members = {member for spec, _ in self.repositories for member in spec.members}
        return [spec.name for spec, _ in self.repositories if spec.name not in members]


def _connector_port(settings: StackSettings, repository: str) -> int | None:
    if settings.docker.routing == "path":
        return None  # HAProxy routes to /repository/<name>/ on the main port
    return next(c.backend_port for c in settings.connectors if c.repository == repository)


def _weekly(name: str, task_type: str, time: str, properties: Mapping[str, str]) -> TaskSpec:
    return TaskSpec(
        name=name,
        type=task_type,
        schedule="weekly",
        recurring_days=(COMPACT_DAY,),  # named days are normalised to numbers
        start_time=time,
        properties=dict(properties),
    )


def registry_layout(settings: StackSettings) -> RegistryLayout:
    layout = RegistryLayout(
        routing_rules=[rule.to_spec() for rule in settings.routing_rules],
        trusted_certificates=[(cert.name, cert.to_spec()) for cert in settings.trusted_certificates],
        http_settings=settings.http_proxy.to_spec() if settings.http_proxy else None,
    )
    if settings.docker.enabled:
        _add_docker(layout, settings)
    _add_other_formats(layout, settings)
    if settings.nexus.manage_tasks:
        _add_tasks(layout, settings)
    # Retention policies and anonymous pull (see components/layout_policy.py).
    repositories = apply_layout_policies(layout.repositories, settings, pull_group=PULL_GROUP)
    return dataclasses.replace(layout, repositories=repositories)


def _add_blob_store(layout: RegistryLayout, settings: StackSettings, name: str, protect: bool) -> None:
    """The blob store ``name`` (S3 when `s3BlobStores` has it, else a file store), once; protected
    when anything protected keeps its content there."""
    for index, (spec, protected) in enumerate(layout.blob_stores):
        if spec.name == name:
            layout.blob_stores[index] = (spec, protected or protect)
            return
    s3 = settings.s3_blob_stores.get(name)
    layout.blob_stores.append((s3.to_spec(name) if s3 else FileBlobStoreSpec(name=name), protect))


def _add_docker(layout: RegistryLayout, settings: StackSettings) -> None:
    """Blob stores and repositories of the Docker registry: per team, the hub proxy, the group."""
    layout.blob_stores.append((FileBlobStoreSpec(name=HUB_BLOB_STORE), False))
    releases: list[str] = []
    latests: list[str] = []
    for team in settings.teams:
        protect = team.deletion_protection
        store = team.blob_store or f"docker-{team.name}"
        _add_blob_store(layout, settings, store, protect)
        for repository, write_policy in (
            (team.release_repository, "ALLOW_ONCE"),  # a release tag is never overwritten
            (team.latest_repository, "ALLOW"),  # latest builds are redeployed
        ):
            spec = RepositorySpec(
                name=repository,
                format="docker",
                type="hosted",
                blob_store=store,
                write_policy=write_policy,
                http_port=_connector_port(settings, repository),
                force_basic_auth=True,
                v1_enabled=False,
            )
            layout.repositories.append((spec, protect))
        releases.append(team.release_repository)
        latests.append(team.latest_repository)
    if settings.docker.shared_port is not None:
        _add_shared_docker(layout, settings)
        latests.append(SHARED_DOCKER_REPOSITORY)
    layout.repositories.append(
        (
            RepositorySpec(
                name=HUB_PROXY,
                format="docker",
                type="proxy",
                blob_store=HUB_BLOB_STORE,
                remote_url=settings.docker.hub_url,
                index_type="HUB",
                force_basic_auth=True,
                routing_rule=settings.docker.hub_routing_rule,
                remote_username=settings.docker.hub_username,
                remote_password=revealed(settings.docker.hub_password),
                use_trust_store=settings.docker.hub_use_trust_store,
            ),
            False,  # a cache: losing it costs a re-download only
        )
    )
    layout.repositories.append(
        (
            RepositorySpec(
                name=PULL_GROUP,
                format="docker",
                type="group",
                blob_store=HUB_BLOB_STORE,
                members=(*releases, *latests, HUB_PROXY),
                http_port=_connector_port(settings, PULL_GROUP),
                force_basic_auth=True,
            ),
            False,  # holds no data of its own
        )
    )


def _add_shared_docker(layout: RegistryLayout, settings: StackSettings) -> None:
    """docker-shared: one hosted repository for every team, each pushing only under its own
    <team>/ image names (the teams' content selectors, components/access.py); redeploy allowed,
    as in the latest repositories. Protected while any team's repositories are."""
    protect = any(team.deletion_protection for team in settings.teams)
    _add_blob_store(layout, settings, SHARED_DOCKER_REPOSITORY, protect)
    spec = RepositorySpec(
        name=SHARED_DOCKER_REPOSITORY,
        format="docker",
        type="hosted",
        blob_store=SHARED_DOCKER_REPOSITORY,
        write_policy="ALLOW",
        http_port=_connector_port(settings, SHARED_DOCKER_REPOSITORY),
        force_basic_auth=True,
        v1_enabled=False,
    )
    layout.repositories.append((spec, protect))


def _add_tasks(layout: RegistryLayout, settings: StackSettings) -> None:
    """Weekly compaction of every blob store; the Docker clean-up tasks with the registry."""
    for store, _ in layout.blob_stores:
        layout.tasks.append(
            _weekly(
                f"Compact blob store {store.name}",
                "blobstore.compact",
                COMPACT_TIME,
                {"blobstoreName": store.name},
            )
        )
    if not settings.docker.enabled:
        return
    # Docker clean-up: delete unused manifests and images, purge incomplete uploads (every edition).
    layout.tasks.append(
        _weekly(
            "Docker - delete unused manifests and images",
            "repository.docker.gc",
            CLEANUP_TIME,
            {"repositoryName": "*"},
        )
    )
    layout.tasks.append(
        _weekly(
            "Docker - delete incomplete uploads",
            "repository.docker.upload-purge",
            CLEANUP_TIME,
            {"age": "24"},
        )
    )


def _add_other_formats(layout: RegistryLayout, settings: StackSettings) -> None:
    """Maven, npm, PyPI and raw repositories from `repositories`; groups after their members."""
    ordered = sorted(settings.repositories, key=lambda repo: repo.type == "group")
    # An adopted repository is never deleted by this stack (released on destroy): nothing to protect.
    protected = {
        repo.name for repo in ordered if repo.type == "hosted" and repo.deletion_protection and not repo.adopt
    }
    for repo in ordered:
        if repo.blob_store != NEXUS_DEFAULT_BLOB_STORE:
            # Protected exactly when it holds a protected repository's content (a proxy's is a cache).
            protect = any(r.blob_store == repo.blob_store and r.name in protected for r in ordered)
            _add_blob_store(layout, settings, repo.blob_store, protect)
        layout.repositories.append((repo.to_spec(), repo.name in protected))
        if repo.adopt:
            layout.adopted.add(repo.name)


def resource_name(kind: str, name: str) -> str:
    slug = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name.lower()).strip("-")
    return f"{kind}-{slug}"


class DockerRegistryArgs(PlanArgs[RegistryLayout]):
    """The registry layout and whether existing objects are adopted."""

    @classmethod
    def from_settings(cls, settings: StackSettings) -> DockerRegistryArgs:
        return cls(plan=registry_layout(settings), adopt=settings.nexus.adopt_existing)


class DockerRegistry(NexusComponent[DockerRegistryArgs]):
    """Blob stores, repositories and tasks of the Docker registry, as Nexus objects.

    ``repositories_after``: what every repository waits for (the security baseline, so that no
    repository serves before realms and anonymous access are set; the cleanup policies they name).
    Blob stores and tasks serve nothing, so they wait only for the first run: one dependency
    level less for the engine, fewer edges in the state (docs/performance.md).
    """

    TYPE_TOKEN = "nexus-platform:components:DockerRegistry"

    def __init__(
        self,
        name: str,
        args: DockerRegistryArgs,
        connection: NexusConnection,
        *,
        repositories_after: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._repositories_after = list(repositories_after)
        super().__init__(name, args, connection, opts)

    def build(self, name: str, args: DockerRegistryArgs) -> Mapping[str, Any]:
        layout, adopt, props = args.plan, args.adopt, self._connection
        stores: dict[str, FileBlobStore | S3BlobStore] = {}
        for store_spec, protect in layout.blob_stores:
            store_name, opts = resource_name("blobstore", store_spec.name), self.child(protect=protect)
            if isinstance(store_spec, S3BlobStoreSpec):
                stores[store_spec.name] = S3BlobStore(
                    store_name, connection=props, spec=store_spec, adopt=adopt, opts=opts
                )
            else:
                stores[store_spec.name] = FileBlobStore(
                    store_name, connection=props, spec=store_spec, adopt=adopt, opts=opts
                )
        rules = {
            spec.name: RoutingRule(
                resource_name("routing-rule", spec.name),
                connection=props,
                spec=spec,
                adopt=adopt,
                opts=self.child(),
            )
            for spec in layout.routing_rules
        }
        # A certificate already in the trust store is the same certificate (same fingerprint): it is
        # adopted as it is, and left there when dropped from the stack.
        certificates = [
            TrustedCertificate(
                resource_name("trusted-certificate", cert_name),
                connection=props,
                spec=cert_spec,
                adopt=True,
                opts=self.child(),
            )
            for cert_name, cert_spec in layout.trusted_certificates
        ]
        # Proxies reach their remotes through the HTTP proxy: set before the first of them is made.
        outbound: list[pulumi.Resource] = []
        if layout.http_settings is not None:
            outbound.append(
                HttpSettings("http-settings", connection=props, spec=layout.http_settings, opts=self.child())
            )
        repositories: dict[str, Repository] = {}
        for spec, protect in layout.repositories:
            depends: list[pulumi.Resource] = [stores[spec.blob_store]] if spec.blob_store in stores else []
            depends += [rules[spec.routing_rule]] if spec.routing_rule else []
            depends += certificates if spec.use_trust_store else []
            depends += outbound if spec.type == "proxy" else []
            depends += [repositories[member] for member in spec.members]
            depends += self._repositories_after
            repositories[spec.name] = Repository(
                resource_name("repo", spec.name),
                connection=props,
                spec=spec,
                adopt=adopt or spec.name in layout.adopted,
                opts=self.child(depends, protect=protect),
            )
        outermost = [repositories[name] for name in layout.outermost_repositories()]
        for task in layout.tasks:
            store = task.properties.get("blobstoreName")
            Task(
                resource_name("task", task.name),
                connection=props,
                spec=task,
                adopt=adopt,
                opts=self.child([stores[store]] if store else outermost),
            )
        self.repositories: dict[str, Repository] = repositories  # by name, for what depends on one
        self.repository_names = pulumi.Output.from_input(sorted(repositories))
        return {"repositories": self.repository_names}
