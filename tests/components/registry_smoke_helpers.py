"""Helpers for the registry smoke test: a local OCI image and a name-resolving CONNECT proxy.

* :func:`build_oci_image` writes an OCI image layout (``oci-layout``, ``index.json``, blobs) with
  incompressible layers of a chosen size, so a real client can push it without a daemon or an
  image pull.
* :class:`ConnectProxy` lets a client reach ``<name>:<port>`` on loopback while it keeps using the
  certificate's host name: the client sends ``CONNECT <name>:<port>`` and gets a raw TCP tunnel to
  127.0.0.1, so TLS (SNI, certificate verification, Host header) stays end to end between the
  client and the server under test. It replaces an ``/etc/hosts`` entry, which would need root and
  would change the machine for every other process.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import random
import select
import socket
import tarfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
_REF_NAME = "org.opencontainers.image.ref.name"


# ------------------------------------------------------------------------------------------------
# OCI image layout
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OciImage:
    """What was written by :func:`build_oci_image` (digests are ``sha256:<hex>``)."""

    directory: Path
    tag: str
    manifest_digest: str
    config_digest: str
    layer_digests: tuple[str, ...]
    layer_sizes: tuple[int, ...]  # compressed, as pushed

    @property
    def reference(self) -> str:
        """The skopeo ``oci:`` transport reference."""
        return f"oci:{self.directory}:{self.tag}"

    def blob(self, digest: str) -> Path:
        return blob_path(self.directory, digest)


def blob_path(layout: Path, digest: str) -> Path:
    algorithm, _, hex_digest = digest.partition(":")
    return layout / "blobs" / algorithm / hex_digest


def _write_blob(layout: Path, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return digest


def _layer_tar(index: int, payload: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        directory = tarfile.TarInfo("data")
        directory.type = tarfile.DIRTYPE
        directory.mode = 0o755
        tar.addfile(directory)
        member = tarfile.TarInfo(f"data/layer-{index}.bin")
        member.size = len(payload)
        member.mode = 0o644
        tar.addfile(member, io.BytesIO(payload))
    return buffer.getvalue()


def build_oci_image(directory: Path, tag: str, layer_sizes: Sequence[int], seed: int = 0) -> OciImage:
    """Write a single-platform linux/amd64 OCI image layout with one gzip layer per size.

    Layer contents are pseudo-random bytes (deterministic for ``seed``): gzip cannot shrink them,
    so the pushed blobs really have about the requested sizes.
    """
    directory.mkdir(parents=True, exist_ok=True)
    generator = random.Random(seed)
    layers: list[tuple[str, int]] = []
    diff_ids: list[str] = []
    for index, size in enumerate(layer_sizes):
        tar_bytes = _layer_tar(index, generator.randbytes(size))
        diff_ids.append("sha256:" + hashlib.sha256(tar_bytes).hexdigest())
        compressed = gzip.compress(tar_bytes, compresslevel=1, mtime=0)
        layers.append((_write_blob(directory, compressed), len(compressed)))
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": ["/bin/true"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "nexus-platform registry smoke test"} for _ in layers],
        },
        sort_keys=True,
    ).encode()
    config_digest = _write_blob(directory, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
            "layers": [
                {"mediaType": OCI_LAYER_GZIP, "digest": digest, "size": size} for digest, size in layers
            ],
        },
        sort_keys=True,
    ).encode()
    manifest_digest = _write_blob(directory, manifest)
    (directory / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    (directory / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": manifest_digest,
                        "size": len(manifest),
                        "annotations": {_REF_NAME: tag},
                    }
                ],
            }
        )
    )
    return OciImage(
        directory=directory,
        tag=tag,
        manifest_digest=manifest_digest,
        config_digest=config_digest,
        layer_digests=tuple(digest for digest, _ in layers),
        layer_sizes=tuple(size for _, size in layers),
    )


def read_oci_manifest(directory: Path, tag: str) -> tuple[str, dict[str, object]]:
    """The digest and parsed manifest tagged ``tag`` in an OCI layout."""
    index = json.loads((directory / "index.json").read_text())
    for descriptor in index["manifests"]:
        if descriptor.get("annotations", {}).get(_REF_NAME) == tag:
            digest: str = descriptor["digest"]
            return digest, json.loads(blob_path(directory, digest).read_bytes())
    raise AssertionError(f"no manifest tagged {tag!r} in {directory}/index.json: {index}")


# ------------------------------------------------------------------------------------------------
# CONNECT proxy standing in for DNS
# ------------------------------------------------------------------------------------------------


@dataclass
class ConnectProxy:
    """HTTP CONNECT proxy on 127.0.0.1 that tunnels only to the host names in ``names``.

    ``names`` maps a host name to the IP address it stands for. Requests for other names, or
    anything but CONNECT, get 403. ``tunnels`` records every ``host:port`` tunnelled.
    """

    names: Mapping[str, str]
    timeout: float = 30.0
    tunnels: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    _listener: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._listener is not None, "proxy not started"
        host, port = self._listener.getsockname()
        return f"http://{host}:{port}"

    @contextlib.contextmanager
    def running(self) -> Iterator[ConnectProxy]:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        acceptor = threading.Thread(target=self._accept_loop, name="connect-proxy", daemon=True)
        acceptor.start()
        try:
            yield self
        finally:
            self._stop.set()
            acceptor.join(timeout=5)
            self._listener.close()
            with self._lock:
                threads = list(self._threads)
            for thread in threads:
                thread.join(timeout=5)

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.ExitStack() as stack:
            stack.enter_context(client)
            client.settimeout(self.timeout)
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = client.recv(4096)
                if not chunk or len(head) > 16384:
                    return
                head += chunk
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, _, rest = request_line.partition(" ")
            target = rest.split(" ", 1)[0]
            host, _, port = target.rpartition(":")
            address = self.names.get(host.lower())
            if method != "CONNECT" or address is None or not port.isdigit():
                with self._lock:
                    self.refused.append(request_line)
                client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            try:
                upstream = socket.create_connection((address, int(port)), timeout=self.timeout)
            except OSError:
                client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            stack.enter_context(upstream)
            with self._lock:
                self.tunnels.append(target)
            client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._pump(client, upstream)

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        peers = {client: upstream, upstream: client}
        while not self._stop.is_set():
            readable, _, _ = select.select(list(peers), [], [], 0.2)
            for sock in readable:
                try:
                    data = sock.recv(1 << 16)
                    if not data:
                        return
                    peers[sock].sendall(data)
                except OSError:
                    return
