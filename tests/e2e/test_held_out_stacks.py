"""Held-out stacks: every kind the platform manages, in one stack each, under the real engine.

``held_out/pro.yaml`` runs on the emulator as Nexus Pro (it has what the open-source core lacks:
Docker with team paths, LDAP, tasks, cleanup policies, the outbound HTTP settings, the Community
formats); ``held_out/core.yaml`` runs on the real open-source core (3.71.0-06) with every kind it
has, an S3 blob store on the suite's SeaweedFS among them. Both were written as a platform team
would write them, not to develop a kind. Each goes through:

1. ``preview``: every object planned, nothing written;
2. ``up``;
3. a no-change ``preview``: no request to Nexus at all;
4. changes made outside Pulumi (over REST, one per kind that has a change, and a trusted
   certificate deleted), seen by ``refresh`` as exactly those resources, repaired by ``up``;
5. ``destroy``: Nexus holds none of the stack's objects.

Every secret of the stack is set with ``config set --secret``; none is in the state, the outputs or
any command's output. (The stack never reads one back; the core does answer an apt signing keypair
in a repository's GET: docs/nexus-behaviour.md.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from dynamic_providers.truststore import certificate_der, fingerprint
from tests.components.haproxy_helpers import make_test_pki
from tests.e2e.conftest import (
    NEXUS_TYPE_PREFIX,
    PulumiCli,
    assert_no_plaintext,
    copy_project,
    dynamic_changes,
)
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator
from tests.real_nexus.backend import Backend, emulator_backend
from tests.real_nexus.fixtures import RealNexusSession
from tests.s3_server import S3Server
from tests.signing_keys import make_signing_key

NS = "nexus-platform"
HELD_OUT = Path(__file__).parent / "held_out"


@dataclass(frozen=True)
class Secrets:
    """The stack's secrets by config path (set with ``--secret --path``)."""

    by_path: dict[str, str]

    def values(self) -> list[str]:
        # a signing key's armour lines are long and unique: any one of them leaking is a leak
        return [line for value in self.by_path.values() for line in value.splitlines() if len(line) >= 12]


def stack_config(name: str, replacements: dict[str, str]) -> dict[str, Any]:
    """The held-out stack file with the test's addresses filled in (PEM text as a YAML string)."""
    document = yaml.safe_load((HELD_OUT / f"{name}.yaml").read_text())

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        return replacements.get(value, value) if isinstance(value, str) else value

    return dict(fill(document["config"]))


def start_stack(work: Path, name: str, config: dict[str, Any], secrets: Secrets) -> PulumiCli:
    project = copy_project(work / "project")
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    cli = PulumiCli(project, work / "pulumi")
    cli.stack_init(name)
    for path, value in secrets.by_path.items():
        cli.config_set(f"{NS}:{path}", value, secret=True, path="." in path or "[" in path)
    return cli


def nexus_objects(cli: PulumiCli) -> dict[str, str]:
    """Resource name -> kind (the type's last part) of the stack's Nexus resources."""
    return {
        r["urn"].rsplit("::", 1)[1]: r["type"].removeprefix(NEXUS_TYPE_PREFIX)
        for r in cli.resources()
        if r["type"].startswith(NEXUS_TYPE_PREFIX)
    }


def inventory(nexus: Backend) -> dict[str, Any]:
    """What a stack can add to Nexus, by kind: names, and the mail settings (a singleton)."""
    listed = {
        "repositories": ("/v1/repositories", "name"),
        "blob stores": ("/v1/blobstores", "name"),
        "content selectors": ("/v1/security/content-selectors", "name"),
        "privileges": ("/v1/security/privileges", "name"),
        "roles": ("/v1/security/roles", "id"),
        "users": ("/v1/security/users", "userId"),
        "routing rules": ("/v1/routing-rules", "name"),
        "trusted certificates": ("/v1/security/ssl/truststore", "id"),
    }
    found: dict[str, Any] = {
        kind: sorted(o[key] for o in nexus.get(path)) for kind, (path, key) in listed.items()
    }
    # A fresh server answers a null username, and "" once settings were written (3.71.0-06).
    found["email"] = {**nexus.get("/v1/email"), "username": nexus.get("/v1/email")["username"] or ""}
    return found


def lifecycle(
    cli: PulumiCli,
    nexus: Backend,
    secrets: Secrets,
    drift: Callable[[Backend], set[str]],
) -> None:
    outputs: list[str] = []
    before = inventory(nexus)

    # 1. preview: every object planned, nothing written
    nexus.clear_log()
    planned = dynamic_changes(cli.preview_json())
    assert planned and set(planned.values()) == {"create"}
    assert nexus.count_writes() == 0
    # 2. up
    outputs.append(cli.up().output)
    created = nexus_objects(cli)
    assert set(planned) <= set(created)
    # 3. no change: not one request
    nexus.clear_log()
    outputs.append(cli.preview("--expect-no-changes").output)
    assert nexus.requests() == [], [f"{r.method} {r.path}" for r in nexus.requests()]
    # 4. changes outside Pulumi: refresh sees exactly those, up repairs them
    changed = drift(nexus)
    assert changed <= set(created), changed - set(created)
    outputs.append(cli.refresh().output)
    seen = dynamic_changes(cli.preview_json())
    assert set(seen) == changed, (sorted(seen), sorted(changed))
    outputs.append(cli.up().output)
    nexus.clear_log()
    outputs.append(cli.preview("--expect-no-changes").output)
    assert nexus.requests() == []
    # secrets: never in the state, the outputs or what a command printed
    assert_no_plaintext(cli.stack_export(), secrets.values())
    assert_no_plaintext(cli.stack_outputs(), secrets.values())
    assert_no_plaintext("\n".join(outputs), secrets.values())
    # 5. destroy: Nexus holds what it held before the stack
    cli.destroy()
    assert inventory(nexus) == before


# ------------------------------------------------------------------ the emulator as Nexus Pro


def _pro_secrets(signing_passphrase: str) -> Secrets:
    key = make_signing_key(signing_passphrase)
    return Secrets(
        {
            "adminPassword": TEST_ADMIN_PASSWORD,
            "ldap.bindPassword": "held-out-bind-pw-31d7",
            "docker.hubPassword": "held-out-hub-token-8c2e",
            "httpProxy.http.password": "held-out-proxy-pw-77b1",
            "email.password": "held-out-smtp-pw-c0f3",
            "repositories[1].remotePassword": "held-out-mirror-pw-4e62",
            "repositories[4].signingKey": key.private_armoured,
            "repositories[4].signingPassphrase": signing_passphrase,
            "access.robots[0].password": "held-out-robot-pw-9d18",
        }
    )


def drift_common(nexus: Backend, upstream_ca_pem: str) -> set[str]:
    """One change over REST per kind both held-out stacks have; the resources they belong to."""
    repo = nexus.get("/v1/repositories/raw/hosted/files")
    repo["storage"]["writePolicy"] = "DENY"
    assert nexus.call("PUT", "/v1/repositories/raw/hosted/files", repo).status == 204
    selector = nexus.get("/v1/security/content-selectors/acme-maven")
    assert nexus.call(
        "PUT", "/v1/security/content-selectors/acme-maven", {**selector, "description": "x"}
    ).status
    privilege = nexus.get("/v1/security/privileges/blobstores-read")
    privilege["actions"] = ["READ", "EDIT"]
    assert nexus.call("PUT", "/v1/security/privileges/application/blobstores-read", privilege).status == 204
    role = nexus.get("/v1/security/roles/auditors")
    role["privileges"] = role["privileges"][1:]
    assert nexus.call("PUT", "/v1/security/roles/auditors", role).status == 204
    rule = nexus.get("/v1/routing-rules/no-snapshots")
    assert nexus.call("PUT", "/v1/routing-rules/no-snapshots", {**rule, "matchers": [".*"]}).status == 204
    email = nexus.get("/v1/email")
    assert nexus.call("PUT", "/v1/email", {**email, "port": 25}).status == 204
    certificate = fingerprint(certificate_der(upstream_ca_pem))  # the id Nexus gives it
    assert nexus.call("DELETE", f"/v1/security/ssl/truststore/{certificate}").status == 204
    return {
        "repo-files",
        "content-selector-acme-maven",
        "privilege-blobstores-read",
        "role-auditors",
        "routing-rule-no-snapshots",
        "email-server",
        "trusted-certificate-upstream-ca",
    }


def _pro_drift(upstream_ca_pem: str, nexus: Backend) -> set[str]:
    http = nexus.get("/v1/http")
    assert nexus.call("PUT", "/v1/http", {**http, "nonProxyHosts": ["localhost"]}).status == 204
    return drift_common(nexus, upstream_ca_pem) | {"http-settings"}


@pytest.fixture
def pro_emulator() -> Iterator[Backend]:
    emulator = NexusEmulator(
        admin_password=TEST_ADMIN_PASSWORD, edition="PRO", version="3.93.2", anonymous_enabled=False
    ).start()
    try:
        yield emulator_backend(emulator)
    finally:
        emulator.stop()


def test_the_held_out_pro_stack_on_the_emulator(
    engine_bin: Path, pro_emulator: Backend, tmp_path: Path
) -> None:
    pki = make_test_pki(tmp_path / "pki", "upstream.acme.test")
    config = stack_config("pro", {"NEXUS_URL": pro_emulator.url, "UPSTREAM_CA_PEM": pki.ca_pem})
    secrets = _pro_secrets("held-out-apt-passphrase-2b")
    cli = start_stack(tmp_path, "pro", config, secrets)
    lifecycle(cli, pro_emulator, secrets, functools.partial(_pro_drift, pki.ca_pem))


# ------------------------------------------------------------------ the real open-source core


@pytest.mark.timeout(1800)
def test_the_held_out_core_stack_on_the_real_core(
    engine_bin: Path, real_nexus_session: RealNexusSession, s3_server: S3Server, tmp_path: Path
) -> None:
    nexus = real_nexus_session.backend()
    nexus.remember()
    pki = make_test_pki(tmp_path / "pki", "upstream.acme.test")
    config = stack_config(
        "core",
        {
            "NEXUS_URL": nexus.url,
            "DATA_DIR": str(real_nexus_session.server.data_dir),
            "S3_BUCKET": s3_server.bucket,
            "S3_ENDPOINT": s3_server.endpoint,
            "S3_ACCESS_KEY_ID": s3_server.access_key_id,
            "UPSTREAM_CA_PEM": pki.ca_pem,
        },
    )
    passphrase = "held-out-core-apt-passphrase"
    key = make_signing_key(passphrase)
    secrets = Secrets(
        {
            "adminPassword": nexus.admin_password,
            "s3BlobStores.artifacts.secretAccessKey": s3_server.secret_access_key,
            "email.password": "held-out-core-smtp-pw-6a1f",
            "repositories[1].remotePassword": "held-out-core-mirror-pw-0b57",
            "repositories[3].signingKey": key.private_armoured,
            "repositories[3].signingPassphrase": passphrase,
            "access.robots[0].password": "held-out-core-robot-pw-e4c2",
        }
    )
    cli = start_stack(tmp_path, "core", config, secrets)
    try:
        lifecycle(cli, nexus, secrets, functools.partial(drift_common, upstream_ca_pem=pki.ca_pem))
    finally:
        nexus.restore()
