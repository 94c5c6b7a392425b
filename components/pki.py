"""The TLS material HAProxy serves: a private CA and a wildcard server certificate, or your own.

Generated (the default):

* a 10-year self-signed CA (ECDSA P-256) that only signs certificates (``cert_signing``,
  ``crl_signing``). Clients trust it once: ``pulumi stack output caPem`` into
  ``/etc/docker/certs.d/<host>:<port>/ca.crt``. It is never renewed automatically, since a new CA
  would have to be distributed to every client again;
* a server certificate for ``*.<domain>`` and ``<domain>`` (plus the UI host when the wildcard
  does not cover it), valid ``certificate.validityDays`` (825 days by default: the maximum Apple
  clients accept). ``early_renewal_hours`` makes ``pulumi up`` replace it once fewer than
  ``certificate.earlyRenewalDays`` remain, so a regular ``pulumi up`` renews it (the CA stays).

Bring your own (``certificate.certificatePem`` and ``certificate.privateKeyPem`` set): no TLS
resource is created; the given PEMs are passed through.

Outputs: ``ca_pem`` (public), ``certificate_pem`` (public), ``chain_pem`` (public; empty for the
generated PKI, whose CA signs the server certificate directly and is trusted by the clients), and
``private_key_pem`` (always a secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_tls as tls

from components.options import Component
from settings import CertificateSettings, StackSettings, revealed

#: Ten years, the lifetime of the generated CA.
CA_VALIDITY_HOURS = 87600
CA_ALLOWED_USES = ("cert_signing", "crl_signing")
SERVER_ALLOWED_USES = ("server_auth", "digital_signature", "key_encipherment")
KEY_ALGORITHM = "ECDSA"
KEY_CURVE = "P256"


def server_dns_names(domain: str, ui_host: str) -> list[str]:
    """SANs of the server certificate: the wildcard, the apex, and the UI host if not covered.

    A wildcard covers exactly one label, so ``nexus.example.com`` is covered by ``*.example.com``
    while ``nexus.eu.example.com`` or ``nexus.other.org`` is not.
    """
    names = [f"*.{domain}", domain]
    covered = ui_host == domain or (ui_host.endswith(f".{domain}") and "." not in ui_host[: -len(domain) - 1])
    if not covered:
        names.append(ui_host)
    return names


@dataclass(frozen=True)
class OwnCertificate:
    """A certificate brought from the stack config (``certificate.certificatePem`` and friends)."""

    certificate_pem: str
    private_key_pem: str
    chain_pem: str = ""
    ca_pem: str = ""

    @classmethod
    def from_settings(cls, certificate: CertificateSettings) -> OwnCertificate | None:
        """None unless both PEMs are set (settings refuse one without the other)."""
        if certificate.certificate_pem is None or certificate.private_key_pem is None:
            return None
        chain = certificate.chain_pem
        return cls(
            certificate_pem=certificate.certificate_pem.get_secret_value(),
            private_key_pem=certificate.private_key_pem.get_secret_value(),
            chain_pem=revealed(chain) or "",
            ca_pem=certificate.ca_pem or "",
        )


@dataclass(frozen=True)
class PkiArgs:
    """What the PKI needs: the names to cover and the certificate settings, or the certificate itself."""

    domain: str
    ui_host: str
    organization: str
    validity_days: int
    early_renewal_days: int
    #: Bring your own: no TLS resources, these PEMs are passed through.
    own: OwnCertificate | None = None

    @classmethod
    def from_settings(cls, settings: StackSettings) -> PkiArgs:
        certificate = settings.certificate
        return cls(
            domain=settings.domain,
            ui_host=settings.resolved_ui_host,
            organization=certificate.organization,
            validity_days=certificate.validity_days,
            early_renewal_days=certificate.early_renewal_days,
            own=OwnCertificate.from_settings(certificate),
        )


class Pki(Component[PkiArgs]):
    """The CA and server certificate (generated), or the bring-your-own PEMs passed through."""

    TYPE_TOKEN = "nexus-platform:components:Pki"

    ca_pem: pulumi.Output[str]
    certificate_pem: pulumi.Output[str]
    chain_pem: pulumi.Output[str]
    private_key_pem: pulumi.Output[str]
    #: True when the certificate came from the stack config (no TLS resources).
    bring_your_own: bool

    def build(self, name: str, args: PkiArgs) -> Mapping[str, Any]:
        own = args.own
        self.bring_your_own = own is not None
        if own is not None:
            self.ca_pem = pulumi.Output.from_input(own.ca_pem)
            self.certificate_pem = pulumi.Output.from_input(own.certificate_pem)
            self.chain_pem = pulumi.Output.from_input(own.chain_pem)
            self.private_key_pem = pulumi.Output.secret(own.private_key_pem)
        else:
            self._generate(name, args)
        return {
            "caPem": self.ca_pem,
            "certificatePem": self.certificate_pem,
            "chainPem": self.chain_pem,
            "privateKeyPem": self.private_key_pem,
        }

    def _generate(self, name: str, args: PkiArgs) -> None:
        child = self.child()
        organization = args.organization

        ca_key = tls.PrivateKey(f"{name}-ca-key", algorithm=KEY_ALGORITHM, ecdsa_curve=KEY_CURVE, opts=child)
        ca = tls.SelfSignedCert(
            f"{name}-ca",
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            allowed_uses=list(CA_ALLOWED_USES),
            validity_period_hours=CA_VALIDITY_HOURS,
            set_subject_key_id=True,
            subject=tls.SelfSignedCertSubjectArgs(
                common_name=f"{organization} CA ({args.domain})",
                organization=organization,
            ),
            opts=child,
        )

        server_key = tls.PrivateKey(
            f"{name}-server-key", algorithm=KEY_ALGORITHM, ecdsa_curve=KEY_CURVE, opts=child
        )
        request = tls.CertRequest(
            f"{name}-server-csr",
            private_key_pem=server_key.private_key_pem,
            dns_names=server_dns_names(args.domain, args.ui_host),
            subject=tls.CertRequestSubjectArgs(common_name=args.ui_host, organization=organization),
            opts=child,
        )
        server = tls.LocallySignedCert(
            f"{name}-server-cert",
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key.private_key_pem,
            ca_cert_pem=ca.cert_pem,
            allowed_uses=list(SERVER_ALLOWED_USES),
            validity_period_hours=args.validity_days * 24,
            early_renewal_hours=args.early_renewal_days * 24,
            set_subject_key_id=True,
            opts=child,
        )

        self.ca_pem = ca.cert_pem
        self.certificate_pem = server.cert_pem
        self.chain_pem = pulumi.Output.from_input("")
        self.private_key_pem = pulumi.Output.secret(server_key.private_key_pem)
