"""The rendered haproxy.cfg (text assertions and `haproxy -c`) and the PEM bundle builder."""

from __future__ import annotations

import base64
import dataclasses
import re
import urllib.parse
from pathlib import Path

import pytest

from components.haproxy_config import (
    DEFAULT_BLOCKED_PATHS,
    MOZILLA_INTERMEDIATE_CIPHERS,
    MOZILLA_INTERMEDIATE_CIPHERSUITES,
    DockerConnector,
    HaproxySpec,
    Timeouts,
    blocked_paths_regex,
    build_pem_bundle,
    render_haproxy_config,
)
from tests.components.haproxy_helpers import TestPki, check_with_haproxy, make_test_pki, require_haproxy

CONNECTORS = (
    DockerConnector("docker-all", 16000, 18000),
    DockerConnector("docker-platform-release", 16001, 18001),
    DockerConnector("docker-platform-latest", 16002),  # backend port defaults to external + 2000
)


def make_spec(**overrides: object) -> HaproxySpec:
    values: dict[str, object] = {
        "domain": "example.test",
        "ui_host": "nexus.example.test",
        "nexus_address": "nexus",
        "certificate_path": "/usr/local/etc/haproxy/certs/nexus.pem",
        "connectors": CONNECTORS,
        "mode": "container",
    }
    values.update(overrides)
    return HaproxySpec(**values)  # type: ignore[arg-type]


def directives(text: str) -> list[str]:
    """Non-comment, non-blank lines, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


_SECTION_KEYWORDS = ("global", "defaults", "frontend", "backend", "listen", "resolvers", "userlist")


def sections(text: str) -> dict[str, list[str]]:
    """Section header ("frontend fe_https") -> its directive lines."""
    result: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in directives(text):
        if line.split()[0] in _SECTION_KEYWORDS:
            current = result.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return result


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_haproxy_config(make_spec())


@pytest.fixture(scope="module")
def parsed(rendered: str) -> dict[str, list[str]]:
    return sections(rendered)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


# ------------------------------------------------------------------------------------------------
# Rendered text
# ------------------------------------------------------------------------------------------------


def test_port_80_only_redirects_to_https(parsed: dict[str, list[str]]) -> None:
    fe_http = parsed["frontend fe_http"]
    assert "bind :80" in fe_http
    redirects = [line for line in fe_http if line.startswith("http-request redirect")]
    assert len(redirects) == 2
    assert all("code 301" in line and "'https://" in line for line in redirects)
    # Port stripped from Host, path and query kept, default HTTPS port not appended.
    assert '%[req.hdr(host),regsub(":[0-9]+$","")]%[pathq]' in redirects[0]
    assert redirects[1].startswith("http-request redirect location 'https://nexus.example.test%[pathq]'")
    assert not any(line.startswith(("default_backend", "use_backend")) for line in fe_http)


def test_redirect_carries_non_default_https_port() -> None:
    fe_http = sections(render_haproxy_config(make_spec(http_port=8080, https_port=8443)))["frontend fe_http"]
    assert "bind :8080" in fe_http
    assert any("\")]:8443%[pathq]'" in line for line in fe_http)


def test_https_frontend_terminates_tls_with_hsts(parsed: dict[str, list[str]]) -> None:
    fe_https = parsed["frontend fe_https"]
    assert "bind :443 ssl crt /usr/local/etc/haproxy/certs/nexus.pem alpn h2,http/1.1" in fe_https
    assert 'http-response set-header Strict-Transport-Security "max-age=63072000"' in fe_https
    assert "default_backend be_nexus_ui" in fe_https
    be_ui = parsed["backend be_nexus_ui"]
    assert "option httpchk" in be_ui
    assert (
        "http-check send meth GET uri /service/rest/v1/status ver HTTP/1.1 hdr Host nexus.example.test"
        in be_ui
    )
    assert "http-check expect status 200" in be_ui
    assert "server nexus nexus:8081 check resolvers docker init-addr libc,none" in be_ui


def test_tls_baseline_is_mozilla_intermediate(parsed: dict[str, list[str]]) -> None:
    glob = parsed["global"]
    assert f"ssl-default-bind-ciphers {MOZILLA_INTERMEDIATE_CIPHERS}" in glob
    assert f"ssl-default-bind-ciphersuites {MOZILLA_INTERMEDIATE_CIPHERSUITES}" in glob
    assert "ssl-default-bind-options prefer-client-ciphers ssl-min-ver TLSv1.2 no-tls-tickets" in glob
    assert "ssl-default-bind-curves X25519:prime256v1:secp384r1" in glob
    # Every cipher has forward secrecy via ECDHE (no DHE: no DH parameters needed) and is AEAD.
    for cipher in MOZILLA_INTERMEDIATE_CIPHERS.split(":"):
        assert cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA20" in cipher)


def test_no_2016_era_directive_survives(rendered: str) -> None:
    text = "\n".join(directives(rendered))
    for legacy in (
        "reqadd",
        "reqrep",
        "rspadd",
        "no-sslv3",
        "no-tlsv10",
        "tune.ssl.default-dh-param",
        "redirect scheme",
        "cookie SRVNAME",
        "/haproxy?stats",
        "X-Proto",
        "option http-buffer-request",
        "nbproc",
        "daemon",
    ):
        assert legacy not in text, legacy


def test_every_connector_has_its_frontend_and_backend(parsed: dict[str, list[str]]) -> None:
    for external, backend, repo in ((16000, 18000, "docker-all"), (16001, 18001, "docker-platform-release"),
                                    (16002, 18002, "docker-platform-latest")):  # fmt: skip
        name = f"{repo}_{external}"
        frontend = parsed[f"frontend fe_docker_{name}"]
        assert f"bind :{external} ssl crt /usr/local/etc/haproxy/certs/nexus.pem alpn http/1.1" in frontend
        assert f"default_backend be_docker_{name}" in frontend
        backend_lines = parsed[f"backend be_docker_{name}"]
        assert f"server nexus nexus:{backend} check resolvers docker init-addr libc,none" in backend_lines
        assert "option httpchk" in backend_lines
        assert "http-check send meth GET uri /v2/ ver HTTP/1.1 hdr Host nexus.example.test" in backend_lines
        assert "http-check expect rstatus ^(200|401)$" in backend_lines
        assert not any("replace-path" in line for line in backend_lines)
    assert len([header for header in parsed if header.startswith("frontend fe_docker_")]) == 3


def test_forwarded_headers_are_sanitised_and_carry_no_port(parsed: dict[str, list[str]]) -> None:
    public = ["frontend fe_https"] + [header for header in parsed if header.startswith("frontend fe_docker_")]
    for header in public:
        lines = parsed[header]
        delete = lines.index("http-request del-header x-forwarded- -m beg")
        assert "http-request del-header forwarded" in lines
        assert "http-request del-header x-proxied-https" in lines
        assert lines.index("http-request set-header X-Forwarded-Proto https") > delete
        assert "option forwardfor" in lines
    everything = "\n".join(line for lines in parsed.values() for line in lines).lower()
    # Nothing ever (re)adds X-Forwarded-Port / X-Forwarded-Host: they break `docker login`.
    assert not re.search(r"(set|add)-header\s+x-forwarded-(port|host)", everything)
    assert "dst_port" not in everything


def test_admin_paths_are_denied_with_403_everywhere(parsed: dict[str, list[str]]) -> None:
    regex = blocked_paths_regex(DEFAULT_BLOCKED_PATHS)
    public = ["frontend fe_https"] + [header for header in parsed if header.startswith("frontend fe_docker_")]
    for header in public:
        lines = parsed[header]
        assert f"acl blocked_path path,url_dec,lower,regsub(';[^/]*','',g) -m reg '{regex}'" in lines, header
        assert "http-request deny deny_status 403 if blocked_path" in lines
        assert "http-request deny deny_status 400 if dot_segment" in lines
    assert DEFAULT_BLOCKED_PATHS == ("/service/metrics", "/service/rest/v1/script")


def _haproxy_view(path: str) -> str:
    """What the blocked_path ACL sees: path,url_dec,lower,regsub(';[^/]*','',g)."""
    return re.sub(r";[^/]*", "", urllib.parse.unquote(path).lower())


@pytest.mark.parametrize(
    ("path", "blocked"),
    [
        ("/service/metrics/data", True),
        ("/service/metrics", True),
        ("//service//metrics/threads", True),
        ("/%73ervice/metrics/ping", True),
        ("/SERVICE/Metrics/prometheus", True),
        ("/service;jsessionid=1/metrics/data", True),
        ("/service/rest/v1/script", True),
        ("/service/rest/v1/script/cleanup/run", True),
        ("/service/rest/v1/scripts-not", False),
        ("/service/metricsx", False),
        ("/service/rest/v1/status", False),
        ("/service/rest/v1/security/users", False),
        ("/repository/maven-releases/com/example/service/metrics/1.0/metrics-1.0.jar", False),
        ("/v2/", False),
    ],
)
def test_blocked_paths_regex_semantics(path: str, blocked: bool) -> None:
    assert bool(re.search(blocked_paths_regex(DEFAULT_BLOCKED_PATHS), _haproxy_view(path))) is blocked


def test_blocked_paths_can_be_changed_or_disabled() -> None:
    custom = sections(render_haproxy_config(make_spec(blocked_paths=("/service/rest/v1/security",))))
    assert any("service/+rest/+v1/+security" in line for line in custom["frontend fe_https"])
    none = sections(render_haproxy_config(make_spec(blocked_paths=())))
    assert not any("blocked_path" in line for line in none["frontend fe_https"])
    assert "http-request deny deny_status 400 if dot_segment" in none["frontend fe_https"]


def test_stats_page_is_loopback_only_with_password_from_environment(rendered: str) -> None:
    stats = sections(rendered)["listen stats"]
    assert 'stats auth haproxy-stats:"${HAPROXY_STATS_PASSWORD}"' in stats
    assert ".if !defined(HAPROXY_STATS_PASSWORD)" in rendered  # refuses to start without it
    # container mode: all addresses inside the container; Docker publishes it on 127.0.0.1 only
    binds = [line for line in directives(rendered) if line.startswith("bind ") and "8404" in line]
    assert binds == ["bind :8404"]
    host = render_haproxy_config(
        make_spec(mode="host", nexus_address="127.0.0.1", certificate_path="/etc/haproxy/certs/nexus.pem")
    )
    host_binds = [line for line in directives(host) if line.startswith("bind ") and "8404" in line]
    assert host_binds == ["bind 127.0.0.1:8404"]


def test_streaming_and_long_timeouts(parsed: dict[str, list[str]]) -> None:
    defaults = parsed["defaults"]
    for expected in ("mode http", "timeout connect 5s", "timeout client 5m", "timeout server 15m",
                     "timeout http-request 30s", "timeout tunnel 1h"):  # fmt: skip
        assert expected in defaults
    assert not any("http-buffer-request" in line for lines in parsed.values() for line in lines)
    assert "tune.h2.initial-window-size 1048576" in parsed["global"]
    custom = sections(render_haproxy_config(make_spec(timeouts=Timeouts(server="1h"))))
    assert "timeout server 1h" in custom["defaults"]


def test_audit_log_format(parsed: dict[str, list[str]]) -> None:
    log_format = next(line for line in parsed["defaults"] if line.startswith("log-format"))
    for field in ("%ci:%cp", "%tr", "%TR/%Tw/%Tc/%Tr/%Ta", "%ST", "%B", "%hr", "%{+Q}r", "%sslv", "%sslc"):
        assert field in log_format
    fe_https = parsed["frontend fe_https"]
    assert "http-request capture http_auth_user len 64" in fe_https
    assert "option dontlognull" not in parsed["defaults"]


def test_container_mode_logs_to_stdout_and_resolves_at_runtime(parsed: dict[str, list[str]]) -> None:
    glob = parsed["global"]
    assert "log stdout len 4096 format raw local0 info" in glob
    assert not any(line.startswith(("chroot", "stats socket")) for line in glob)
    # the master (root in the container) reads the PEM; the workers drop to the image's user
    assert "user haproxy" in glob and "group haproxy" in glob
    assert "resolvers docker" in parsed
    assert "parse-resolv-conf" in parsed["resolvers docker"]


def test_host_mode_logs_to_syslog_socket_and_drops_privileges() -> None:
    parsed = sections(
        render_haproxy_config(
            make_spec(mode="host", nexus_address="127.0.0.1", certificate_path="/etc/haproxy/certs/nexus.pem")
        )
    )
    glob = parsed["global"]
    assert "log /dev/log len 4096 local0 info" in glob
    assert "chroot /var/lib/haproxy" in glob and "user haproxy" in glob and "group haproxy" in glob
    assert "resolvers docker" not in parsed
    assert "server nexus 127.0.0.1:8081 check" in parsed["backend be_nexus_ui"]


def test_path_routing_rewrites_to_repository_on_the_main_port() -> None:
    spec = make_spec(
        connectors=(
            DockerConnector("docker-all", 16000, 18000),
            DockerConnector("docker-team-a", 16001, routing="path"),
        )
    )
    parsed = sections(render_haproxy_config(spec))
    backend = parsed["backend be_docker_docker-team-a_16001"]
    assert "server nexus nexus:8081 check resolvers docker init-addr libc,none" in backend
    assert "http-request replace-path '^(/v[12](/.*)?)$' '/repository/docker-team-a\\1'" in backend
    assert any("uri /repository/docker-team-a/v2/ " in line for line in backend)
    # The connector-routed one is untouched.
    assert (
        "server nexus nexus:18000 check resolvers docker init-addr libc,none"
        in (parsed["backend be_docker_docker-all_16000"])
    )
    regex = re.compile(r"^(/v[12](/.*)?)$")
    assert regex.sub(r"/repository/docker-team-a\1", "/v2/app/manifests/1.0") == (
        "/repository/docker-team-a/v2/app/manifests/1.0"
    )
    assert regex.sub(r"/repository/x\1", "/repository/x/v2/app/blobs/uploads/u") == (
        "/repository/x/v2/app/blobs/uploads/u"
    )


def test_bind_address_and_ipv6() -> None:
    parsed = sections(render_haproxy_config(make_spec(bind_address="::1", nexus_address="::1")))
    assert (
        "bind [::1]:443 ssl crt /usr/local/etc/haproxy/certs/nexus.pem alpn h2,http/1.1"
        in (parsed["frontend fe_https"])
    )
    assert any(line.startswith("server nexus [::1]:8081 ") for line in parsed["backend be_nexus_ui"])


def test_rendering_is_deterministic_and_secret_free(rendered: str) -> None:
    assert render_haproxy_config(make_spec()) == rendered
    assert rendered.endswith("\n") and "\n\n\n" not in rendered
    assert "{{" not in rendered and "{%" not in rendered


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"certificate_path": "certs/nexus.pem"}, "certificate_path"),
        ({"certificate_path": "/etc/haproxy/my cert.pem"}, "certificate_path"),
        ({"bind_address": "localhost"}, "bind_address"),
        ({"nexus_address": "nexus;rm"}, "nexus_address"),
        ({"blocked_paths": ("service/metrics",)}, "blocked path"),
        ({"blocked_paths": ("/service/../x",)}, "blocked path"),
        ({"blocked_paths": ["/service/metrics"]}, "tuples"),
        ({"check_interval": "soon"}, "check_interval"),
        ({"tls_curves": "X25519 prime256v1"}, "tls_curves"),
    ],
)
def test_spec_validation(overrides: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        make_spec(**overrides)


def test_connector_defaults() -> None:
    connector = DockerConnector("docker-all", 16000)
    assert connector.nexus_connector_port == 18000
    assert connector.routing == "connector"
    assert DockerConnector("x", 64000, routing="path").nexus_connector_port == 66000  # unused, not checked
    with pytest.raises(dataclasses.FrozenInstanceError):
        connector.external_port = 1  # type: ignore[misc]


def test_timeouts_validation() -> None:
    with pytest.raises(ValueError, match=r"timeouts\.server"):
        Timeouts(server="15 minutes")


# ------------------------------------------------------------------------------------------------
# haproxy -c
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(make_spec(), id="container"),
        pytest.param(
            make_spec(
                mode="host", nexus_address="127.0.0.1", certificate_path="/etc/haproxy/certs/nexus.pem"
            ),
            id="host",
        ),
        pytest.param(
            make_spec(
                connectors=tuple(DockerConnector(f"docker-{i}", 16000 + i, routing="path") for i in range(25))
            ),
            id="path-routing-25",
        ),
        pytest.param(make_spec(connectors=(), blocked_paths=(), bind_address="127.0.0.1"), id="ui-only"),
    ],
)
def test_haproxy_accepts_rendered_config(spec: HaproxySpec, pki: TestPki) -> None:
    require_haproxy()
    check_with_haproxy(render_haproxy_config(spec), pki.bundle)


def test_check_with_haproxy_reports_errors(pki: TestPki, tmp_path: Path) -> None:
    require_haproxy()
    config = render_haproxy_config(make_spec())
    with pytest.raises(AssertionError, match="reqadd"):
        check_with_haproxy(
            config.replace("    default_backend be_nexus_ui", "    reqadd X-Proto:\\ https"), pki.bundle
        )
    other = make_test_pki(tmp_path / "other")
    mismatched = build_pem_bundle(pki.certificate_pem, "", other.private_key_pem)
    with pytest.raises(AssertionError, match="inconsistencies between private key and certificate"):
        check_with_haproxy(config, mismatched)


# ------------------------------------------------------------------------------------------------
# PEM bundle
# ------------------------------------------------------------------------------------------------


def _pem(label: str, payload: bytes, crlf: bool = False) -> str:
    der = b"\x30" + bytes([len(payload)]) + payload
    body = base64.b64encode(der).decode()
    text = f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"
    return text.replace("\n", "\r\n") if crlf else text


LEAF = _pem("CERTIFICATE", b"leaf")
INTERMEDIATE = _pem("CERTIFICATE", b"intermediate")
ROOT = _pem("CERTIFICATE", b"root")
KEY = _pem("PRIVATE KEY", b"key")


def _labels_and_payloads(bundle: str) -> list[tuple[str, bytes]]:
    blocks = re.findall(r"-----BEGIN ([A-Z ]+)-----\n(.*?)\n-----END \1-----\n", bundle, re.DOTALL)
    return [(label, base64.b64decode(body)[2:]) for label, body in blocks]


def test_bundle_order_is_leaf_chain_key() -> None:
    bundle = build_pem_bundle(LEAF, INTERMEDIATE + ROOT, KEY)
    assert _labels_and_payloads(bundle) == [
        ("CERTIFICATE", b"leaf"),
        ("CERTIFICATE", b"intermediate"),
        ("CERTIFICATE", b"root"),
        ("PRIVATE KEY", b"key"),
    ]
    assert bundle.endswith("-----END PRIVATE KEY-----\n")


def test_bundle_normalises_newlines_and_surrounding_text() -> None:
    bundle = build_pem_bundle(
        "subject=CN leaf\r\n" + _pem("CERTIFICATE", b"leaf", crlf=True),
        "\n\n" + _pem("CERTIFICATE", b"intermediate", crlf=True) + "trailing junk\n",
        _pem("EC PRIVATE KEY", b"key", crlf=True),
    )
    assert "\r" not in bundle
    assert "junk" not in bundle and "subject" not in bundle
    assert [label for label, _ in _labels_and_payloads(bundle)] == [
        "CERTIFICATE",
        "CERTIFICATE",
        "EC PRIVATE KEY",
    ]


def test_bundle_drops_duplicate_certificates() -> None:
    bundle = build_pem_bundle(
        LEAF + INTERMEDIATE, INTERMEDIATE + LEAF + INTERMEDIATE.replace("\n", "\r\n"), KEY
    )
    assert _labels_and_payloads(bundle) == [
        ("CERTIFICATE", b"leaf"),
        ("CERTIFICATE", b"intermediate"),
        ("PRIVATE KEY", b"key"),
    ]


def test_bundle_accepts_empty_chain() -> None:
    assert [label for label, _ in _labels_and_payloads(build_pem_bundle(LEAF, "", KEY))] == [
        "CERTIFICATE",
        "PRIVATE KEY",
    ]


@pytest.mark.parametrize(
    ("certificate", "chain", "key", "message"),
    [
        (KEY, "", KEY, "certificate_pem: expected CERTIFICATE blocks only, found PRIVATE KEY"),
        ("", "", KEY, "certificate_pem: no PEM block found"),
        ("not a pem", "", KEY, "certificate_pem: no PEM block found"),
        (LEAF, KEY, KEY, "chain_pem: expected CERTIFICATE blocks only, found PRIVATE KEY"),
        (LEAF, "garbage", KEY, "chain_pem: text given but no PEM block found"),
        (LEAF, "", LEAF, "private_key_pem: expected one of PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY"),
        (LEAF, "", "", "private_key_pem: expected exactly one private key block, found 0"),
        (LEAF, "", KEY + KEY, "private_key_pem: expected exactly one private key block, found 2"),
        (LEAF, "", _pem("ENCRYPTED PRIVATE KEY", b"k"), "private_key_pem: the key is encrypted"),
        (
            LEAF,
            "",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nMAA=\n"
            "-----END RSA PRIVATE KEY-----\n",
            "private_key_pem: the RSA PRIVATE KEY is encrypted",
        ),
        (LEAF.replace("-----END CERTIFICATE-----", "-----END PRIVATE KEY-----"), "", KEY, "certificate_pem"),
        ("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n", "", KEY, "not valid base64"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "", KEY, "does not contain DER"),
        (LEAF[:-30], "", KEY, "certificate_pem"),
    ],
)
def test_bundle_rejects_wrong_parts(certificate: str, chain: str, key: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        build_pem_bundle(certificate, chain, key)


def test_bundle_from_real_pki_is_accepted_by_haproxy(pki: TestPki) -> None:
    bundle = build_pem_bundle(pki.certificate_pem.replace("\n", "\r\n"), pki.ca_pem, pki.private_key_pem)
    assert bundle.count("BEGIN CERTIFICATE") == 2
    require_haproxy()
    check_with_haproxy(render_haproxy_config(make_spec()), bundle)
