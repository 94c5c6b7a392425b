"""Live smoke test of the registry path: a real client, through the rendered HAProxy, to a registry.

Nexus cannot run here, so Debian's ``docker-registry`` (the CNCF distribution registry, htpasswd
auth) stands in for one Nexus Docker connector. The project's HAProxy config is rendered for one
:class:`DockerConnector` whose backend is that registry and run on loopback high ports with a test
CA + ``*.example.test`` certificate. ``skopeo`` (Debian) then logs in, pushes a locally built OCI
image of several MB and pulls it back, trusting only the test CA.

Name resolution: ``registry.example.test`` must reach 127.0.0.1 without touching ``/etc/hosts``
(root-only, machine-wide). skopeo is pointed at a small CONNECT proxy (``HTTPS_PROXY``) that maps
that one name to 127.0.0.1; the proxy only relays bytes, so TLS (SNI, certificate check) and the
``Host`` header are exactly those of a client resolving the name itself.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import ssl
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.haproxy_config import (
    STATS_PASSWORD_ENV,
    DockerConnector,
    HaproxySpec,
    render_haproxy_config,
)
from tests.components.haproxy_helpers import TestPki, free_ports, make_test_pki, require_haproxy
from tests.components.registry_smoke_helpers import (
    ConnectProxy,
    OciImage,
    blob_path,
    build_oci_image,
    read_oci_manifest,
)
from tests.eventually import eventually
from tests.layers import unavailable

pytestmark = pytest.mark.live

DOMAIN = "example.test"
REGISTRY_HOST = f"registry.{DOMAIN}"
REPOSITORY = "docker-hosted"
IMAGE = "team/app"
TAG = "1.0"
USER = "ci-pusher"
LAYER_SIZES = (6 * 1024 * 1024, 256 * 1024)  # several MB in total, two blobs
STARTUP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 10.0
SKOPEO_TIMEOUT = 180.0
# What skopeo reports for a 401 at login and during a push.
UNAUTHORIZED = re.compile(r"invalid username/password|unauthorized: authentication required")


def _require(name: str) -> str:
    binary = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        unavailable(f"{name} is not installed (run scripts/install-system-deps as root)")
    return binary


@dataclass(frozen=True)
class Stack:
    tmp: Path
    pki: TestPki
    spec: HaproxySpec
    port: int  # the public Docker port on HAProxy
    registry_port: int
    storage: Path
    password: str
    proxy: ConnectProxy
    skopeo_binary: str
    haproxy_log: Path
    registry_log: Path

    @property
    def authority(self) -> str:
        return f"{REGISTRY_HOST}:{self.port}"

    @property
    def ca_dir(self) -> Path:
        """A cert dir holding only the test CA (what `--cert-dir` / certs.d would hold)."""
        return self.tmp / "certs.d" / self.authority

    @property
    def empty_cert_dir(self) -> Path:
        return self.tmp / "no-certs"

    def skopeo(
        self, *args: str, stdin: str | None = None, system_trust: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """Run skopeo isolated from the machine: own HOME, auth file, policy and registries.conf.

        By default the system trust store is emptied (SSL_CERT_FILE/SSL_CERT_DIR), so the only
        trusted root is what `--cert-dir` adds. ``system_trust=True`` keeps the machine's roots.
        """
        home = self.tmp / "skopeo-home"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "XDG_RUNTIME_DIR": str(home / "run"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "DOCKER_CONFIG": str(home / "docker"),
            "TMPDIR": str(home / "tmp"),
            "CONTAINERS_REGISTRIES_CONF": str(self.tmp / "registries.conf"),
            "HTTPS_PROXY": self.proxy.url,
            "https_proxy": self.proxy.url,
            "NO_PROXY": "",
            "no_proxy": "",
        }
        if not system_trust:
            env["SSL_CERT_FILE"] = str(self.tmp / "empty-trust.pem")
            env["SSL_CERT_DIR"] = str(self.empty_cert_dir)
        return subprocess.run(
            [self.skopeo_binary, "--policy", str(self.tmp / "policy.json"), *args],
            input=stdin,
            env=env,
            capture_output=True,
            text=True,
            timeout=SKOPEO_TIMEOUT,
            check=False,
        )

    def https(
        self, method: str, path: str, user: str | None = None, password: str | None = None
    ) -> http.client.HTTPResponse:
        """One request to the public Docker port by name, through the proxy, verified against the CA."""
        context = ssl.create_default_context(cafile=str(self.pki.ca_file))
        proxy_host, proxy_port = self.proxy.url.removeprefix("http://").rsplit(":", 1)
        connection = http.client.HTTPSConnection(
            proxy_host, int(proxy_port), timeout=REQUEST_TIMEOUT, context=context
        )
        connection.set_tunnel(REGISTRY_HOST, self.port)
        headers = {"Content-Length": "0"} if method in ("POST", "PUT") else {}
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            response.read()
            return response
        finally:
            connection.close()


def _write_registry_files(tmp: Path, port: int, password: str) -> Path:
    htpasswd = _require("htpasswd")
    result = subprocess.run(
        [htpasswd, "-Bbn", USER, password], capture_output=True, text=True, timeout=60, check=True
    )
    (tmp / "htpasswd").write_text(result.stdout.strip() + "\n")
    storage = tmp / "registry-storage"
    storage.mkdir()
    # JSON is YAML: no YAML library needed.
    config = {
        "version": "0.1",
        "log": {"level": "info", "formatter": "text"},
        "storage": {"filesystem": {"rootdirectory": str(storage)}, "delete": {"enabled": True}},
        "http": {"addr": f"127.0.0.1:{port}", "secret": secrets.token_hex(16)},
        "auth": {"htpasswd": {"realm": "nexus-platform-smoke", "path": str(tmp / "htpasswd")}},
    }
    path = tmp / "registry.yml"
    path.write_text(json.dumps(config, indent=2))
    return path


def _wait_for(what: str, probe: Callable[[], bool], process: subprocess.Popen[bytes], log: Path) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        return probe()

    eventually(
        ready,
        timeout=STARTUP_TIMEOUT,
        ignore=(OSError, http.client.HTTPException),
        message=lambda last: (
            f"{what} not ready after {STARTUP_TIMEOUT}s (last: {last!r}):\n{log.read_text()}"
        ),
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def _started(command: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        yield process
    finally:
        _stop(process)


def _plain_status(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    haproxy = require_haproxy()
    registry = _require("docker-registry")
    skopeo = _require("skopeo")
    tmp = tmp_path_factory.mktemp("registry-smoke")
    pki = make_test_pki(tmp / "pki", domain=DOMAIN)
    bundle = tmp / "nexus.pem"
    bundle.write_text(pki.bundle)
    bundle.chmod(0o600)

    registry_port, port, http_port, https_port, stats_port, ui_port = free_ports(6)
    password = secrets.token_urlsafe(18)
    registry_config = _write_registry_files(tmp, registry_port, password)

    spec = HaproxySpec(
        domain=DOMAIN,
        ui_host=f"nexus.{DOMAIN}",
        nexus_address="127.0.0.1",
        certificate_path=str(bundle),
        connectors=(DockerConnector(REPOSITORY, port, registry_port),),
        mode="container",  # logs to stdout, no chroot or user switch: runs as the current user
        ui_port=ui_port,  # nothing listens there: the UI backend is simply down
        http_port=http_port,
        https_port=https_port,
        bind_address="127.0.0.1",
        stats_port=stats_port,
        check_interval="1s",
    )
    config = tmp / "haproxy.cfg"
    config.write_text(render_haproxy_config(spec))

    # skopeo isolation files.
    (tmp / "policy.json").write_text(json.dumps({"default": [{"type": "insecureAcceptAnything"}]}))
    (tmp / "registries.conf").write_text("")
    (tmp / "empty-trust.pem").write_text("")
    (tmp / "no-certs").mkdir()
    for sub in ("run", "config", "docker", "tmp"):
        (tmp / "skopeo-home" / sub).mkdir(parents=True)
    (tmp / "skopeo-home" / "run").chmod(0o700)
    ca_dir = tmp / "certs.d" / f"{REGISTRY_HOST}:{port}"
    ca_dir.mkdir(parents=True)
    shutil.copyfile(pki.ca_file, ca_dir / "ca.crt")

    registry_log = tmp / "registry.log"
    haproxy_log = tmp / "haproxy.log"
    proxy = ConnectProxy({REGISTRY_HOST: "127.0.0.1"})
    with (
        _started(
            [registry, "serve", str(registry_config)], registry_log, dict(os.environ)
        ) as registry_process,
        _started(
            [haproxy, "-db", "-f", str(config)],
            haproxy_log,
            {**os.environ, STATS_PASSWORD_ENV: secrets.token_urlsafe(12)},
        ) as haproxy_process,
        proxy.running(),
    ):
        _wait_for(
            "docker-registry",
            lambda: _plain_status(registry_port, "/v2/") == 401,
            registry_process,
            registry_log,
        )
        live = Stack(
            tmp, pki, spec, port, registry_port, tmp / "registry-storage", password, proxy, skopeo,
            haproxy_log, registry_log,
        )  # fmt: skip
        # 401 through HAProxy = TLS up and the backend health check passed (503 before that).
        _wait_for("haproxy", lambda: live.https("GET", "/v2/").status == 401, haproxy_process, haproxy_log)
        yield live


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> OciImage:
    return build_oci_image(tmp_path_factory.mktemp("oci") / "image", TAG, LAYER_SIZES, seed=6)


def _output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"


# ------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------


def test_registry_answers_through_haproxy_with_public_https_upload_urls(stack: Stack) -> None:
    """The registry builds upload URLs from Host + X-Forwarded-Proto: they must point at HAProxy."""
    anonymous = stack.https("GET", "/v2/")
    assert anonymous.status == 401
    assert anonymous.getheader("WWW-Authenticate", "").startswith("Basic realm=")
    assert stack.https("GET", "/v2/", USER, stack.password).status == 200

    upload = stack.https("POST", f"/v2/{IMAGE}/blobs/uploads/", USER, stack.password)
    assert upload.status == 202
    location = upload.getheader("Location", "")
    assert location.startswith(f"https://{stack.authority}/v2/{IMAGE}/blobs/uploads/"), location
    path = location.removeprefix(f"https://{stack.authority}")
    assert stack.https("DELETE", path, USER, stack.password).status == 204


def test_skopeo_logs_in_pushes_and_pulls_back_through_haproxy(stack: Stack, image: OciImage) -> None:
    authfile = stack.tmp / "auth.json"
    destination = f"docker://{stack.authority}/{IMAGE}:{TAG}"

    login = stack.skopeo(
        "login", "--authfile", str(authfile), "--cert-dir", str(stack.ca_dir),
        "--username", USER, "--password-stdin", stack.authority,
        stdin=stack.password + "\n",
    )  # fmt: skip
    assert login.returncode == 0, _output(login)
    assert "Login Succeeded" in login.stdout
    assert stack.authority in json.loads(authfile.read_text())["auths"]

    push = stack.skopeo(
        "copy", "--preserve-digests", "--dest-authfile", str(authfile), "--dest-cert-dir", str(stack.ca_dir),
        image.reference, destination,
    )  # fmt: skip
    assert push.returncode == 0, _output(push)

    # The blobs reached the registry's storage byte for byte.
    for digest in (*image.layer_digests, image.config_digest):
        stored = stack.storage / "docker/registry/v2/blobs/sha256" / digest[7:9] / digest[7:] / "data"
        assert stored.read_bytes() == image.blob(digest).read_bytes(), digest

    pulled = stack.tmp / "pulled"
    pull = stack.skopeo(
        "copy", "--preserve-digests", "--src-authfile", str(authfile), "--src-cert-dir", str(stack.ca_dir),
        destination, f"oci:{pulled}:{TAG}",
    )  # fmt: skip
    assert pull.returncode == 0, _output(pull)
    manifest_digest, manifest = read_oci_manifest(pulled, TAG)
    assert manifest_digest == image.manifest_digest
    layers = manifest["layers"]
    assert isinstance(layers, list)
    assert tuple(layer["digest"] for layer in layers) == image.layer_digests
    for digest in (*image.layer_digests, image.config_digest):
        assert blob_path(pulled, digest).read_bytes() == image.blob(digest).read_bytes(), digest
    assert sum(image.layer_sizes) > 5 * 1024 * 1024

    # Every byte went through HAProxy's Docker frontend, by name (SNI), to the registry.
    assert stack.proxy.tunnels and set(stack.proxy.tunnels) == {stack.authority}
    frontend = f"fe_docker_{REPOSITORY}_{stack.port}"
    manifest_put = f'"PUT /v2/{IMAGE}/manifests/{TAG} HTTP/1.1"'
    big_layer_get = f'"GET /v2/{IMAGE}/blobs/{image.layer_digests[0]} HTTP/1.1"'
    log = _haproxy_log_lines(stack, frontend, lambda lines: any(big_layer_get in x for x in lines))
    # "~" after the frontend name marks a TLS connection.
    requests = [line for line in log if f"{frontend}~ be_docker_{REPOSITORY}_{stack.port}/nexus " in line]
    assert requests and len(requests) == len(log), "\n".join(log)
    assert any(manifest_put in line and " 201 " in line for line in requests), "\n".join(log)
    assert any(big_layer_get in line and " 200 " in line for line in requests), "\n".join(log)
    assert all(f"{REGISTRY_HOST}/TLSv1." in line for line in requests), "\n".join(requests)
    assert any(f"|{USER}}}" in line for line in requests), "user not captured in the audit log"


def test_push_without_the_stack_ca_fails_the_certificate_check(stack: Stack, image: OciImage) -> None:
    """With the machine's default trust and no CA in the cert dir, the client refuses the server."""
    push = stack.skopeo(
        "copy", "--dest-creds", f"{USER}:{stack.password}", "--dest-cert-dir", str(stack.empty_cert_dir),
        image.reference, f"docker://{stack.authority}/{IMAGE}:no-ca",
        system_trust=True,
    )  # fmt: skip
    assert push.returncode != 0, _output(push)
    assert "x509: certificate signed by unknown authority" in push.stderr, _output(push)


def test_bad_credentials_are_refused_with_401(stack: Stack, image: OciImage) -> None:
    login = stack.skopeo(
        "login", "--authfile", str(stack.tmp / "bad-auth.json"), "--cert-dir", str(stack.ca_dir),
        "--username", USER, "--password-stdin", stack.authority,
        stdin="not-the-password\n",
    )  # fmt: skip
    assert login.returncode != 0, _output(login)
    assert UNAUTHORIZED.search(login.stderr), _output(login)

    push = stack.skopeo(
        "copy", "--dest-creds", f"{USER}:not-the-password", "--dest-cert-dir", str(stack.ca_dir),
        image.reference, f"docker://{stack.authority}/{IMAGE}:bad-creds",
    )  # fmt: skip
    assert push.returncode != 0, _output(push)
    assert UNAUTHORIZED.search(push.stderr), _output(push)
    # HAProxy passed the registry's 401 through, with the (wrong) user in the audit log.
    frontend = f"fe_docker_{REPOSITORY}_{stack.port}"

    def refused(lines: list[str]) -> list[str]:
        return [line for line in lines if " 401 " in line and f"|{USER}}}" in line]

    assert refused(_haproxy_log_lines(stack, frontend, lambda lines: len(refused(lines)) >= 2)), (
        stack.haproxy_log.read_text()
    )
    assert stack.https("GET", f"/v2/{IMAGE}/manifests/bad-creds", USER, stack.password).status == 404


def _haproxy_log_lines(stack: Stack, frontend: str, until: Callable[[list[str]], bool]) -> list[str]:
    """HAProxy's request log lines for ``frontend`` ("~" marks TLS), once ``until`` holds (<= 5 s).

    A line is written when its stream ends, which can be just after the client got the response.
    """

    def lines() -> list[str]:
        return [line for line in stack.haproxy_log.read_text().splitlines() if f" {frontend}~ " in line]

    with contextlib.suppress(AssertionError):  # not within the bound: the caller's assertion says what
        return eventually(lambda: [found] if until(found := lines()) else None, timeout=30, interval=0.1,
                          message="")[0]  # fmt: skip
    return lines()
