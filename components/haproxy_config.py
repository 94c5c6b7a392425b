"""HAProxy in front of Nexus: what it fronts (plain data) and the rendered ``haproxy.cfg``.

Pure logic: no Pulumi, no network, no file I/O except reading ``templates/haproxy.cfg.j2``.
The stack configuration model is mapped onto :class:`HaproxySpec` elsewhere (and checked there, by
settings: names, ports and their clashes, mode, routing, the stats user); this module only knows
what HAProxy needs, and checks only what the code itself supplies and the template trusts.

* :func:`render_haproxy_config` renders HAProxy 2.6+ syntax (Debian 12's 2.6 and the 2.8/3.x
  images). The rendered text holds no secret: the stats password is read by HAProxy from the
  environment variable :data:`STATS_PASSWORD_ENV` when it parses the file, so the file can be
  printed, diffed and kept in state.
* :func:`build_pem_bundle` assembles the single PEM file that ``bind ... ssl crt <file>`` loads.

Why each directive is there is written next to it in the template.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any, Literal

from reach.host import templates
from settings import (  # the conventions live with the config
    BACKEND_PORT_OFFSET,
    NEXUS_UI_PORT,
    SAFE_PATH,
    is_host,
)

Mode = Literal["container", "host"]
Routing = Literal["connector", "path"]

#: Environment variable HAProxy reads the stats page password from (never written to the file).
STATS_PASSWORD_ENV = "HAPROXY_STATS_PASSWORD"

#: Paths refused with 403 on every public frontend (UI and Docker ports). Both are Nexus endpoints
#: that no browser, Docker, Maven or npm client needs and that expose internals:
#: ``/service/metrics/*`` (JVM threads/heap dumps, Prometheus data; scrape Nexus on its own port
#: instead) and ``/service/rest/v1/script`` (the Groovy script API, remote code execution for
#: whoever holds an admin credential). ``/service/rest/v1/security`` is deliberately NOT blocked:
#: the configuration-as-code providers reach a remote Nexus through HAProxy and manage users,
#: roles, realms and the anonymous setting through it, and the Nexus UI uses it too.
DEFAULT_BLOCKED_PATHS: tuple[str, ...] = ("/service/metrics", "/service/rest/v1/script")

#: Mozilla "intermediate" TLS 1.2 cipher list (guidelines 5.8/6.0): ECDHE + AEAD only, so no DH
#: parameters are needed and nothing without forward secrecy is offered.
MOZILLA_INTERMEDIATE_CIPHERS = (
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"
)
#: Mozilla "intermediate" TLS 1.3 suites.
MOZILLA_INTERMEDIATE_CIPHERSUITES = (
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
)
#: Mozilla's curve list minus X25519MLKEM768, which is fatal on HAProxy 2.6 with OpenSSL 3.0
#: (Debian 12). Prepend it when every target runs OpenSSL >= 3.5.
DEFAULT_TLS_CURVES = "X25519:prime256v1:secp384r1"

TEMPLATE_NAME = "haproxy.cfg.j2"

# nexus_address may also be a Docker container name, which allows '_'.
_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,252}$")
_DURATION = re.compile(r"^[1-9][0-9]*(us|ms|s|m|h|d)?$")
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


def _check_duration(name: str, value: str) -> None:
    if not _DURATION.match(value):
        raise ValueError(f"{name} must be an HAProxy duration such as 30s, 5m or 1h, got {value!r}")


@dataclass(frozen=True)
class DockerConnector:
    """One Docker repository published on its own external HTTPS port.

    routing="connector": HAProxy forwards to the repository's Nexus Docker (HTTP) connector on
    ``backend_port`` (default: external_port + 2000).
    routing="path": no Nexus connector; HAProxy forwards to the Nexus main port and prefixes
    ``/v1/...`` and ``/v2/...`` with ``/repository/<repository>``, Sonatype's documented "port
    mapping" reverse-proxy strategy for more than 20 Docker repositories. Paths already under
    ``/repository/`` (e.g. upload locations Nexus returns) pass unchanged.
    """

    repository: str
    external_port: int
    backend_port: int | None = None
    routing: Routing = "connector"

    @property
    def nexus_connector_port(self) -> int:
        """The Nexus Docker connector port (connector routing only)."""
        if self.backend_port is not None:
            return self.backend_port
        return self.external_port + BACKEND_PORT_OFFSET

    @property
    def section_suffix(self) -> str:
        """Unique, readable suffix of this connector's HAProxy section names."""
        return f"{self.repository}_{self.external_port}"


@dataclass(frozen=True)
class Timeouts:
    """HAProxy timeouts. client/server are inactivity timeouts, not total durations."""

    connect: str = "5s"  # just above a multiple of 3 s survives one lost SYN; 0.5 s (2016) did not
    client: str = "5m"  # idle client during a push (docker computes digests between requests)
    server: str = "15m"  # Nexus finishing a big blob (digest, blob store move) or an upstream fetch
    http_request: str = "30s"  # request headers only: slowloris protection; the body is streamed
    http_keep_alive: str = "10s"
    queue: str = "30s"
    tunnel: str = "1h"  # only for upgraded connections (WebSocket); registry uploads are not tunnels
    client_fin: str = "30s"
    server_fin: str = "30s"
    check: str = "5s"

    def __post_init__(self) -> None:
        for name, value in self.__dict__.items():
            _check_duration(f"timeouts.{name}", value)


@dataclass(frozen=True)
class HaproxySpec:
    """Everything the rendered ``haproxy.cfg`` depends on."""

    domain: str
    ui_host: str
    #: Host name or IP HAProxy reaches Nexus at: the container name in container mode, usually
    #: 127.0.0.1 in host mode.
    nexus_address: str
    #: The PEM bundle (see :func:`build_pem_bundle`) as HAProxy sees it (inside the container in
    #: container mode).
    certificate_path: str
    connectors: tuple[DockerConnector, ...] = ()
    mode: Mode = "container"
    ui_port: int = NEXUS_UI_PORT
    http_port: int = 80
    https_port: int = 443
    #: Address the public frontends bind to; "" = every IPv4 address. Tests use 127.0.0.1.
    bind_address: str = ""
    stats_port: int = 8404
    stats_user: str = "haproxy-stats"
    blocked_paths: tuple[str, ...] = DEFAULT_BLOCKED_PATHS
    timeouts: Timeouts = field(default_factory=Timeouts)
    hsts_max_age: int = 63072000  # two years, Mozilla's value
    tls_curves: str = DEFAULT_TLS_CURVES
    check_interval: str = "5s"

    def __post_init__(self) -> None:
        # What comes from the stack config (names, ports, mode, routing, the stats user) was checked
        # by settings; these are the values the code itself supplies, which the template trusts.
        if not (is_host(self.nexus_address) or _CONTAINER_NAME.match(self.nexus_address)):
            raise ValueError(
                f"nexus_address must be a DNS name, container name or IP address, got {self.nexus_address!r}"
            )
        if not SAFE_PATH.match(self.certificate_path) or "/../" in self.certificate_path:
            raise ValueError(
                "certificate_path must be an absolute path without spaces or quotes, "
                f"got {self.certificate_path!r}"
            )
        if self.bind_address:
            try:
                ipaddress.ip_address(self.bind_address)
            except ValueError:
                raise ValueError(
                    f"bind_address must be an IP address or '' (all addresses), got {self.bind_address!r}"
                ) from None
        if not isinstance(self.hsts_max_age, int) or self.hsts_max_age < 0:
            raise ValueError(f"hsts_max_age must be a non-negative integer, got {self.hsts_max_age!r}")
        if not re.match(r"^[A-Za-z0-9_-]+(:[A-Za-z0-9_-]+)*$", self.tls_curves):
            raise ValueError(f"tls_curves must be a ':'-separated curve list, got {self.tls_curves!r}")
        _check_duration("check_interval", self.check_interval)
        if not isinstance(self.connectors, tuple) or not isinstance(self.blocked_paths, tuple):
            raise TypeError("connectors and blocked_paths must be tuples (the spec is immutable)")
        for path in self.blocked_paths:
            segments = path.split("/")
            if not path.startswith("/") or not all(_PATH_SEGMENT.match(s) for s in segments[1:]):
                raise ValueError(f"blocked path {path!r} must look like /service/metrics (no empty segments)")
            if any(s in (".", "..") for s in segments):
                raise ValueError(f"blocked path {path!r} must not contain dot segments")

    @property
    def log_target(self) -> str:
        """Where HAProxy logs: stdout for ``docker logs``; the host's syslog socket otherwise."""
        return "stdout" if self.mode == "container" else "/dev/log"


def _address(host: str, port: int) -> str:
    """host:port in HAProxy syntax (IPv6 literals in brackets)."""
    if ":" in host:
        return f"[{host}]:{port}"
    return f"{host}:{port}"


def blocked_paths_regex(paths: tuple[str, ...]) -> str:
    """The regex the ``blocked_path`` ACL applies to the URL-decoded, lower-cased path.

    Repeated slashes between segments are tolerated (``/service//metrics``) and the match is
    anchored at a segment end, so ``/service/metricsfoo`` stays allowed.
    """
    alternatives = [
        "/+".join(re.escape(segment.lower()) for segment in path.strip("/").split("/")) for path in paths
    ]
    return "^/+(" + "|".join(alternatives) + ")(/|$)"


def render_haproxy_config(spec: HaproxySpec) -> str:
    """Render ``haproxy.cfg`` for ``spec``. Deterministic: same spec, same text."""
    context: dict[str, Any] = {
        "spec": spec,
        "timeouts": spec.timeouts,
        "ciphers": MOZILLA_INTERMEDIATE_CIPHERS,
        "ciphersuites": MOZILLA_INTERMEDIATE_CIPHERSUITES,
        "stats_password_env": STATS_PASSWORD_ENV,
        "stats_password_ref": "${" + STATS_PASSWORD_ENV + "}",
        "blocked_regex": blocked_paths_regex(spec.blocked_paths) if spec.blocked_paths else "",
        "bind_http": _address(spec.bind_address, spec.http_port),
        "bind_https": _address(spec.bind_address, spec.https_port),
        "redirect_port": "" if spec.https_port == 443 else f":{spec.https_port}",
        "nexus_ui": _address(spec.nexus_address, spec.ui_port),
        "connectors": [
            {
                "c": connector,
                "bind": _address(spec.bind_address, connector.external_port),
                "server": _address(
                    spec.nexus_address,
                    spec.ui_port if connector.routing == "path" else connector.nexus_connector_port,
                ),
                "check_uri": (
                    f"/repository/{connector.repository}/v2/" if connector.routing == "path" else "/v2/"
                ),
            }
            for connector in spec.connectors
        ],
    }
    return templates().get_template(TEMPLATE_NAME).render(context)


# --------------------------------------------------------------------------------------------
# PEM bundle
# --------------------------------------------------------------------------------------------

_PEM_BLOCK = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----[ \t]*\n(.*?)\n?-----END ([A-Z0-9 ]+)-----",
    re.DOTALL,
)
_PRIVATE_KEY_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY")


@dataclass(frozen=True)
class _PemBlock:
    label: str
    der: bytes

    def encode(self) -> str:
        body = "\n".join(textwrap.wrap(base64.b64encode(self.der).decode("ascii"), 64))
        return f"-----BEGIN {self.label}-----\n{body}\n-----END {self.label}-----\n"


def _parse_pem(part: str, text: str) -> list[_PemBlock]:
    if not isinstance(text, str):
        raise ValueError(f"{part}: expected PEM text, got {type(text).__name__}")
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks: list[_PemBlock] = []
    for match in _PEM_BLOCK.finditer(normalised):
        label, body, end_label = match.group(1), match.group(2), match.group(3)
        if label != end_label:
            raise ValueError(f"{part}: PEM block 'BEGIN {label}' is closed by 'END {end_label}'")
        if ":" in body.split("\n", 1)[0]:
            # RFC 1421 headers (Proc-Type: 4,ENCRYPTED / DEK-Info): a passphrase-protected key.
            raise ValueError(
                f"{part}: the {label} is encrypted (PEM headers found); HAProxy cannot ask for a "
                "passphrase under systemd or Docker: store the key unencrypted with mode 0600"
            )
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except binascii.Error as error:
            raise ValueError(f"{part}: the {label} block is not valid base64 ({error})") from None
        if not der or der[0] != 0x30:  # every certificate and key is a DER SEQUENCE
            raise ValueError(f"{part}: the {label} block does not contain DER data")
        blocks.append(_PemBlock(label, der))
    if "-----BEGIN" in normalised and len(blocks) != normalised.count("-----BEGIN"):
        raise ValueError(f"{part}: contains an incomplete or malformed PEM block")
    return blocks


def build_pem_bundle(certificate_pem: str, chain_pem: str, private_key_pem: str) -> str:
    """The single PEM file HAProxy's ``crt`` loads: leaf certificate, intermediates, private key.

    HAProxy takes the *first* certificate of the file as the server certificate, so the leaf comes
    first; the intermediates follow so that clients without them can build the chain (``haproxy -c``
    does not notice a missing intermediate). Line endings are normalised to LF and every block is
    re-encoded canonically. Certificates repeated in the chain (or equal to the leaf) are dropped.
    A ``certificate_pem`` holding a full chain (leaf first) is accepted; its extra certificates
    join the chain. Raises :class:`ValueError` naming the part that is wrong.
    """
    certificates = _parse_pem("certificate_pem", certificate_pem)
    if not certificates:
        raise ValueError("certificate_pem: no PEM block found; expected '-----BEGIN CERTIFICATE-----'")
    for block in certificates:
        if block.label != "CERTIFICATE":
            raise ValueError(f"certificate_pem: expected CERTIFICATE blocks only, found {block.label}")
    chain = _parse_pem("chain_pem", chain_pem or "")
    if (chain_pem or "").strip() and not chain:
        raise ValueError("chain_pem: text given but no PEM block found; expected CERTIFICATE blocks or ''")
    for block in chain:
        if block.label != "CERTIFICATE":
            raise ValueError(f"chain_pem: expected CERTIFICATE blocks only, found {block.label}")
    keys = _parse_pem("private_key_pem", private_key_pem)
    if len(keys) != 1:
        raise ValueError(f"private_key_pem: expected exactly one private key block, found {len(keys)}")
    key = keys[0]
    if key.label == "ENCRYPTED PRIVATE KEY":
        raise ValueError(
            "private_key_pem: the key is encrypted; HAProxy cannot ask for a passphrase under systemd "
            "or Docker: store the key unencrypted with mode 0600"
        )
    if key.label not in _PRIVATE_KEY_LABELS:
        raise ValueError(
            f"private_key_pem: expected one of {', '.join(_PRIVATE_KEY_LABELS)}, found {key.label}"
        )

    leaf, *extra = certificates
    seen = {leaf.der}
    intermediates: list[_PemBlock] = []
    for block in (*extra, *chain):
        if block.der not in seen:
            seen.add(block.der)
            intermediates.append(block)
    return "".join(block.encode() for block in (leaf, *intermediates, key))
