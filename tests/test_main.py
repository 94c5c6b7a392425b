"""The program as a whole under Pulumi mocks: what each kind of stack registers, and stack outputs."""

from __future__ import annotations

import ast
import asyncio
import json
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import settings as runtime_settings

from components import shutdown
from dynamic_providers.exceptions import DEBUG_ENV
from dynamic_providers.roles import privilege_repositories
from settings import SettingsError, derive_stats_password, load_stack_file
from tests.components import mocks as m
from tests.source_tree import parse

ROOT = Path(__file__).resolve().parent.parent
DYNAMIC = "pulumi-python:dynamic/nexus:"


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[m.RecordingMocks]:
    # The program wraps the SDK's error mapping (components/shutdown.py): each test starts from the
    # SDK's own, and what was there before is put back after.
    monkeypatch.setattr(runtime_settings, "grpc_error_to_exception", shutdown.sdk_mapper())
    recorded = m.install()
    yield recorded
    pulumi.runtime.set_all_config({}, [])


def use_config(
    values: dict[str, Any], secret_keys: tuple[str, ...] = ("nexus-platform:adminPassword",)
) -> None:
    pulumi.runtime.set_all_config(
        {f"nexus-platform:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()},
        list(secret_keys),
    )


def stack_config(stack: str, **overrides: Any) -> dict[str, Any]:
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    values = {key.split(":", 1)[1]: value for key, value in document["config"].items()}
    return {**values, "adminPassword": "admin-pw-0123", **overrides}


def run_program() -> dict[str, Any]:
    """Run __main__.py like the engine does; return its exported outputs (resolved)."""
    exported: dict[str, Any] = {}

    def build() -> None:
        root: Any = pulumi.runtime.get_root_resource()
        root.outputs.clear()  # the mocks' root stack outlives a test
        globals_ = runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_main__")
        exported["registry"] = globals_["registry"]
        # the stack outputs, as pulumi.export recorded them on the root stack resource
        exported["outputs"] = dict(root.outputs)

    m.deploy(build)
    return exported


def resolved(output: Any) -> tuple[Any, bool]:
    """Value and secretness of a stack output (under mocks)."""
    result: dict[str, Any] = {}

    def build() -> Any:
        async def read() -> None:
            result["value"] = await output.future()
            result["secret"] = await output.is_secret()

        return pulumi.Output.from_input(asyncio.ensure_future(read()))

    m.deploy(build)
    return result["value"], result["secret"]


def dynamic(recorder: m.RecordingMocks, kind: str) -> list[pulumi.runtime.MockResourceArgs]:
    return recorder.of_type(DYNAMIC + kind)


def test_existing_nexus_mode_registers_only_nexus_objects(recorder: m.RecordingMocks) -> None:
    use_config(
        {
            "domain": "example.com",
            "adminPassword": "admin-pw-0123",
            "nexus": {"version": "3.77.1", "manageServer": False, "url": "http://127.0.0.1:8081"},
            "teams": [
                {"name": "platform", "releasePort": 16001, "latestPort": 16002},
                {"name": "payments", "releasePort": 16003, "latestPort": 16004},
            ],
        }
    )
    run_program()
    assert not any(r.typ.startswith(("docker:", "tls:", "command:")) for r in recorder.resources)
    assert len(dynamic(recorder, "FileBlobStore")) == 3
    assert len(dynamic(recorder, "Repository")) == 6
    repo = next(r for r in dynamic(recorder, "Repository") if r.inputs["name"] == "docker-platform-release")
    # Where Nexus is, without the admin password: the providers read it from the stack config.
    assert repo.inputs["connection"]["url"] == "http://127.0.0.1:8081"
    assert "password" not in repo.inputs["connection"] and not m.contains_secret(repo.inputs["connection"])
    assert "admin-pw-0123" not in repr(repo.inputs)


def test_the_program_reads_a_stopped_deployment_as_one_line(recorder: m.RecordingMocks) -> None:
    sdk_mapper = runtime_settings.grpc_error_to_exception
    assert not shutdown.installed()
    use_config(stack_config("dev"))
    run_program()
    assert shutdown.installed() and shutdown.sdk_mapper() is sdk_mapper


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_register_server_pki_haproxy_and_registry(stack: str, recorder: m.RecordingMocks) -> None:
    use_config(stack_config(stack))
    run_program()
    container = recorder.one(m.T_CONTAINER, "nexus-container")
    assert container.inputs["name"] == "nexus"
    assert recorder.one(m.T_SELF_SIGNED).inputs["isCaCertificate"] is True
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    teams, others = config["nexus-platform:teams"], config.get("nexus-platform:repositories", [])
    assert len(dynamic(recorder, "Repository")) == 2 * len(teams) + 2 + len(others)
    # Order: container and HAProxy -> first run (writable, admin taken over) -> blob stores ->
    # repositories -> roles (which grant the repositories' privileges).
    first_run = recorder.one(DYNAMIC + "FirstRun")
    assert recorder.options_of(first_run).depends_on_name("nexus-container")
    haproxy = "haproxy-container" if stack == "dev" else "haproxy-deploy"  # container or host mode
    assert recorder.options_of(first_run).depends_on_name(haproxy)
    for store in dynamic(recorder, "FileBlobStore"):
        assert recorder.options_of(store).depends_on_name(first_run.name)
    repository_names = {r.inputs["name"]: r.name for r in dynamic(recorder, "Repository")}
    granting = 0
    for role in dynamic(recorder, "Role"):
        # each role waits for exactly the repositories whose privileges it grants
        named = [repository_names[n] for n in privilege_repositories(tuple(role.inputs["privileges"]))]
        granting += bool(named)
        options = recorder.options_of(role)
        assert all(options.depends_on_name(name) for name in named), (role.name, options.dependencies)
        others = set(repository_names.values()) - set(named)
        assert not any(options.depends_on_name(name) for name in others), (role.name, options.dependencies)
    assert granting >= 2
    platform = recorder.one(DYNAMIC + "Role", "role-docker-platform-push")
    assert recorder.options_of(platform).depends_on_name("repo-docker-platform-release")


def test_invalid_config_creates_nothing(recorder: m.RecordingMocks, monkeypatch: pytest.MonkeyPatch) -> None:
    # A RunError: every language host prints its message alone (no traceback), one line per problem.
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    use_config(stack_config("dev", nexus={"version": "latest"}))
    with pytest.raises(pulumi.RunError, match=r"nexus-platform:nexus\.version") as raised:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_main__")
    assert str(raised.value).startswith("invalid stack configuration (1 problem(s)):\n  - nexus-platform:")
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert recorder.resources == []
    # the debug switch keeps the config error itself, and so its traceback
    monkeypatch.setenv(DEBUG_ENV, "1")
    with pytest.raises(SettingsError, match=r"nexus-platform:nexus\.version"):
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_main__")


def test_missing_admin_password_is_named(recorder: m.RecordingMocks) -> None:
    config = stack_config("dev")
    del config["adminPassword"]
    use_config(config)
    with pytest.raises(pulumi.RunError, match=r"nexus-platform:adminPassword: is required"):
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_main__")
    assert recorder.resources == []


def test_security_settings_wait_for_the_first_run_only_and_come_before_any_repository(
    recorder: m.RecordingMocks,
) -> None:
    """Realms and anonymous access need nothing but the first run; the registry waits for them, so
    a failing repository never leaves a fresh Nexus with anonymous access on. Roles still wait for
    the repositories; the backup task waits for nothing in the registry."""
    use_config(stack_config("dev"))
    run_program()
    repositories = {r.name for r in dynamic(recorder, "Repository")}
    stores = {r.name for r in dynamic(recorder, "FileBlobStore")}
    registry_names = repositories | stores | {r.name for r in dynamic(recorder, "CleanupPolicy")}
    for kind in ("ActiveRealms", "AnonymousLockdown"):
        (resource,) = dynamic(recorder, kind)
        options = recorder.options_of(resource)
        assert options.depends_on_name("nexus-first-run"), options.dependencies
        assert not any(options.depends_on_name(name) for name in registry_names), options.dependencies
        assert not any(":Repository::" in urn or ":FileBlobStore::" in urn for urn in options.dependencies)
    for resource in dynamic(recorder, "Repository"):
        options = recorder.options_of(resource)
        assert options.depends_on_name("realms"), resource.name
        assert options.depends_on_name("anonymous-lockdown"), resource.name
    # Blob stores and tasks serve nothing: they wait for the first run and their own objects only.
    for resource in [*dynamic(recorder, "FileBlobStore"), *dynamic(recorder, "Task")]:
        options = recorder.options_of(resource)
        assert options.depends_on_name("nexus-first-run"), resource.name
        assert not options.depends_on_name("realms"), resource.name
        assert not options.depends_on_name("anonymous-lockdown"), resource.name
    # The Docker clean-up tasks wait for every repository through the group alone.
    purge = recorder.one(DYNAMIC + "Task", "task-docker---delete-incomplete-uploads")
    assert recorder.options_of(purge).depends_on_name("repo-docker-all")
    assert not any(
        ":Repository::" in urn and not urn.endswith("::repo-docker-all")
        for urn in recorder.options_of(purge).dependencies
    )
    pull = recorder.one(DYNAMIC + "Role", "role-docker-pull")
    assert recorder.options_of(pull).depends_on_name("repo-docker-all")
    (backup,) = [t for t in dynamic(recorder, "Task") if t.name == "backup-task"]
    assert not any(recorder.options_of(backup).depends_on_name(name) for name in registry_names)


def test_eula_output_only_where_the_operator_decided(recorder: m.RecordingMocks) -> None:
    """No `+ eulaAccepted: [unknown]` in every preview of a Nexus without a EULA decision."""
    use_config(stack_config("dev"))
    assert "eulaAccepted" not in run_program()["outputs"]
    use_config(stack_config("dev", nexus={"version": "3.77.1", "acceptEula": True}))
    assert "eulaAccepted" in run_program()["outputs"]


def test_docker_outputs_only_with_docker(recorder: m.RecordingMocks) -> None:
    """A Maven/raw-only stack advertises no :16000 and no trust command for a registry port."""
    outputs = run_program_with(stack_config("dev"))
    assert outputs["registryEndpoints"]["pull"] == "nexus.localtest.me:16000"
    assert outputs["dockerTrustCommands"]
    outputs = run_program_with(stack_config("dev", docker={"enabled": False}, teams=[]))
    assert "registryEndpoints" not in outputs and "dockerTrustCommands" not in outputs


def run_program_with(config: dict[str, Any]) -> dict[str, Any]:
    use_config(config)
    outputs: dict[str, Any] = run_program()["outputs"]
    return outputs


def test_haproxy_stats_password_is_a_secret_stack_output(recorder: m.RecordingMocks) -> None:
    use_config(stack_config("dev"))
    outputs = run_program()["outputs"]
    value, secret = resolved(outputs["haproxyStatsPassword"])
    assert secret is True
    assert value == derive_stats_password("admin-pw-0123")  # the generated one, as HAProxy gets it


def test_dev_stack_has_a_sensible_host_and_can_be_torn_down(recorder: m.RecordingMocks) -> None:
    settings = load_stack_file(ROOT / "Pulumi.dev.yaml")
    assert settings.resolved_ui_host == "nexus.localtest.me"  # not nexus.nexus.localtest.me
    assert all(not team.deletion_protection for team in settings.teams)  # `destroy` works after saying so
    use_config(stack_config("dev"))
    outputs = run_program()["outputs"]
    assert outputs["uiUrl"] == "https://nexus.localtest.me"
    assert outputs["registryEndpoints"]["pull"] == "nexus.localtest.me:16000"


def test_program_start_loads_no_library_it_may_not_use() -> None:
    """What every program start imports (``__main__.py``'s top-level imports, existing-Nexus mode)
    loads neither the Docker/TLS/command SDKs, ldap3, an HTTP client, nor the DER decoder of
    trusted certificates: the program makes no request, most stacks trust no certificate, and
    those cost start-up time in every `preview` (docs/performance.md)."""
    tree = parse((ROOT / "__main__.py").read_text())
    modules = [
        node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom) and getattr(node, "module", "") != "__future__"
    ]
    unwanted = ("pulumi_docker", "pulumi_tls", "pulumi_command", "ldap3", "requests", "urllib3", "pyasn1")
    probe = "\n".join(
        [
            "import sys",
            f"for name in {modules!r}: __import__(name)",
            f"print([m for m in {unwanted!r} if m in sys.modules])",
        ]
    )
    run = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "components.access" in modules and run.stdout.strip() == "[]", run.stdout + run.stderr


def _s3_stack(secret_keys: tuple[str, ...]) -> None:
    store = {"bucket": "nexus-blobs", "endpoint": "http://s3.example.com:8333", "forcePathStyle": True}
    config = {
        "domain": "example.com",
        "adminPassword": "admin-pw-0123",
        "nexus": {"version": "3.77.1", "manageServer": False, "url": "http://127.0.0.1:8081"},
        "teams": [{"name": "platform", "releasePort": 16001, "latestPort": 16002, "blobStore": "shared"}],
        "s3BlobStores": {"shared": {**store, "accessKeyId": "nexus", "secretAccessKey": "s3-secret-0123"}},
    }
    use_config(config, secret_keys)


def test_an_s3_store_is_declared_with_its_secret_a_secret(recorder: m.RecordingMocks) -> None:
    _s3_stack(("nexus-platform:adminPassword", "nexus-platform:s3BlobStores"))
    run_program()
    (store,) = dynamic(recorder, "S3BlobStore")
    assert store.inputs["name"] == "shared" and store.inputs["bucket"] == "nexus-blobs"
    assert m.contains_secret(store.inputs["secret_access_key"])
    assert {r.inputs["name"] for r in dynamic(recorder, "FileBlobStore")} == {"docker-hub"}
    release = next(
        r for r in dynamic(recorder, "Repository") if r.inputs["name"] == "docker-platform-release"
    )
    assert release.inputs["blob_store"] == "shared"


def test_an_s3_secret_in_plain_text_creates_nothing(recorder: m.RecordingMocks) -> None:
    _s3_stack(("nexus-platform:adminPassword",))
    with pytest.raises(
        pulumi.RunError, match=r"nexus-platform:s3BlobStores\.shared\.secretAccessKey: is in plain"
    ):
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_main__")
    assert recorder.resources == []


def _email_stack(secret_keys: tuple[str, ...]) -> None:
    mail = {"host": "smtp.example.com", "fromAddress": "nexus@example.com", "password": "smtp-pw-0123"}
    use_config(
        {
            **stack_config("dev"),
            "email": {**mail, "username": "nexus", "verifyTo": "ops@example.com"},
        },
        secret_keys,
    )


def test_the_email_server_is_declared_with_its_password_a_secret(recorder: m.RecordingMocks) -> None:
    _email_stack(("nexus-platform:adminPassword", "nexus-platform:email"))
    run_program()
    (mail,) = dynamic(recorder, "EmailServer")
    assert mail.inputs["host"] == "smtp.example.com" and mail.inputs["verify_to"] == "ops@example.com"
    assert m.contains_secret(mail.inputs["password"])


def test_an_email_password_in_plain_text_creates_nothing(recorder: m.RecordingMocks) -> None:
    _email_stack(("nexus-platform:adminPassword",))
    with pytest.raises(pulumi.RunError, match=r"nexus-platform:email\.password: is in plain text"):
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__pulumi_main__")
    assert recorder.resources == []
