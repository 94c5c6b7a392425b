"""``GET /v1/formats/upload-specs``: one entry per format with an upload API (Docker has none).

Observed on the open-source core 3.71.0-06: raw, apt, maven2, in that order; a Community or Pro
server lists more (of what the project uses: npm, pypi, helm, yum, go, nuget, rubygems, conda and
r). Which formats a server has comes from the edition/version table in ``features.py``. Only
``format`` is filled in; the field lists are left empty.
"""

from __future__ import annotations

from .. import features
from ..core import Area, Request, Route, register
from ..errors import Response

# URL segments (features.FORMATS) in the order the real core lists them, then the Community formats
# whose components the 3.93 document's upload form takes (unconfirmed: their order). Docker, cargo,
# cocoapods, conan and gitlfs have no upload API.
UPLOAD_ORDER = ("raw", "apt", "maven", "npm", "pypi", "helm", "yum", "go", "nuget", "rubygems", "conda", "r")


def upload_specs(req: Request) -> Response:
    return Response.json(
        200,
        [
            {
                "format": features.FORMATS[segment],
                "multipleUpload": False,
                "componentFields": [],
                "assetFields": [],
            }
            for segment in UPLOAD_ORDER
            if req.state.offers(features.fmt(segment))
        ],
    )


ROUTES = [Route("GET", "/v1/formats/upload-specs", upload_specs, "nexus:component:create")]

AREA = register(Area("formats", ROUTES))
