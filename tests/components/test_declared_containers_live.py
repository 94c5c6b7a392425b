"""The Nexus and HAProxy containers the components declare, running for real, and TLS end to end.

The containers are those registered under Pulumi mocks by ``NexusServer`` and ``Haproxy``,
translated by :mod:`tests.components.declared_containers` and started on a real Docker Engine with
the project's images (``scripts/build-images``): see :mod:`tests.live_stack`. What differs from a
user's host is listed there (host side of the ports, 127.0.0.1, the engine's open-file cap) and in
the session notes printed at the end.

The image is Sonatype's open-source core, which has no Docker format: the Docker-port frontends are
checked up to HAProxy (TLS, routing to the declared connector port, where no connector listens).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest
import requests

from components.haproxy import CONTAINER_CERTIFICATE_PATH, CONTAINER_CONFIG_PATH, CONTAINER_HAPROXY_UID
from components.haproxy_config import DEFAULT_BLOCKED_PATHS, STATS_PASSWORD_ENV
from components.nexus_server import DATA_MOUNT, NEXUS_UID
from settings import DEFAULT_NOFILE_LIMIT as NOFILE_LIMIT
from settings import NEXUS_UI_PORT
from tests.live_stack import UI_HOST, LiveStack

pytestmark = [pytest.mark.live, pytest.mark.timeout(1800)]

MAVEN_PATH = "com/example/demo/1.0.0/demo-1.0.0.jar"


def exec_in(stack: LiveStack, container: str, *argv: str) -> str:
    return stack.engine.docker("exec", container, *argv).stdout


def cmdline(stack: LiveStack, container: str) -> list[str]:
    raw = exec_in(stack, container, "cat", "/proc/1/cmdline")
    return [arg for arg in raw.split("\0") if arg]


def curl(
    stack: LiveStack, port: int, path: str, *extra: str, scheme: str = "https"
) -> subprocess.CompletedProcess[str]:
    return stack.curl(port, path, *extra, scheme=scheme)


def status_and_headers(
    stack: LiveStack, port: int, path: str, *extra: str, scheme: str = "https"
) -> tuple[int, str]:
    done = curl(stack, port, path, "-o", "/dev/null", "-D", "-", *extra, scheme=scheme)
    assert done.returncode == 0, done.stderr
    status = int(done.stdout.split("\r\n", 1)[0].split()[1])
    return status, done.stdout.lower()


# ---------------------------------------------------------------- the nexus container


def test_nexus_runs_as_uid_200_with_java_as_pid_1_and_the_declared_heap(live_stack: LiveStack) -> None:
    declared = live_stack.declared("nexus-container")
    assert exec_in(live_stack, "nexus", "id", "-u").strip() == str(NEXUS_UID)
    argv = cmdline(live_stack, "nexus")
    assert Path(argv[0]).name == "java", argv[:3]  # PID 1: docker stop's SIGTERM reaches Nexus itself
    (vm_params,) = [
        e.split("=", 1)[1] for e in declared.inputs["envs"] if e.startswith("INSTALL4J_ADD_VM_PARAMS=")
    ]
    heap = live_stack.settings.nexus.heap
    assert f"-Xmx{heap}" in vm_params.split()
    # the JVM takes the last occurrence: the declared variable wins over the launcher's defaults
    assert [a for a in argv if a.startswith("-Xmx")][-1] == f"-Xmx{heap}"
    assert [a for a in argv if a.startswith("-XX:MaxDirectMemorySize=")][-1].endswith(
        live_stack.settings.nexus.max_direct_memory
    )
    assert f"-Dkaraf.data={DATA_MOUNT}" in argv


def test_nexus_writes_its_data_into_the_declared_host_directory_as_uid_200(live_stack: LiveStack) -> None:
    data = live_stack.data
    for name in ("db", "blobs", "etc", "log", "keystores"):
        assert (data / name).is_dir(), sorted(p.name for p in data.iterdir())
    assert (data / "db").stat().st_uid == NEXUS_UID
    assert (data / "log" / "nexus.log").stat().st_uid == NEXUS_UID
    assert "Started Sonatype Nexus" in (data / "log" / "nexus.log").read_text(errors="replace")


def test_nexus_limits_restart_and_ports_are_the_declared_ones(live_stack: LiveStack) -> None:
    declared = live_stack.declared("nexus-container")
    limits = exec_in(live_stack, "nexus", "cat", "/proc/1/limits")
    (line,) = [row for row in limits.splitlines() if row.startswith("Max open files")]
    soft = int(line.split()[3])
    expected = min(NOFILE_LIMIT, live_stack.options().nofile_cap or NOFILE_LIMIT)
    assert soft == expected, (line, live_stack.notes)
    inspect = live_stack.engine.docker(
        "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}} {{.Config.StopTimeout}}", "nexus"
    ).stdout.split()
    assert inspect == [declared.inputs["restart"], str(int(declared.inputs["stopTimeout"]))]
    # the UI port, published on 127.0.0.1: Nexus answers there with its version
    answer = requests.get(f"{live_stack.nexus_url}/service/rest/v1/status", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["Server"].startswith(f"Nexus/{live_stack.settings.nexus.version}")
    assert {int(p["internal"]) for p in declared.inputs["ports"]} >= {NEXUS_UI_PORT}


@pytest.mark.parametrize("resource_name", ["nexus-container", "haproxy-container"])
def test_the_declared_healthcheck_turns_healthy_within_the_declared_wait(
    live_stack: LiveStack, resource_name: str
) -> None:
    """`up` waits for it (`wait`, `waitTimeout`): the check must work in the image as declared."""
    assert live_stack.wait_healthy(resource_name) >= 0


# ---------------------------------------------------------------- the haproxy container


def test_haproxy_master_runs_as_root_its_workers_as_uid_99_and_the_pem_is_roots_alone(
    live_stack: LiveStack,
) -> None:
    declared = live_stack.declared("haproxy-container")
    argv = cmdline(live_stack, "haproxy")
    assert argv[:3] == ["haproxy", "-W", "-db"], argv
    # PID 1 is the master (root: it binds 80/443 and reads the PEM); every worker runs as haproxy
    assert exec_in(live_stack, "haproxy", "stat", "-c", "%u", "/proc/1").strip() == "0"
    children = (
        "for s in /proc/[0-9]*/status; do grep -q '^PPid:[[:space:]]*1$' $s && grep '^Uid:' $s; done; true"
    )
    worker_uids = {
        line.split()[1] for line in exec_in(live_stack, "haproxy", "sh", "-c", children).splitlines()
    }
    assert worker_uids == {CONTAINER_HAPROXY_UID}, worker_uids
    owners = exec_in(
        live_stack, "haproxy", "stat", "-c", "%n %u %a", CONTAINER_CONFIG_PATH, CONTAINER_CERTIFICATE_PATH
    ).splitlines()
    assert owners == [f"{CONTAINER_CONFIG_PATH} 0 644", f"{CONTAINER_CERTIFICATE_PATH} 0 600"]
    # the serving user cannot read the private key
    as_worker = live_stack.engine.docker(
        "exec", "--user", CONTAINER_HAPROXY_UID, "haproxy", "cat", CONTAINER_CERTIFICATE_PATH, check=False
    )
    assert as_worker.returncode != 0 and "Permission denied" in as_worker.stderr
    uploaded = {u["file"]: u["content"] for u in declared.inputs["uploads"]}
    assert exec_in(live_stack, "haproxy", "cat", CONTAINER_CONFIG_PATH) == uploaded[CONTAINER_CONFIG_PATH]
    # the runbook's check, in the container, with the declared environment
    check = live_stack.engine.docker(
        "exec", "haproxy", "haproxy", "-c", "-f", CONTAINER_CONFIG_PATH, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert any(e.startswith(f"{STATS_PASSWORD_ENV}=") for e in declared.inputs["envs"])


# ---------------------------------------------------------------- TLS end to end


def test_maven_artifact_and_raw_file_round_trip_over_https_trusting_only_the_stack_ca(
    live_stack: LiveStack, tmp_path: Path
) -> None:
    auth = ("admin", live_stack.admin_password)
    created = curl(
        live_stack, 443, "/service/rest/v1/repositories/raw/hosted", "-u", ":".join(auth),
        "-H", "Content-Type: application/json", "-w", "%{http_code}", "-o", "/dev/null",
        "--data", '{"name":"tls-files","online":true,"storage":{"blobStoreName":"default",'
        '"strictContentTypeValidation":false,"writePolicy":"ALLOW"}}',
    )  # fmt: skip
    assert created.stdout in ("201", "400"), created  # 400: it exists already (a rerun)
    for repository, path in (("maven-releases", MAVEN_PATH), ("tls-files", "dir/payload.bin")):
        payload = tmp_path / Path(path).name
        payload.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
        put = curl(live_stack, 443, f"/repository/{repository}/{path}", "-u", ":".join(auth),
                   "-T", str(payload), "-w", "%{http_code}", "-o", "/dev/null")  # fmt: skip
        assert put.returncode == 0 and put.stdout == "201", put
        back = tmp_path / f"{payload.name}.back"
        got = curl(live_stack, 443, f"/repository/{repository}/{path}", "-u", ":".join(auth),
                   "-o", str(back), "-w", "%{http_code}")  # fmt: skip
        assert got.stdout == "200", got
        assert (
            hashlib.sha256(back.read_bytes()).hexdigest() == hashlib.sha256(payload.read_bytes()).hexdigest()
        )
    # and nothing else is trusted: without the CA the handshake fails
    untrusted = subprocess.run(
        ["curl", "-sS", "--resolve", f"{UI_HOST}:{live_stack.ports[443]}:127.0.0.1",
         live_stack.url(443, "/service/rest/v1/status")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert untrusted.returncode == 60, untrusted  # CURLE_PEER_FAILED_VERIFICATION


def test_http_redirects_https_has_hsts_and_blocked_admin_paths_answer_403(live_stack: LiveStack) -> None:
    status, headers = status_and_headers(live_stack, 80, "/repository/maven-releases/x", scheme="http")
    assert status == 301
    assert f"location: https://{UI_HOST}/repository/maven-releases/x" in headers
    status, headers = status_and_headers(live_stack, 443, "/service/rest/v1/status")
    assert status == 200 and "strict-transport-security: max-age=" in headers
    assert "server: nexus/" in headers
    for path in DEFAULT_BLOCKED_PATHS:
        blocked, _ = status_and_headers(live_stack, 443, path, "-u", f"admin:{live_stack.admin_password}")
        assert blocked == 403, path
        # the same path straight from Nexus is not refused: HAProxy is what blocks it
        direct = requests.get(
            f"{live_stack.nexus_url}{path}", auth=("admin", live_stack.admin_password), timeout=30
        )
        assert direct.status_code != 403, (path, direct.status_code)


def test_docker_port_frontends_answer_over_tls(live_stack: LiveStack) -> None:
    """Each Docker port terminates TLS and routes to its declared connector port on nexus.

    Nexus core has no Docker format, so nothing listens on the connector ports: HAProxy answers
    503 (no server available). Routing, certificate and HSTS-free Docker frontends are what is
    checked here; a registry behind them is covered by the registry smoke test.
    """
    docker_ports = [p for p in live_stack.ports if 16000 <= p < 17000]
    assert sorted(docker_ports) == [16000, 16001, 16002]
    for port in docker_ports:
        status, headers = status_and_headers(live_stack, port, "/v2/")
        assert status == 503, (port, headers)
        assert "docker-distribution-api-version" not in headers  # HAProxy's answer, not a registry's
