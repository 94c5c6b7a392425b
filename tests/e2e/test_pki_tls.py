"""The project's PKI (components/pki.py) under the real engine with the tls plugin built here.

The program is the project's own, with `__main__.py` replaced by a PKI-only entry point that reads
the settings from the stack config and builds `Pki("pki", PkiArgs.from_settings(settings))` as the
real `__main__.py` does. scripts/pulumi (through scripts/build-pulumi) installs the tls plugin into
the test's PULUMI_HOME; with `CI` set a missing plugin fails the test, elsewhere it skips.

Renewal: the provider replaces a certificate once `now >= validity end - early_renewal_hours`
(its `ready_for_renewal` plan modifier). Waiting for that is not possible in a test, and the settings
refuse `earlyRenewalDays >= validityDays`; so the entry point takes a test-only config key
`pki-e2e:earlyRenewalDays` that widens the window past the validity, which puts the issued
certificate inside it at once, as `validityDays - earlyRenewalDays` days of waiting would.
`early_renewal_hours` itself is updated in place, so a replacement can only come from the provider's
renewal check.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.layers import unavailable

from .conftest import REPO_ROOT, PulumiCli, assert_no_plaintext, copy_project, steps_by_op

TLS_VERSION = (REPO_ROOT / "tools" / "pulumi-tls" / "VERSION").read_text().split("=", 1)[1].strip()
DOMAIN = "pki-e2e.example.test"
VALIDITY_DAYS = 90
EARLY_RENEWAL_DAYS = 10
T_LEAF = "tls:index/locallySignedCert:LocallySignedCert"
TLS_TYPES = {
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
    "tls:index/certRequest:CertRequest",
    T_LEAF,
}

PROGRAM = '''\
"""PKI only: the project's Pki component, with settings from the stack config as in __main__.py."""
import dataclasses

import pulumi

from components.pki import Pki, PkiArgs
from settings import load_from_pulumi

settings = load_from_pulumi()
args = PkiArgs.from_settings(settings)
# Test hook (see tests/e2e/test_pki_tls.py): a renewal window wider than the validity.
window = pulumi.Config("pki-e2e").get_int("earlyRenewalDays")
if window is not None:
    args = dataclasses.replace(args, early_renewal_days=window)
pki = Pki("pki", args)
pulumi.export("caPem", pki.ca_pem)
pulumi.export("certificatePem", pki.certificate_pem)
pulumi.export("privateKeyPem", pki.private_key_pem)
'''


def _openssl(*args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, f"openssl {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout


def _openssl_date(line: str) -> datetime:
    """`notAfter=Nov 30 20:14:23 2026 GMT` -> datetime."""
    return datetime.strptime(line.split("=", 1)[1].strip(), "%b %d %H:%M:%S %Y %Z")


def _require_tls_plugin(cli: PulumiCli, setup_output: str) -> None:
    plugin = cli.home_dir / "plugins" / f"resource-tls-v{TLS_VERSION}" / "pulumi-resource-tls"
    if plugin.is_file():
        return
    unavailable(f"scripts/build-pulumi did not install the tls plugin {TLS_VERSION}:\n{setup_output[-3000:]}")


def _tls_by_name(cli: PulumiCli) -> dict[str, dict[str, Any]]:
    return {r["urn"].rsplit("::", 1)[1]: r for r in cli.resources() if r["type"] in TLS_TYPES}


def _changed(preview: dict[str, Any]) -> dict[str, set[str]]:
    """URN -> operations, for every step that is not `same`."""
    out: dict[str, set[str]] = {}
    for op, urns in steps_by_op(preview).items():
        if op != "same":
            for urn in urns:
                out.setdefault(urn, set()).add(op)
    return out


def test_pki_under_the_real_tls_plugin(tmp_path: Path, pulumi_cli: Callable[..., PulumiCli]) -> None:
    project = copy_project(tmp_path / "project")
    (project / "__main__.py").write_text(PROGRAM)
    cli = pulumi_cli(project)
    init = cli.stack_init("e2e")
    _require_tls_plugin(cli, init.stderr)
    cli.config_set("nexus-platform:domain", DOMAIN)
    cli.config_set("nexus-platform:nexus", '{"version": "3.77.1"}')
    cli.config_set(
        "nexus-platform:certificate",
        f'{{"validityDays": {VALIDITY_DAYS}, "earlyRenewalDays": {EARLY_RENEWAL_DAYS}}}',
    )
    pem = tmp_path / "pem"
    pem.mkdir()

    # up: CA key, CA, server key, CSR, server certificate
    cli.up()
    tls = _tls_by_name(cli)
    assert sorted(tls) == ["pki-ca", "pki-ca-key", "pki-server-cert", "pki-server-csr", "pki-server-key"]
    providers = [r for r in cli.resources() if r["type"] == "pulumi:providers:tls"]
    assert [p["inputs"].get("version") for p in providers] == [TLS_VERSION]

    outputs = cli.stack_outputs(show_secrets=True)
    key_body = outputs["privateKeyPem"].splitlines()[1]
    assert_no_plaintext(cli.stack_export(), [key_body, "PRIVATE KEY-----"])  # keys: ciphertext only
    (pem / "ca.pem").write_text(outputs["caPem"])
    (pem / "leaf.pem").write_text(outputs["certificatePem"])
    (pem / "key.pem").write_text(outputs["privateKeyPem"])
    assert _openssl("verify", "-CAfile", "ca.pem", "leaf.pem", cwd=pem).strip() == "leaf.pem: OK"

    leaf = _openssl("x509", "-in", "leaf.pem", "-noout", "-text", cwd=pem)
    sans = re.search(r"X509v3 Subject Alternative Name:.*\n\s*(.+)", leaf)
    assert sans is not None, leaf
    assert [s.strip() for s in sans.group(1).split(",")] == [f"DNS:*.{DOMAIN}", f"DNS:{DOMAIN}"]
    eku = re.search(r"X509v3 Extended Key Usage:.*\n\s*(.+)", leaf)
    assert eku is not None and eku.group(1).strip() == "TLS Web Server Authentication", leaf
    assert "CA:TRUE" not in leaf
    assert f"CN=nexus.{DOMAIN}" in leaf.replace(" = ", "=")
    start, end = (
        _openssl_date(_openssl("x509", "-in", "leaf.pem", "-noout", f"-{field}", cwd=pem))
        for field in ("startdate", "enddate")
    )
    assert end - start == timedelta(days=VALIDITY_DAYS)
    ca = _openssl("x509", "-in", "ca.pem", "-noout", "-text", cwd=pem)
    assert "CA:TRUE" in ca and "Certificate Sign" in ca, ca
    # the private key output belongs to the certificate
    assert _openssl("pkey", "-in", "key.pem", "-pubout", cwd=pem) == _openssl(
        "x509", "-in", "leaf.pem", "-noout", "-pubkey", cwd=pem
    )

    # a second preview: nothing to do
    cli.preview("--expect-no-changes")
    assert _changed(cli.preview_json()) == {}

    # renewal: inside earlyRenewalDays only the server certificate is replaced
    cli.config_set("pki-e2e:earlyRenewalDays", str(VALIDITY_DAYS + 10))
    preview = cli.preview_json()
    leaf_urn = tls["pki-server-cert"]["urn"]
    changed = _changed(preview)
    assert set(changed) == {leaf_urn}, changed
    assert "replace" in changed[leaf_urn], changed
    replace_step = next(s for s in preview["steps"] if s["urn"] == leaf_urn and s["op"] == "replace")
    assert "readyForRenewal" in (replace_step.get("replaceReasons") or []), replace_step
    cli.up()
    renewed = _tls_by_name(cli)
    for name in ("pki-ca", "pki-ca-key", "pki-server-key", "pki-server-csr"):
        assert renewed[name]["id"] == tls[name]["id"], name
    assert renewed["pki-server-cert"]["id"] != tls["pki-server-cert"]["id"]
    after = cli.stack_outputs(show_secrets=True)
    assert after["caPem"] == outputs["caPem"] and after["privateKeyPem"] == outputs["privateKeyPem"]
    assert after["certificatePem"] != outputs["certificatePem"]
    (pem / "renewed.pem").write_text(after["certificatePem"])
    assert _openssl("verify", "-CAfile", "ca.pem", "renewed.pem", cwd=pem).strip() == "renewed.pem: OK"

    # destroy: nothing left
    cli.destroy()
    assert cli.resources() == []
