"""Status endpoints and the Community Edition EULA."""

from __future__ import annotations

from .. import features
from ..core import Area, Request, Route, register
from ..errors import EmptyError, Response, UnexpectedError

EULA_DISCLAIMER = (
    "Use of Sonatype Nexus Repository - Community Edition is governed by the End User License Agreement at "
    "https://links.sonatype.com/products/nxrm/ce-eula. By returning the value from ‘accepted:false’ to "
    "‘accepted:true’, you acknowledge that you have read and agree to the End User License Agreement at "
    "https://links.sonatype.com/products/nxrm/ce-eula."
)


def status(req: Request) -> Response:
    return Response.no_content(200)


def status_writable(req: Request) -> Response:
    if not req.state.writable:
        raise EmptyError(503)
    return Response.no_content(200)


def status_check(req: Request) -> Response:
    checks = [
        "Available CPUs",
        "Blob Stores Ready",
        "Default Admin Credentials",
        "File Descriptors",
        "Lifecycle Phase",
        "Read-Only Detector",
        "Thread Deadlock Detector",
        "Transactions",
    ]
    return Response.json(
        200,
        {
            c: {
                "healthy": True,
                "message": None,
                "error": None,
                "details": None,
                "time": 0,
                "duration": 0,
                "timestamp": None,
            }
            for c in checks
        },
    )


def get_eula(req: Request) -> Response:
    return Response.json(200, {"disclaimer": EULA_DISCLAIMER, "accepted": req.state.eula_accepted})


def post_eula(req: Request) -> Response:
    body = req.body or {}
    if body.get("disclaimer") != EULA_DISCLAIMER:
        raise UnexpectedError("Invalid EULA disclaimer")
    req.state.eula_accepted = bool(body.get("accepted"))
    return Response.no_content(204)


ROUTES = [
    Route("GET", "/v1/status", status, authenticated=False),
    Route("GET", "/v1/status/writable", status_writable, authenticated=False),
    Route("GET", "/v1/status/check", status_check, "nexus:metrics:read"),
    Route("GET", "/v1/system/eula", get_eula, "nexus:*", feature=features.EULA),
    Route("POST", "/v1/system/eula", post_eula, "nexus:*", feature=features.EULA),
]

AREA = register(Area("system", ROUTES))
