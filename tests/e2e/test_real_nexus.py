"""The real engine against the real Nexus core: a Maven/raw-only stack from takeover to destroy.

Existing-Nexus mode (``nexus.manageServer: false``), ``docker.enabled: false`` and
``nexus.manageTasks: false`` (the core has no Docker format and cannot create tasks over REST):
Maven and raw repositories with their blob stores (one of them an S3 blob store on the suite's real
SeaweedFS) and a robot. In order, on one shared real Nexus whose admin account is put back in its
first-start state (a generated ``admin.password``):

1. the same stack with a Docker team is refused by the first run with one line naming the key and
   the server, before anything is written;
2. ``up`` takes the admin account over and creates everything; an upload to the raw repository on
   the S3 store lands in the bucket; the second preview has no change (the secret Nexus reads back
   as a placeholder is none);
3. drift made over REST is seen by ``refresh`` and repaired by ``up``;
4. ``destroy`` removes what ``up`` made.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from tests.e2e.conftest import PulumiCli, copy_project, steps_by_op
from tests.real_nexus.backend import Backend
from tests.real_nexus.fixtures import RealNexusSession
from tests.s3_server import TEXT, S3Server, text_payload

# Five engine runs on one real server: minutes each on a loaded 2-core machine.
pytestmark = [pytest.mark.real_nexus, pytest.mark.timeout(1800)]

NS = "nexus-platform"
STACK = "core"
ADMIN_PASSWORD = "e2e-core-admin-pw"
ROBOT_PASSWORD = "e2e-core-robot-pw"
MAVEN = "maven-e2e-releases"
RAW = "raw-e2e-files"
PROXY = "raw-e2e-upstream"
GROUP = "raw-e2e-all"
STORE = "maven-e2e"
S3_STORE = "e2es3"
S3_RAW = "raw-e2e-on-s3"
ROBOT = "ci-maven"


def stack_config(
    url: str, data_dir: str, s3: S3Server, *, teams: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    config: dict[str, Any] = {
        f"{NS}:domain": "core.e2e.test",
        f"{NS}:nexus": {
            "version": "3.71.0-06",
            "manageServer": False,
            "url": url,
            "dataDir": data_dir,
            "manageTasks": False,
        },
        f"{NS}:docker": {"enabled": teams is not None},
        f"{NS}:repositories": [
            {
                "name": MAVEN,
                "format": "maven2",
                "type": "hosted",
                "blobStore": STORE,
                "deletionProtection": False,
            },
            {"name": RAW, "format": "raw", "type": "hosted", "deletionProtection": False},
            {"name": PROXY, "format": "raw", "type": "proxy", "remoteUrl": "https://example.invalid/files"},
            {"name": GROUP, "format": "raw", "type": "group", "members": [RAW, PROXY]},
            {
                "name": S3_RAW,
                "format": "raw",
                "type": "hosted",
                "blobStore": S3_STORE,
                "deletionProtection": False,
            },
        ],
        f"{NS}:s3BlobStores": {
            S3_STORE: {
                "bucket": s3.bucket,
                "prefix": "e2e-core",
                "endpoint": s3.endpoint,
                "forcePathStyle": True,
                "accessKeyId": s3.access_key_id,
            }
        },
        f"{NS}:access": {"robots": [{"userId": ROBOT, "roles": ["nx-anonymous"]}]},
    }
    if teams is not None:
        config[f"{NS}:teams"] = teams
    return config


def stack(project: Path, work: Path, config: dict[str, Any], name: str, s3: S3Server) -> PulumiCli:
    (project / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    cli = PulumiCli(project, work / name)
    cli.stack_init(name)
    cli.config_set(f"{NS}:adminPassword", ADMIN_PASSWORD, secret=True)
    cli.config_set(f"{NS}:access.robots[0].password", ROBOT_PASSWORD, secret=True, path=True)
    cli.config_set(
        f"{NS}:s3BlobStores.{S3_STORE}.secretAccessKey", s3.secret_access_key, secret=True, path=True
    )
    return cli


def logs_in(session: RealNexusSession, user: str, password: str) -> bool:
    """The credentials are accepted (401 is a refusal; 403 only means the user may not read this)."""
    answer = requests.get(f"{session.server.api_url}/v1/status/check", auth=(user, password), timeout=30)
    return answer.status_code != 401


def test_a_maven_and_raw_stack_on_the_real_core(
    engine_bin: Path, real_nexus_session: RealNexusSession, s3_server: S3Server, tmp_path: Path
) -> None:
    session = real_nexus_session
    backend: Backend = session.backend()
    backend.remember()
    generated = session.make_admin_fresh()
    project = copy_project(tmp_path / "project")
    url, data_dir = backend.url, str(session.server.data_dir)
    try:
        # 1. Docker teams on the core: refused before any write but one, naming the key and the
        #    server: anonymous access off, since HAProxy would serve the fresh server (issue 30).
        backend.clear_log()
        docker = stack(
            project,
            tmp_path,
            stack_config(
                url, data_dir, s3_server, teams=[{"name": "alpha", "releasePort": 16001, "latestPort": 16002}]
            ),
            "docker",
            s3_server,
        )
        failed = docker.up(check=False)
        assert failed.returncode != 0
        assert (
            "nexus-platform:docker.enabled needs the Docker format, which Nexus/3.71.0-06 (OSS) does not have"
            in failed.output
        )
        assert "Anonymous access " in failed.output
        writes = [(r.method, r.path) for r in backend.requests() if r.write]
        assert writes in ([], [("PUT", "/service/rest/v1/security/anonymous")])
        assert (
            dataclasses.replace(backend, admin_password=generated).get("/v1/security/anonymous")["enabled"]
            is False
        )
        assert session.server.password_file.read_text() == generated  # not even the password changed

        # 2. up takes the admin account over and creates everything; nothing left to change.
        cli = stack(project, tmp_path, stack_config(url, data_dir, s3_server), STACK, s3_server)
        cli.up()
        nexus = dataclasses.replace(backend, admin_password=ADMIN_PASSWORD)  # the admin's password now
        assert logs_in(session, "admin", ADMIN_PASSWORD) and not logs_in(session, "admin", generated)
        assert not session.server.password_file.exists()
        assert logs_in(session, ROBOT, ROBOT_PASSWORD)
        names = {r["name"] for r in nexus.get("/v1/repositories")}
        assert {MAVEN, RAW, PROXY, GROUP} <= names
        assert nexus.get(f"/v1/repositories/maven/hosted/{MAVEN}")["storage"]["blobStoreName"] == STORE
        assert nexus.get(f"/v1/repositories/raw/group/{GROUP}")["group"]["memberNames"] == [RAW, PROXY]
        assert nexus.get("/v1/security/realms/active") == ["NexusAuthenticatingRealm"]
        assert nexus.get("/v1/security/anonymous")["enabled"] is False
        outputs = cli.stack_outputs()
        assert outputs["nexusEdition"] == "OSS"
        # the S3 store and the repository on it: an upload's bytes are in the bucket, not on the host
        s3_store = nexus.get(f"/v1/blobstores/s3/{S3_STORE}")["bucketConfiguration"]
        assert s3_store["bucket"] == {
            "region": "us-east-1",
            "name": s3_server.bucket,
            "prefix": "e2e-core",
            "expiration": 3,
        }
        assert nexus.get(f"/v1/repositories/raw/hosted/{S3_RAW}")["storage"]["blobStoreName"] == S3_STORE
        content = text_payload(200 * 1024)
        upload = f"{session.server.url}/repository/{S3_RAW}/builds/artifact.txt"
        auth = ("admin", ADMIN_PASSWORD)
        assert requests.put(upload, data=content, auth=auth, headers=TEXT, timeout=120).status_code == 201
        assert requests.get(upload, auth=auth, timeout=120).content == content
        assert len(content) in s3_server.objects("e2e-core/content").values()
        nexus.clear_log()
        cli.preview("--expect-no-changes")
        assert nexus.count_writes() == 0

        # 3. drift over REST: seen by refresh, repaired by up.
        maven = nexus.get(f"/v1/repositories/maven/hosted/{MAVEN}")
        maven["storage"]["writePolicy"] = "ALLOW"
        assert nexus.call("PUT", f"/v1/repositories/maven/hosted/{MAVEN}", maven).status == 204
        assert (
            nexus.call(
                "PUT", "/v1/security/anonymous", {**nexus.get("/v1/security/anonymous"), "enabled": True}
            ).status
            == 200
        )
        cli.refresh()
        updates = steps_by_op(cli.preview_json()).get("update", [])
        assert sorted(urn.rsplit("::", 1)[1] for urn in updates) == ["anonymous-access", f"repo-{MAVEN}"]
        cli.up()
        assert nexus.get(f"/v1/repositories/maven/hosted/{MAVEN}")["storage"]["writePolicy"] == "ALLOW_ONCE"
        assert nexus.get("/v1/security/anonymous")["enabled"] is False
        cli.preview("--expect-no-changes")

        # 4. destroy removes what up made.
        cli.destroy()
        names = {r["name"] for r in nexus.get("/v1/repositories")}
        assert not {MAVEN, RAW, PROXY, GROUP, S3_RAW} & names
        assert not {STORE, S3_STORE} & {b["name"] for b in nexus.get("/v1/blobstores")}
        assert ROBOT not in {u["userId"] for u in nexus.get("/v1/security/users")}
    finally:
        if logs_in(session, "admin", ADMIN_PASSWORD):
            session.set_admin_password(ADMIN_PASSWORD)
        elif session.server.password_file.exists():
            session.set_admin_password(session.server.password_file.read_text())
        backend.restore()
