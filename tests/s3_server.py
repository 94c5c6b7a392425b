"""A real S3-compatible server for the tests: SeaweedFS (``weed mini``) on free loopback ports.

:func:`s3_server` (session-scoped fixture) runs the ``weed`` binary that ``scripts/build-seaweedfs``
built and cached (``scripts/test`` builds it first), as one process that is master, volume server,
filer and S3 gateway, with one identity (an access key id and its secret) and one bucket made at
start; it waits for the S3 port to answer and stops the process at the end. Every port the
process listens on is picked free here (SeaweedFS's defaults, 8333, 8888, 9333, ..., would clash
with anything else on the machine); the parts the tests do not use (WebDAV, the Iceberg and Lance
catalogues, the admin UI, telemetry) are switched off.

:meth:`S3Server.objects` lists what is in the bucket through the filer's HTTP API (no S3 client is
needed for that: SeaweedFS keeps a bucket's objects under ``/buckets/<bucket>/`` in its filer).

Without the binary the tests skip, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from reach.host import stop_process
from tests.components.haproxy_helpers import free_ports
from tests.eventually import eventually
from tests.layers import unavailable

ROOT = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = ROOT / "scripts" / "build-seaweedfs"
BUCKET = "nexus-blobs"
ACCESS_KEY_ID = "nexus-test"
SECRET_ACCESS_KEY = "s3-test-secret"
#: Measured: S3 answered about 20 s after the start on a busy 2-core machine.
START_TIMEOUT_SECONDS = 120.0
#: os.ModeDir in a filer entry's Mode.
_GO_MODE_DIR = 1 << 31


#: Headers of an upload of :func:`text_payload`.
TEXT = {"Content-Type": "text/plain"}


def text_payload(size: int) -> bytes:
    """``size`` bytes of random text: a raw repository's strict content-type check takes it as
    text/plain (random binary is refused: "Content type could not be determined")."""
    return base64.b64encode(os.urandom(size))[:size]


@dataclass(frozen=True)
class S3Server:
    endpoint: str  # the S3 API, http://127.0.0.1:<port>
    filer_url: str  # the filer's HTTP API
    bucket: str
    access_key_id: str
    secret_access_key: str

    def objects(self, prefix: str = "") -> dict[str, int]:
        """Every object of the bucket under ``prefix`` (key -> size), from the filer."""
        found: dict[str, int] = {}
        pending = [f"/buckets/{self.bucket}/{prefix.strip('/')}".rstrip("/")]
        while pending:
            directory, last = pending.pop(), ""
            while True:
                answer = requests.get(
                    f"{self.filer_url}{directory}/",
                    params={"limit": "1000", "lastFileName": last},
                    headers={"Accept": "application/json"},
                    timeout=30,
                )
                if answer.status_code == 404:
                    break
                answer.raise_for_status()
                page = answer.json()
                for entry in page.get("Entries") or []:
                    path = str(entry["FullPath"])
                    if int(entry.get("Mode", 0)) & _GO_MODE_DIR:
                        pending.append(path)
                    else:
                        found[path.removeprefix(f"/buckets/{self.bucket}/")] = int(entry.get("FileSize", 0))
                if not page.get("ShouldDisplayLoadMore"):
                    break
                last = page["LastFileName"]
        return found


def weed_binary() -> Path:
    """Where scripts/build-seaweedfs keeps the binary (built or not)."""
    out = subprocess.run(
        [str(BUILD_SCRIPT), "--path"], check=True, capture_output=True, text=True, timeout=60
    )
    return Path(out.stdout.strip())


def _arguments(weed: Path, work: Path) -> tuple[list[str], int, int]:
    """The command line with every listening port picked free: (argv, S3 port, filer port)."""
    port_flags = (
        "master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port",
        "filer.port.grpc", "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc",
    )  # fmt: skip
    ports = dict(zip(port_flags, free_ports(len(port_flags)), strict=True))
    config = work / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "nexus",
                        "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    argv = [
        str(weed), "mini", f"-dir={work / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-s3.config={config}", f"-bucket={BUCKET}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
        # off: what the tests do not use, and what would listen on fixed ports or call out
        "-admin.ui=false", "-admin.port.legacy=0", "-webdav=false", "-s3.port.iceberg=0",
        "-s3.port.lance=0", "-master.telemetry=false",
    ]  # fmt: skip
    return argv, ports["s3.port"], ports["filer.port"]


def _wait_for_s3(endpoint: str, process: subprocess.Popen[bytes], log: Path) -> None:
    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"weed mini exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        # Any S3 answer (403 for an unsigned request) means the gateway is up.
        return requests.get(endpoint, timeout=5).status_code in (200, 403)

    eventually(
        answers,
        timeout=START_TIMEOUT_SECONDS,
        ignore=(requests.RequestException,),
        error=RuntimeError,
        message=lambda _: (
            f"SeaweedFS's S3 gateway did not answer within {START_TIMEOUT_SECONDS:.0f} s ({log})"
        ),
    )


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    weed = weed_binary()
    if not weed.is_file():
        unavailable(f"no SeaweedFS here (required in CI): run scripts/build-seaweedfs (it builds {weed})")
    with tempfile.TemporaryDirectory(prefix="test-seaweedfs-") as tmp:
        work = Path(tmp)
        argv, s3_port, filer_port = _arguments(weed, work)
        log = work / "weed.log"
        with log.open("wb") as log_file:
            process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, cwd=work)
        try:
            endpoint = f"http://127.0.0.1:{s3_port}"
            _wait_for_s3(endpoint, process, log)
            server = S3Server(
                endpoint, f"http://127.0.0.1:{filer_port}", BUCKET, ACCESS_KEY_ID, SECRET_ACCESS_KEY
            )
            # the bucket made at start is there before any test writes to it
            bucket_url = f"{server.filer_url}/buckets/{BUCKET}/"
            eventually(
                lambda: requests.get(bucket_url, headers={"Accept": "application/json"}, timeout=5).ok,
                timeout=START_TIMEOUT_SECONDS,
                ignore=(requests.RequestException,),
                error=RuntimeError,
                message=lambda _: f"SeaweedFS did not make the bucket {BUCKET} ({log})",
            )
            yield server
        finally:
            stop_process(process)
