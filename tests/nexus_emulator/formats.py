"""``GET /v1/formats/upload-specs``: one entry per format with an upload API (Docker has none).

The open-source core (OSS/CORE) has maven2, raw and apt (observed on 3.71.0-06, in that order:
raw, apt, maven2); Community and Pro have many more formats, of which these are the ones the
project uses or a test names. Only ``format`` is filled in; the fields lists are left empty.
"""

from __future__ import annotations

from .core import Request, Route
from .errors import Response

OPEN_SOURCE_UPLOAD_FORMATS = ("raw", "apt", "maven2")
# unconfirmed: the full list of a Community/Pro server (it has more, e.g. nuget, helm, r, yum).
FULL_UPLOAD_FORMATS = ("raw", "apt", "maven2", "npm", "pypi", "nuget", "helm", "r", "yum")


def upload_formats(edition: str) -> tuple[str, ...]:
    return OPEN_SOURCE_UPLOAD_FORMATS if edition in {"OSS", "CORE"} else FULL_UPLOAD_FORMATS


def upload_specs(req: Request) -> Response:
    return Response.json(
        200,
        [
            {"format": name, "multipleUpload": False, "componentFields": [], "assetFields": []}
            for name in upload_formats(req.state.edition)
        ],
    )


ROUTES = [Route("GET", "/v1/formats/upload-specs", upload_specs, "nexus:component:create")]
