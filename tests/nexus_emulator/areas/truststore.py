"""The SSL trust store (``/v1/security/ssl/truststore``): certificates Nexus trusts outbound.

The real core has these routes (``routes-3.71.0-06-oss.txt``); the answers below were observed
on 3.71.0-06: POST takes the PEM text and answers 201 with the certificate, whose ``id`` is its
``fingerprint`` (SHA-1 of the DER bytes, uppercase hex pairs joined by colons) and whose ``pem``
is re-encoded in 64-character lines; the same certificate again is 409 "A certificate already
exists with the id: '<id>'."; text that is not a PEM certificate is 400 ``PARAMETER arg0``
"Invalid PEM formatted certificate"; DELETE answers 204, and 404 "No certificate with alias
'<id>' in trust store." for an unknown id. There is no GET of one certificate and no PUT.
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime
import hashlib
import re
from typing import Any

from pyasn1.codec.der import decoder
from pyasn1.error import PyAsn1Error
from pyasn1.type import univ

from ..core import Area, Request, Route, register
from ..errors import BeanValidationError, MessageError, Response

COLLECTION = "/v1/security/ssl/truststore"
ITEM = COLLECTION + "/{id}"
_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.DOTALL)
_NAME_OIDS = {"2.5.4.3": "CommonName", "2.5.4.10": "Organization", "2.5.4.11": "OrganizationalUnit"}


class TrustStore:
    def __init__(self) -> None:
        self.certificates: dict[str, dict[str, Any]] = {}

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(dict(sorted(self.certificates.items())))


def _store(req: Request) -> dict[str, dict[str, Any]]:
    return req.state.store(TrustStore).certificates


def _names(name: Any, prefix: str) -> dict[str, str | None]:
    found: dict[str, str | None] = {f"{prefix}{key}": None for key in _NAME_OIDS.values()}
    for rdn in name:
        for attribute in rdn:
            key = _NAME_OIDS.get(str(attribute[0]))
            if key:
                found[f"{prefix}{key}"] = str(attribute[1])
    return found


def _millis(time: Any) -> int:
    moment = time.asDateTime
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return int(moment.timestamp() * 1000)


def parse_certificate(text: str) -> dict[str, Any]:
    """The ApiCertificate of a PEM text; 400 as on the real server when it is not one."""
    block = _BLOCK.search(text or "")
    try:
        if block is None:
            raise ValueError("no PEM block")
        der = base64.b64decode("".join(block.group(1).split()), validate=True)
        certificate, _ = decoder.decode(der)
        tbs = certificate[0]
        # With a version ([0] EXPLICIT) first, the serial is the second field of the TBS part.
        offset = 0 if tbs[0].tagSet == univ.Integer.tagSet else 1
        serial, issuer, validity, subject = (tbs[offset], tbs[offset + 2], tbs[offset + 3], tbs[offset + 4])
    except (ValueError, binascii.Error, PyAsn1Error, IndexError, TypeError):
        raise BeanValidationError([("arg0", "Invalid PEM formatted certificate")]) from None
    digest = hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
    fingerprint = ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))
    encoded = base64.b64encode(der).decode()
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return {
        "expiresOn": _millis(validity[1]),
        "fingerprint": fingerprint,
        "id": fingerprint,
        "issuedOn": _millis(validity[0]),
        **_names(issuer, "issuer"),
        "pem": "\n".join(["-----BEGIN CERTIFICATE-----", *lines, "-----END CERTIFICATE-----"]) + "\n",
        "serialNumber": str(int(serial)),
        **_names(subject, "subject"),
    }


def list_certificates(req: Request) -> Response:
    return Response.json(200, list(_store(req).values()))


def add_certificate(req: Request) -> Response:
    certificate = parse_certificate(req.body if isinstance(req.body, str) else "")
    if certificate["id"] in _store(req):
        raise MessageError(409, f"A certificate already exists with the id: '{certificate['id']}'.")
    _store(req)[certificate["id"]] = certificate
    return Response.json(201, certificate)


def remove_certificate(req: Request) -> Response:
    if _store(req).pop(req.params["id"], None) is None:
        raise MessageError(404, f"No certificate with alias '{req.params['id']}' in trust store.")
    return Response.no_content(204)


PERM = "nexus:ssl-truststore:read"
ROUTES = [
    Route("GET", COLLECTION, list_certificates, PERM),
    Route("POST", COLLECTION, add_certificate, "nexus:ssl-truststore:create"),
    Route("DELETE", ITEM, remove_certificate, "nexus:ssl-truststore:delete"),
]
# A self-signed P-256 certificate (CN=probe CA), made for these contract steps.
CONTRACT_PEM = """-----BEGIN CERTIFICATE-----
MIIBwTCCAWegAwIBAgIUT0swOPvfDMtJ3RxYc28ZfWHp++AwCgYIKoZIzj0EAwIw
NjERMA8GA1UEAwwIcHJvYmUgQ0ExEjAQBgNVBAoMCVByb2JlIE9yZzENMAsGA1UE
CwwEVW5pdDAeFw0yNjEyMDcxMTU5NDJaFw0yNjEyMDkxMTU5NDJaMDYxETAPBgNV
BAMMCHByb2JlIENBMRIwEAYDVQQKDAlQcm9iZSBPcmcxDTALBgNVBAsMBFVuaXQw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQ1vzE07+Ki77AkDPrMBnozK5NbbNtf
JW2SNiNrYIAU5sp1GmcBO0rlPLrmkZUQQ9eFy/dTMM8j7qUcL+yWGaKno1MwUTAd
BgNVHQ4EFgQUNNdzY3zDMT4B9PaHpDG2TYUjpIAwHwYDVR0jBBgwFoAUNNdzY3zD
MT4B9PaHpDG2TYUjpIAwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiA65jmGOLxbkusEeOz0iSHNseDfh2nmsZYDZJkFi5ARjQIhAKDTx7IaCGPSBCWv
jVLtIy+KYLbu7Ar6I9oYcQbjkKeQ
-----END CERTIFICATE-----
"""
CONTRACT_ID = "4C:AA:2F:E8:D7:C6:6E:7D:D0:F8:46:CC:98:EF:20:7A:99:FF:A9:D1"
AREA = register(
    Area(
        "truststore",
        ROUTES,
        store=lambda _: TrustStore(),
        snapshot_key="trustStore",
        contract=[
            ("POST", COLLECTION, CONTRACT_PEM, 201),
            ("GET", COLLECTION, None, 200),
            ("DELETE", f"{COLLECTION}/{CONTRACT_ID}", None, 204),
        ],
    )
)
