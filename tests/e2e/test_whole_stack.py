"""The whole program, container mode, under a real ``pulumi up`` with the real tls, docker and command
plugins, on a Docker Engine of its own with the project's images of real Nexus versions.

One stack (:mod:`tests.e2e.whole_stack`), in this order, each test building on the one before:

1. a feature the server lacks (``docker.enabled`` on the open-source core) is refused and leaves
   nothing readable without a password;
2. ``up`` from nothing on 3.41.1-01 converges: no change after ``up``, none after ``refresh``;
3. artifacts in and out through HAProxy's TLS trusting only the stack's CA; anonymous access off;
   the realms as configured (3.41 keeps its authorizing realm);
4. a Nexus stopped outside Pulumi is seen by ``preview`` and started again by ``up``;
5. a port clash and a rejected certificate fail ``up`` while the old front end keeps serving;
6. ``scripts/upgrade`` 3.41.1-01 -> 3.62.0-01 keeps the artifacts; 3.62 -> 3.71.0-06 is refused
   before anything stops; ``--force-one-way`` fails and rolls back to 3.62 with the artifacts;
7. ``scripts/rollback`` brings 3.41 back with the data it had;
8. ``destroy`` leaves no container or network, and the data directory and snapshots stay.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import PulumiResult
from tests.e2e.whole_stack import (
    ADMIN,
    JAR,
    MAVEN,
    RAW,
    StackMachine,
    WholeStack,
    assert_nothing_anonymous,
    build_images,
    download,
    holding_port,
    one_line_errors,
    server_version,
    sha256,
    sha256_file,
    stack_config,
    stack_machine,
    upload,
)

pytestmark = [pytest.mark.live, pytest.mark.timeout(3600)]

OLD, NEW, H2_ONLY = "3.41.1-01", "3.62.0-01", "3.71.0-06"
RAW_PATH = f"/repository/{RAW}/reports/before-upgrade.txt"
MAVEN_PATH = f"/repository/{MAVEN}/com/example/demo/1.0.0/demo-1.0.0.jar"
RAW_BODY = "kept across versions\n" * 100
#: A file uploaded under the new version only: a rollback to the old data must not have it.
NEW_ONLY_PATH = f"/repository/{RAW}/reports/after-upgrade.txt"


@pytest.fixture(scope="module")
def machine() -> Iterator[StackMachine]:
    with stack_machine() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def images(machine: StackMachine) -> dict[str, str]:
    return build_images(machine.engine, (OLD, NEW, H2_ONLY))


@pytest.fixture(scope="module")
def stack(
    machine: StackMachine, images: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WholeStack]:
    created = WholeStack.create(
        machine, tmp_path_factory.mktemp("whole-stack"), stack_config(machine, images, OLD)
    )
    yield created
    print("\n".join(created.log[-6:]))


# ------------------------------------------------------------------------------------------------


def test_a_feature_the_server_lacks_is_refused_and_nothing_is_readable_without_a_password(
    stack: WholeStack,
) -> None:
    stack.configure(
        docker={"enabled": True}, teams=[{"name": "platform", "releasePort": 16001, "latestPort": 16002}]
    )
    refused = stack.up(check=False)
    assert refused.returncode != 0
    assert "nexus-platform:docker.enabled" in refused.output
    one_line_errors(refused.output)
    ca = stack.ca_file()
    # HAProxy already serves the fresh Nexus: nothing may answer without a password
    assert_nothing_anonymous(stack, ca)
    stack.configure(docker={"enabled": False}, teams=[])


def test_up_from_nothing_converges(stack: WholeStack) -> None:
    stack.up()
    stack.preview("--expect-no-changes")
    stack.refresh()
    stack.preview("--expect-no-changes")
    assert stack.machine.containers() == {"nexus": "running", "haproxy": "running"}
    assert stack.outputs()["deployedVersion"] == OLD


def test_artifacts_in_and_out_through_tls_anonymous_off_realms_as_configured(stack: WholeStack) -> None:
    ca = stack.ca_file()
    upload(stack, RAW_PATH, RAW_BODY.encode(), ca)
    upload(stack, MAVEN_PATH, JAR, ca)
    assert sha256(download(stack, RAW_PATH, ca)) == sha256(RAW_BODY)
    assert sha256_file(stack, MAVEN_PATH, ca) == hashlib.sha256(JAR).hexdigest()
    assert stack.machine.status(stack.ui(RAW_PATH), ca_file=ca) == 401
    assert_nothing_anonymous(stack, ca)
    # an untrusted client is refused at the TLS handshake
    assert stack.machine.status(stack.ui("/"), ca_file=None) == 0
    realms = stack.machine.curl(stack.ui("/service/rest/v1/security/realms/active"), "-u", ADMIN, ca_file=ca)
    # 3.41 has a separate local authorizing realm: dropping it would lock the admin out
    assert json.loads(realms.stdout) == ["NexusAuthenticatingRealm", "NexusAuthorizingRealm"]
    assert server_version(stack, ca) == OLD


def test_a_nexus_stopped_outside_pulumi_is_seen_and_started_again(stack: WholeStack) -> None:
    ca = stack.ca_file()
    stack.machine.docker("stop", "-t", "120", "nexus")
    # HAProxy answers 503 once its health check marks Nexus down (nothing, for a moment, before)
    assert stack.machine.status(stack.ui("/service/rest/v1/status"), ca_file=ca) in (0, 502, 503, 504)
    seen = stack.preview("--expect-no-changes", check=False)
    assert seen.returncode != 0 and "nexus-running" in seen.output, seen.output[-3000:]
    assert "stopped outside Pulumi" in seen.output
    # a refresh cannot read a stopped Nexus: it fails saying where to look and what starts it
    refreshed = stack.refresh(check=False)
    assert refreshed.returncode != 0 and "is it running?" in refreshed.output, refreshed.output[-3000:]
    one_line_errors(refreshed.output)
    stack.up()
    assert stack.machine.containers()["nexus"] == "running"
    assert sha256(download(stack, RAW_PATH, ca)) == sha256(RAW_BODY)
    stack.preview("--expect-no-changes")


def assert_refused_while_the_old_front_end_serves(
    stack: WholeStack, failed: PulumiResult, message: str, haproxy_before: str
) -> None:
    assert failed.returncode != 0
    assert message in failed.output, failed.output[-3000:]
    one_line_errors(failed.output)
    assert stack.machine.container_id("haproxy") == haproxy_before
    assert sha256(download(stack, RAW_PATH, stack.ca_file())) == sha256(RAW_BODY)


def test_a_port_clash_fails_up_and_the_old_front_end_keeps_serving(stack: WholeStack) -> None:
    before = stack.machine.container_id("haproxy")
    with holding_port(stack.machine, 8088):
        stack.configure(haproxy={"httpPort": 8088})
        clash = stack.up(check=False)
        message = "port 8088 (haproxy.httpPort) is in use on the Docker host"
        assert_refused_while_the_old_front_end_serves(stack, clash, message, before)
    stack.configure(haproxy={"httpPort": 80})
    stack.up()
    stack.preview("--expect-no-changes")


def test_a_rejected_certificate_fails_up_and_the_old_container_stays(
    stack: WholeStack, tmp_path: Path
) -> None:
    before = stack.machine.container_id("haproxy")
    # a certificate whose key does not match it: HAProxy refuses to load the pair
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-subj", "/CN=nexus.example.test", "-days", "30", "-keyout", str(tmp_path / "a.key"),
         "-out", str(tmp_path / "a.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-out", str(tmp_path / "b.key")],
        check=True, capture_output=True,
    )  # fmt: skip
    stack.configure(
        certificate={
            "certificatePem": (tmp_path / "a.crt").read_text(),
            "privateKeyPem": (tmp_path / "b.key").read_text(),
            "caPem": (tmp_path / "a.crt").read_text(),
        }
    )
    rejected = stack.up(check=False)
    message = "the running haproxy container is unchanged"
    assert_refused_while_the_old_front_end_serves(stack, rejected, message, before)
    del stack.config["certificate"]
    stack.write_config()
    stack.up()
    stack.preview("--expect-no-changes")


def test_upgrade_keeps_the_artifacts(stack: WholeStack) -> None:
    upgraded = stack.script("upgrade", NEW, "--yes")
    assert upgraded.returncode == 0, stack.log[-1]
    ca = stack.ca_file()
    assert server_version(stack, ca) == NEW
    assert sha256(download(stack, RAW_PATH, ca)) == sha256(RAW_BODY)
    assert sha256_file(stack, MAVEN_PATH, ca) == hashlib.sha256(JAR).hexdigest()
    assert stack.pinned_version() == NEW
    snapshot = stack.outputs()["lastSnapshot"]
    assert snapshot["version"] == OLD, snapshot
    stack.preview("--expect-no-changes")
    upload(stack, NEW_ONLY_PATH, b"written by 3.62\n", ca)


def test_a_one_way_door_is_refused_before_anything_stops(stack: WholeStack) -> None:
    container = stack.machine.docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", "nexus").stdout
    refused = stack.script("upgrade", H2_ONLY, "--yes")
    assert refused.returncode == 2, stack.log[-1]
    assert "OrientDB" in refused.stdout + refused.stderr
    assert stack.machine.docker("inspect", "-f", "{{.Id}} {{.State.StartedAt}}", "nexus").stdout == container
    assert stack.pinned_version() == NEW


def test_a_forced_one_way_upgrade_fails_and_rolls_back(stack: WholeStack) -> None:
    forced = stack.script("upgrade", H2_ONLY, "--yes", "--force-one-way")
    assert forced.returncode == 1, stack.log[-1]
    ca = stack.ca_file()
    assert server_version(stack, ca) == NEW
    assert sha256(download(stack, RAW_PATH, ca)) == sha256(RAW_BODY)
    assert stack.pinned_version() == NEW
    stack.preview("--expect-no-changes")


def test_rollback_brings_the_old_version_back_with_its_data(stack: WholeStack) -> None:
    rolled = stack.script("rollback", "--yes")
    assert rolled.returncode == 0, stack.log[-1]
    ca = stack.ca_file()
    assert server_version(stack, ca) == OLD
    assert sha256(download(stack, RAW_PATH, ca)) == sha256(RAW_BODY)
    # the data is the snapshot taken before the upgrade: what 3.62 wrote is not there
    assert stack.machine.status(stack.ui(NEW_ONLY_PATH), "-u", ADMIN, ca_file=ca) == 404
    assert stack.pinned_version() == OLD
    stack.preview("--expect-no-changes")


def test_destroy_leaves_no_container_or_network_and_keeps_the_data(stack: WholeStack) -> None:
    stack.destroy()
    assert stack.machine.containers() == {}
    assert stack.machine.networks() == set()
    data = Path(stack.config["nexus"]["dataDir"])
    assert (data / "db").is_dir() or (data / "etc").is_dir()
    assert any(Path(stack.config["nexus"]["backupDir"]).iterdir())
