"""The seed's registry layout: what it contains, and the whole of it applied through the providers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydantic

from components.registry import (
    PULL_GROUP,
    DockerRegistry,
    DockerRegistryArgs,
    RegistryLayout,
    registry_layout,
)
from dynamic_providers.base import NexusProvider, provider_for
from dynamic_providers.blob_stores import FileBlobStoreProvider, FileBlobStoreSpec
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.routing_rules import RoutingRuleProvider
from dynamic_providers.s3_blob_stores import S3BlobStoreSpec
from dynamic_providers.tasks import TaskProvider
from settings import StackSettings, load_stack_file, parse_settings
from tests.components import mocks as m
from tests.dynamic_providers.drive import apply, connection, create
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator
from tests.settings.test_stack import config
from tests.settings.test_stack_s3_blob_stores import STORE as S3_STORE


def two_teams(**docker: Any) -> StackSettings:
    return parse_settings(
        {
            "domain": "example.com",
            "nexus": {"version": "3.77.1"},
            "docker": {"pullPort": 16000, **docker},
            "teams": [
                {"name": "platform", "releasePort": 16001, "latestPort": 16002},
                {"name": "payments", "releasePort": 16003, "latestPort": 16004},
            ],
        }
    )


def test_layout_follows_the_seed() -> None:
    layout = registry_layout(two_teams())
    assert [s.name for s, _ in layout.blob_stores] == ["docker-hub", "docker-platform", "docker-payments"]
    repos = {spec.name: (spec, protect) for spec, protect in layout.repositories}
    release, protected = repos["docker-platform-release"]
    assert (release.type, release.write_policy, release.http_port, release.blob_store, protected) == (
        "hosted",
        "ALLOW_ONCE",
        18001,
        "docker-platform",
        True,
    )
    latest, _ = repos["docker-payments-latest"]
    assert (latest.write_policy, latest.http_port) == ("ALLOW", 18004)
    hub, hub_protected = repos["docker-hub"]
    assert (hub.type, hub.index_type, hub.remote_url, hub_protected) == (
        "proxy",
        "HUB",
        "https://registry-1.docker.io",
        False,
    )
    group, _ = repos[PULL_GROUP]
    assert group.http_port == 18000
    assert group.members == (
        "docker-platform-release",
        "docker-payments-release",
        "docker-platform-latest",
        "docker-payments-latest",
        "docker-hub",
    )
    compacted = {t.properties.get("blobstoreName") for t in layout.tasks if t.type == "blobstore.compact"}
    assert compacted == {"docker-hub", "docker-platform", "docker-payments"}
    assert all(
        t.recurring_days == (1,) and t.start_time == "02:30"
        for t in layout.tasks
        if t.type == "blobstore.compact"
    )
    assert {t.type for t in layout.tasks} >= {"repository.docker.gc", "repository.docker.upload-purge"}


def test_adding_a_team_adds_exactly_its_resources() -> None:
    before = registry_layout(two_teams())
    settings = two_teams()
    three = settings.model_copy(
        update={
            "teams": [
                *settings.teams,
                settings.teams[0].model_copy(
                    update={"name": "search", "release_port": 16005, "latest_port": 16006}
                ),
            ]
        }
    )
    after = registry_layout(three)

    def names(layout: RegistryLayout) -> set[str]:
        return {key.split("/", 1)[1] for key, _, _ in _resources(layout)}

    assert names(after) - names(before) == {
        "docker-search",
        "docker-search-release",
        "docker-search-latest",
        "Compact blob store docker-search",
    }
    unchanged = {s.name: s for s, _ in before.repositories if s.name != PULL_GROUP}
    assert all(unchanged[s.name] == s for s, _ in after.repositories if s.name in unchanged)


def test_path_routing_uses_no_connectors() -> None:
    layout = registry_layout(two_teams(routing="path"))
    assert all(spec.http_port is None for spec, _ in layout.repositories)


# ---------------------------------------------------------------- the whole layout through the providers

STORE, REPO, TASK, RULE = FileBlobStoreProvider(), RepositoryProvider(), TaskProvider(), RoutingRuleProvider()


def _resources(layout: RegistryLayout) -> list[tuple[str, NexusProvider[Any], pydantic.BaseModel]]:
    return (
        [(f"bs/{s.name}", provider_for(s), s) for s, _ in layout.blob_stores]
        + [(f"rule/{r.name}", RULE, r) for r in layout.routing_rules]
        + [(f"repo/{s.name}", REPO, s) for s, _ in layout.repositories]
        + [(f"task/{t.name}", TASK, t) for t in layout.tasks]
    )


def _props(emulator: NexusEmulator, spec: pydantic.BaseModel, adopt: bool = False) -> dict[str, Any]:
    return {**spec.model_dump(), "connection": connection(emulator), "adopt": adopt}


def up(
    emulator: NexusEmulator, layout: RegistryLayout, state: dict[str, tuple[str, dict[str, Any]]]
) -> list[str]:
    """Apply the layout like `pulumi up` (create or diff/update), returning the steps taken."""
    steps = []
    for key, provider, spec in _resources(layout):
        props = _props(
            emulator, spec, adopt=key.startswith("repo/") and getattr(spec, "name", "") in layout.adopted
        )
        if key in state:
            step, result = apply(provider, state[key][0], state[key][1], props)
            if step == "replace":
                state[key] = result
            elif step == "update":
                state[key] = (state[key][0], result)
            if step != "same":
                steps.append(f"{step} {key}")
        else:
            state[key] = create(provider, props)
            steps.append(f"create {key}")
    return steps


def destroy(state: dict[str, tuple[str, dict[str, Any]]], keys: list[str]) -> None:
    providers: dict[str, NexusProvider[Any]] = {"bs": STORE, "rule": RULE, "repo": REPO, "task": TASK}
    for key in reversed(keys):  # dependents first: tasks, group, repos, then rules and blob stores
        object_id, outs = state.pop(key)
        providers[key.split("/")[0]].delete(object_id, outs)


def test_two_team_layout_end_to_end(nexus_emulator: NexusEmulator) -> None:
    initial = nexus_emulator.snapshot()
    layout = registry_layout(two_teams())
    state: dict[str, tuple[str, dict[str, Any]]] = {}
    created = up(nexus_emulator, layout, state)
    assert len(created) == len(_resources(layout)) == 3 + 6 + 5
    group = nexus_emulator.call("GET", "/v1/repositories/docker/group/docker-all").body
    assert group["docker"]["httpPort"] == 18000

    nexus_emulator.clear_log()
    assert up(nexus_emulator, layout, state) == []
    assert nexus_emulator.count_writes() == 0

    changed = two_teams(hubUrl="https://mirror.gcr.io")
    assert up(nexus_emulator, registry_layout(changed), state) == ["update repo/docker-hub"]
    hub = nexus_emulator.call("GET", "/v1/repositories/docker/proxy/docker-hub").body
    assert hub["proxy"]["remoteUrl"] == "https://mirror.gcr.io"

    destroy(state, [key for key, _, _ in _resources(layout)])
    after = nexus_emulator.snapshot()
    assert after == initial


OTHER_FORMATS: list[dict[str, Any]] = [
    {"name": "maven-hosted", "format": "maven2", "type": "hosted", "blobStore": "maven"},
    {
        "name": "maven-proxy",
        "format": "maven2",
        "type": "proxy",
        "remoteUrl": "https://repo1.maven.org/maven2/",
        "blobStore": "maven",
    },
    {
        "name": "maven-group",
        "format": "maven2",
        "type": "group",
        "members": ["maven-hosted", "maven-proxy"],
    },
    {"name": "npm-proxy", "format": "npm", "type": "proxy", "remoteUrl": "https://registry.npmjs.org"},
    {"name": "pypi-proxy", "format": "pypi", "type": "proxy", "remoteUrl": "https://pypi.org"},
    {"name": "pypi-all", "format": "pypi", "type": "group", "members": ["pypi-proxy"]},
    {"name": "raw-files", "format": "raw", "type": "hosted", "writePolicy": "ALLOW"},
]


def with_other_formats() -> StackSettings:
    settings = two_teams()
    return parse_settings(
        {
            **settings.model_dump(by_alias=True, mode="json"),
            "adminPassword": None,
            "repositories": OTHER_FORMATS,
        }
    )


def test_other_formats_join_the_layout() -> None:
    layout = registry_layout(with_other_formats())
    specs = {spec.name: (spec, protect) for spec, protect in layout.repositories}
    names = list(specs)
    assert names.index("maven-group") > names.index("maven-proxy")  # groups after members
    assert specs["maven-hosted"][1] is True and specs["maven-proxy"][1] is False  # hosted protected
    assert specs["maven-hosted"][0].version_policy == "RELEASE"
    assert "maven" in {s.name for s, _ in layout.blob_stores}  # created, and compacted
    assert "Compact blob store maven" in {t.name for t in layout.tasks}
    assert "default" not in {s.name for s, _ in layout.blob_stores}  # Nexus's own, not managed


def test_outermost_repositories_are_those_no_group_holds() -> None:
    """What waits for every repository waits for these: each group comes after its members."""
    layout = registry_layout(with_other_formats())
    outermost = layout.outermost_repositories()
    assert sorted(outermost) == ["docker-all", "maven-group", "npm-proxy", "pypi-all", "raw-files"]
    members = {spec.name: set(spec.members) for spec, _ in layout.repositories}
    reached: set[str] = set()
    pending = list(outermost)
    while pending:  # the repositories a wait on the outermost ones also waits for
        name = pending.pop()
        reached.add(name)
        pending.extend(members[name] - reached)
    assert reached == set(members)


def test_a_repositories_blob_store_follows_deletion_protection() -> None:
    def stores(*repositories: dict[str, Any]) -> dict[str, bool]:
        settings = parse_settings(
            {"domain": "example.com", "nexus": {"version": "3.77.1"}, "repositories": list(repositories)}
        )
        return {
            s.name: protect for s, protect in registry_layout(settings).blob_stores if s.name != "docker-hub"
        }

    hosted = {"name": "libs", "format": "maven2", "type": "hosted", "blobStore": "maven"}
    proxy = {"name": "central", "format": "maven2", "type": "proxy", "blobStore": "maven",
             "remoteUrl": "https://repo1.maven.org/maven2/"}  # fmt: skip
    assert stores(hosted) == {"maven": True}
    assert stores({**hosted, "deletionProtection": False}) == {"maven": False}
    assert stores(proxy) == {"maven": False}  # a cache
    assert stores({**hosted, "deletionProtection": False}, proxy) == {"maven": False}
    assert stores(proxy, hosted) == {"maven": True}  # any protected repository in it protects it


def test_other_formats_through_the_providers(nexus_emulator: NexusEmulator) -> None:
    layout = registry_layout(with_other_formats())
    state: dict[str, tuple[str, dict[str, Any]]] = {}
    up(nexus_emulator, layout, state)
    for fmt, path in (
        ("maven2", "maven/group/maven-group"),
        ("npm", "npm/proxy/npm-proxy"),
        ("pypi", "pypi/group/pypi-all"),
        ("raw", "raw/hosted/raw-files"),
    ):
        body = nexus_emulator.call("GET", f"/v1/repositories/{path}").body
        assert body["format"] == fmt
    assert nexus_emulator.call("GET", "/v1/repositories/maven/group/maven-group").body["group"][
        "memberNames"
    ] == ["maven-hosted", "maven-proxy"]
    nexus_emulator.clear_log()
    assert up(nexus_emulator, layout, state) == []
    assert nexus_emulator.count_writes() == 0


def maven_only(*, manage_tasks: bool = True) -> StackSettings:
    return parse_settings(
        {
            "domain": "example.com",
            "nexus": {"version": "3.71.0-06", "manageTasks": manage_tasks},
            "docker": {"enabled": False},
            "repositories": [
                {"name": "maven-internal", "format": "maven2", "type": "hosted", "blobStore": "maven"},
                {"name": "files", "format": "raw", "type": "hosted"},
            ],
        }
    )


def test_without_docker_only_the_other_formats_are_laid_out() -> None:
    layout = registry_layout(maven_only())
    assert [(spec.name, protect) for spec, protect in layout.blob_stores] == [("maven", True)]
    assert [spec.name for spec, _ in layout.repositories] == ["maven-internal", "files"]
    assert all(spec.format != "docker" for spec, _ in layout.repositories)
    assert [(task.type, task.properties) for task in layout.tasks] == [
        ("blobstore.compact", {"blobstoreName": "maven"})
    ]


def test_tasks_left_to_the_ui_when_not_managed() -> None:
    assert registry_layout(maven_only(manage_tasks=False)).tasks == []


PROD = Path(__file__).resolve().parents[2] / "Pulumi.prod.yaml"


def test_the_prod_example_converges_on_a_fresh_nexus_and_destroy_leaves_its_defaults() -> None:
    # A fresh Nexus has maven-releases, maven-snapshots, maven-central and maven-public.
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, default_repositories=True) as emulator:
        layout = registry_layout(load_stack_file(PROD))
        assert layout.adopted == {"maven-releases", "maven-snapshots", "maven-central", "maven-public"}
        state: dict[str, tuple[str, dict[str, Any]]] = {}
        up(emulator, layout, state)  # one `up`: no "already exists", no blob-store change refused
        emulator.clear_log()
        assert up(emulator, layout, state) == []  # the second preview has nothing to do
        assert emulator.count_writes() == 0
        central = emulator.call("GET", "/v1/repositories/maven/proxy/maven-central").body
        assert central["storage"]["blobStoreName"] == "default"
        keys = [key for key, _, _ in _resources(layout)]
        destroy(state, keys)
        left = {repo["name"] for repo in emulator.call("GET", "/v1/repositories").body}
        assert left == {"maven-releases", "maven-snapshots", "maven-central", "maven-public"}  # released


def test_a_team_and_a_repository_on_an_s3_store_share_one_s3_blob_store() -> None:
    raw = config(**{"s3BlobStores": {"shared": S3_STORE, "unused": S3_STORE}, "teams.0.blobStore": "shared"})
    raw["repositories"] = [{"name": "raw-files", "format": "raw", "type": "hosted", "blobStore": "shared"}]
    layout = registry_layout(parse_settings(raw))
    stores = {spec.name: (type(spec), protect) for spec, protect in layout.blob_stores}
    # the team's own file store is not made; an S3 store nothing uses is not created either
    assert stores == {
        "docker-hub": (FileBlobStoreSpec, False),
        "shared": (S3BlobStoreSpec, True),
        "docker-payments": (FileBlobStoreSpec, True),
    }
    on_shared = sorted(spec.name for spec, _ in layout.repositories if spec.blob_store == "shared")
    assert on_shared == ["docker-platform-latest", "docker-platform-release", "raw-files"]
    assert "Compact blob store shared" in {task.name for task in layout.tasks}


def test_a_team_on_an_s3_store_end_to_end_on_the_emulator(nexus_emulator: NexusEmulator) -> None:
    # The emulator checks only that the endpoint takes a connection: its own port does.
    store = {**S3_STORE, "endpoint": nexus_emulator.url}
    layout = registry_layout(
        parse_settings(config(**{"s3BlobStores": {"shared": store}, "teams.0.blobStore": "shared"}))
    )
    state: dict[str, tuple[str, dict[str, Any]]] = {}
    up(nexus_emulator, layout, state)
    stores = nexus_emulator.call("GET", "/v1/blobstores").body
    assert {(s["name"], s["type"]) for s in stores} >= {("shared", "S3"), ("docker-payments", "File")}
    assert "docker-platform" not in {s["name"] for s in stores}
    release = nexus_emulator.call("GET", "/v1/repositories/docker/hosted/docker-platform-release").body
    assert release["storage"]["blobStoreName"] == "shared"
    nexus_emulator.clear_log()
    assert up(nexus_emulator, layout, state) == []  # the secret placeholder is no change
    destroy(state, [key for key, _, _ in _resources(layout)])
    assert "shared" not in {s["name"] for s in nexus_emulator.call("GET", "/v1/blobstores").body}


HUB_LIBRARY = {"name": "hub-library", "mode": "ALLOW", "matchers": ["^/v2/library/.*"]}


def test_a_proxy_waits_for_the_routing_rule_it_names(mocks: m.RecordingMocks) -> None:
    settings = parse_settings(
        config(**{"routingRules": [HUB_LIBRARY], "docker.hubRoutingRule": "hub-library"})
    )
    m.deploy(lambda: DockerRegistry("registry", DockerRegistryArgs.from_settings(settings), m.connection()))
    rule = mocks.one("pulumi-python:dynamic/nexus:RoutingRule", "routing-rule-hub-library")
    assert m.plain(rule.inputs)["matchers"] == ["^/v2/library/.*"]
    waiting = {
        resource.name
        for resource in mocks.resources
        if mocks.options_of(resource).depends_on_name("routing-rule-hub-library")
    }
    assert waiting == {"repo-docker-hub"}


def test_the_hub_proxy_with_a_routing_rule_end_to_end_on_the_emulator(nexus_emulator: NexusEmulator) -> None:
    rule = HUB_LIBRARY
    raw = config(**{"routingRules": [rule], "docker.hubRoutingRule": "hub-library"})
    layout = registry_layout(parse_settings(raw))
    state: dict[str, tuple[str, dict[str, Any]]] = {}
    up(nexus_emulator, layout, state)
    assert nexus_emulator.call("GET", "/v1/routing-rules/hub-library").body == {**rule, "description": ""}
    hub = nexus_emulator.call("GET", "/v1/repositories/docker/proxy/docker-hub").body
    assert hub["routingRuleName"] == "hub-library"
    nexus_emulator.clear_log()
    assert up(nexus_emulator, layout, state) == []
    assert nexus_emulator.count_writes() == 0

    widened = config(**{"routingRules": [{**rule, "matchers": ["^/v2/library/.*", "^/v2/acme/.*"]}]})
    assert up(
        nexus_emulator, registry_layout(parse_settings({**widened, "docker": raw["docker"]})), state
    ) == ["update rule/hub-library"]
    destroy(state, [key for key, _, _ in _resources(layout)])
    assert nexus_emulator.call("GET", "/v1/routing-rules").body == []
