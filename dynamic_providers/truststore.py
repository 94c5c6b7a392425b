"""The SSL trust store (``/v1/security/ssl/truststore``): certificates Nexus trusts on its way out.

A proxy repository whose ``use_trust_store`` is on (and LDAP with ``useTrustStore``) trusts these
besides the JVM's own CAs: how a stack trusts an upstream signed by a private CA. The API lists,
adds (the PEM itself as the body) and deletes by id; there is no update, so any change of the PEM
is another certificate (a replace). A certificate is found by its SHA-1 fingerprint, which is the
id Nexus gives it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from typing import Any

import pydantic

from dynamic_providers.base import NOTHING, Api, NexusProvider, NexusResource, Spec, calls
from dynamic_providers.client import NexusClient
from reach.names import FieldRuleError

_PEM_BLOCK = re.compile(
    r"-----BEGIN CERTIFICATE-----\s*(?P<body>[A-Za-z0-9+/=\s]*?)\s*-----END CERTIFICATE-----", re.DOTALL
)
_PEM_LINE = 64


def certificate_der(pem: str) -> bytes:
    """The DER bytes of the one X.509 certificate ``pem`` holds; ValueError saying what is wrong."""
    blocks = _PEM_BLOCK.findall(pem)
    if len(blocks) != 1:
        found = "no" if not blocks else f"{len(blocks)}"
        raise ValueError(
            f"must hold exactly one PEM certificate (-----BEGIN CERTIFICATE----- ... -----END "
            f"CERTIFICATE-----), found {found}: add each certificate as an entry of its own"
        )
    try:
        der = base64.b64decode("".join(blocks[0].split()), validate=True)
    except binascii.Error as error:
        raise ValueError(f"the PEM certificate's base64 does not decode: {error}") from None
    # Imported here: the settings load this module at every program start, and most stacks trust
    # no certificate (pyasn1 is about 10 ms of each start; docs/performance.md).
    from pyasn1.codec.der import decoder  # noqa: PLC0415
    from pyasn1.error import PyAsn1Error  # noqa: PLC0415
    from pyasn1.type import univ  # noqa: PLC0415

    try:
        certificate, rest = decoder.decode(der)
    except PyAsn1Error as error:
        raise ValueError(f"the PEM block is not a DER certificate: {error}") from None
    # Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm, signatureValue }
    if rest or not isinstance(certificate, univ.Sequence) or len(certificate) != 3:
        raise ValueError("the PEM block is not an X.509 certificate (not a 3-part DER sequence)")
    return der


def normalised_pem(der: bytes) -> str:
    """The one PEM text of a certificate: how it is compared, whatever line breaks it came with."""
    text = base64.b64encode(der).decode()
    lines = [text[i : i + _PEM_LINE] for i in range(0, len(text), _PEM_LINE)]
    return "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"]) + "\n"


def fingerprint(der: bytes) -> str:
    """SHA-1 of the DER bytes, as Nexus writes it: uppercase hex pairs joined by colons."""
    digest = hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


class TrustedCertificateSpec(Spec):
    pem: str  # one certificate, e.g. the CA that signed an upstream's server certificate
    # Derived from pem (never set by hand): the certificate's id in Nexus.
    fingerprint: str = ""

    @pydantic.field_validator("pem")
    @classmethod
    def _one_certificate(cls, value: str) -> str:
        return normalised_pem(certificate_der(value))

    @pydantic.model_validator(mode="after")
    def _derived(self) -> TrustedCertificateSpec:
        computed = fingerprint(certificate_der(self.pem))
        if self.fingerprint and self.fingerprint.upper() != computed:
            why = f"{self.fingerprint} is not the pem's ({computed}): it is computed, leave it out"
            raise FieldRuleError("fingerprint", why)
        object.__setattr__(self, "fingerprint", computed)
        return self


def to_api(spec: TrustedCertificateSpec) -> str:
    return spec.pem  # the POST body is the PEM text itself


def from_api(body: Mapping[str, Any], previous: Mapping[str, Any] = NOTHING) -> dict[str, Any]:
    return {"pem": body.get("pem"), "fingerprint": body.get("fingerprint")}


class TrustedCertificateProvider(NexusProvider[TrustedCertificateSpec], mappers=(to_api, from_api)):
    kind = "trusted certificate"
    api = Api(
        "/v1/security/ssl/truststore",
        id_field="fingerprint",
        answer_id="fingerprint",
        create_ok=(201,),
    )
    # No PUT: a certificate is its PEM, and the fingerprint follows from it.
    replace_fields = ("fingerprint", "pem")

    def label(self, spec_or_props: TrustedCertificateSpec | Mapping[str, Any]) -> str:
        value = (
            spec_or_props.get("fingerprint")
            if isinstance(spec_or_props, Mapping)
            else spec_or_props.fingerprint
        )
        return f"{self.kind} {value}"

    @calls("GET {collection}")
    def fetch(self, client: NexusClient, object_id: str, previous: Mapping[str, Any]) -> Any | None:
        # There is no GET of one certificate: the list, and the one with this fingerprint.
        listed = client.get_json(self.api.collection) or []
        return next((cert for cert in listed if cert.get("fingerprint") == object_id), None)

    @calls("POST {collection}")
    def create_object(self, client: NexusClient, spec: TrustedCertificateSpec) -> str | None:
        client.request("POST", self.api.collection, text_body=to_api(spec), ok=self.api.create_ok)
        return None

    @calls()
    def update_object(self, client: NexusClient, object_id: str, spec: TrustedCertificateSpec) -> None:
        """Nothing to write: an adopted certificate with the same fingerprint is the same PEM."""


class TrustedCertificate(NexusResource[TrustedCertificateSpec]):
    """A certificate in Nexus's trust store, as components declare it."""
