"""What each edition and version of Nexus offers: the one table every handler consults.

A feature is a plain string. Routes name the feature they belong to (``Route.feature``); a route
whose feature the server does not offer is absent, so its path answers 404 with an empty body (or
405 when another method of the same path exists), as on the real server. Handlers ask
``state.offers(feature)`` for the rest (realm lists, field sets, checks).

Observed on the real open-source core 3.71.0-06 (``OSS``): see ``docs/nexus-behaviour.md``.
"""

from __future__ import annotations

import re

# -- features ----------------------------------------------------------------------------------
# Repository formats: URL segment -> value of the ``format`` field (``format:maven`` serves
# ``/v1/repositories/{fmt}/{type}``). The formats after raw are the 3.93 document's that the
# project manages (Community and Pro only).
FORMATS = {
    "apt": "apt",
    "docker": "docker",
    "maven": "maven2",
    "npm": "npm",
    "pypi": "pypi",
    "raw": "raw",
    "helm": "helm",
    "yum": "yum",
    "go": "go",
    "nuget": "nuget",
    "rubygems": "rubygems",
    "cargo": "cargo",
    "conda": "conda",
    "r": "r",
    "gitlfs": "gitlfs",
    "cocoapods": "cocoapods",
    "conan": "conan",
}
# Security realms offered by ``/v1/security/realms/available`` (``realm:<id>``).
REALMS = {
    "ConanToken": "Conan Bearer Token Realm",
    "DefaultRole": "Default Role Realm",
    "DockerToken": "Docker Bearer Token Realm",
    "LdapRealm": "LDAP Realm",
    "NexusAuthenticatingRealm": "Local Authenticating Realm",
    "NexusAuthorizingRealm": "Local Authorizing Realm",
    "NpmToken": "npm Bearer Token Realm",
    "NuGetApiKey": "NuGet API-Key Realm",
    "rutauth-realm": "Rut Auth Realm",
}
AUTHORIZING_REALM = "NexusAuthorizingRealm"
"""The local authorizing realm: every local permission check goes through it. Before 3.61 it is a
realm of its own, listed and active by default, and a realm list without it leaves every user,
the admin too, with no privilege (403 on every privileged call); from 3.61 Nexus hides it from both
realm lists and keeps it installed, always last (``docs/nexus-behaviour.md``)."""
LDAP = "ldap"
"""``/v1/security/ldap*``."""
TASK_WRITE = "task-write"
"""``POST /v1/tasks``, ``PUT`` and ``DELETE /v1/tasks/{id}`` (list, get, run and stop are always there)."""
TASK_TEMPLATES = "task-templates"
"""``/v1/tasks/templates*``."""
EULA = "eula"
"""``/v1/system/eula`` (the Community Edition EULA)."""
CLEANUP_API = "cleanup-api"
"""``/v1/cleanup-policies*``."""
HTTP_SETTINGS = "http-settings"
"""``/v1/http``: the outbound HTTP settings (Pro; not in the open-source core's routes)."""
GROUP_DEPLOY = "group-deploy"
"""``group.writableMember`` of Docker and npm groups (a Pro licence feature)."""
TASK_SCHEDULE_IN_GET = "task-schedule-in-get"
"""Task GET and list items carry ``enabled``, ``frequency``-like fields, ``properties``..."""
DOCKER_LOWERCASE_NAMES = "docker-lowercase-names"
"""Docker repository names must be lowercase."""
REPOSITORY_GET_3_72 = "repository-get-3.72"
"""Repository GETs as the 3.77 source and the 3.93 document have them: a proxy without
``storage.writePolicy`` and with ``proxy.preserveEncodedCharacters``, raw attributes with the query
parameter lists, a ``raw`` attribute on raw groups. 3.71.0-06 has none of this (observed)."""


def fmt(segment: str) -> str:
    return f"format:{segment}"


def realm(realm_id: str) -> str:
    return f"realm:{realm_id}"


# -- the table -----------------------------------------------------------------------------------
EDITIONS = ("OSS", "CORE", "COMMUNITY", "PRO")
DEFAULT_EDITION = "COMMUNITY"
DEFAULT_VERSIONS = {
    "OSS": "3.71.0-06",  # the newest open-source core on Maven Central
    "CORE": "3.77.0-08",  # unconfirmed: the 3.77 open-source build is not published; version from its header
    "COMMUNITY": "3.93.2-01",
    "PRO": "3.93.2-01",
}

# Observed on the real 3.71.0-06 core: maven2, raw and apt; the two core realms; no LDAP, no task
# create/update/delete, no task templates, no EULA, no cleanup-policy API.
_CORE = frozenset(
    {
        fmt("apt"),
        fmt("maven"),
        fmt("raw"),
        realm("DefaultRole"),
        realm("NexusAuthenticatingRealm"),
    }
)
_ALL = frozenset(
    {
        *(fmt(f) for f in FORMATS),
        *(realm(r) for r in REALMS),
        LDAP,
        TASK_WRITE,
        TASK_TEMPLATES,
        EULA,
        CLEANUP_API,
        GROUP_DEPLOY,
        HTTP_SETTINGS,
    }
)

EDITION_FEATURES: dict[str, frozenset[str]] = {
    "OSS": _CORE,
    # unconfirmed: CORE (3.77+ open source) is assumed to be OSS plus the EULA endpoint; the
    # published source of 3.77 has CommunityEulaApiResource, the build itself cannot be had here.
    "CORE": _CORE | {EULA},
    # unconfirmed: Community Edition offers everything but the /v1 cleanup-policy API and
    # deploying to groups (from the API notes and the docs; no Community server was run here).
    # /v1/http: Sonatype documents it for Pro; a Community 3.84.1 answered 404 where 3.81.1 answered
    # (sonatype/nexus-public#738), so the Community Edition of the default version has none.
    "COMMUNITY": _ALL - {CLEANUP_API, GROUP_DEPLOY, HTTP_SETTINGS},
    # unconfirmed: Pro offers everything except the Community Edition EULA resource.
    "PRO": _ALL - {EULA},
}

# Features that depend on the version only, from the version on (inclusive).
VERSION_FEATURES: dict[str, tuple[int, int]] = {
    TASK_SCHEDULE_IN_GET: (3, 92),  # 3.71.0-06 has no schedule fields in a task GET (observed)
    DOCKER_LOWERCASE_NAMES: (3, 89),  # Docker names must be lowercase from 3.89.0 (release notes)
    REPOSITORY_GET_3_72: (3, 72),  # unconfirmed: the first version after the observed 3.71.0-06 is assumed
}


# Features that depend on the version only, up to the version (exclusive).
VERSION_FEATURES_UNTIL: dict[str, tuple[int, int]] = {
    # Seen in the published nexus-security jars: 3.57.0-01 lists it, 3.62.0-01 hides it.
    # unconfirmed: 3.61 as the first to hide it (3.58-3.61 are not on Maven Central).
    realm(AUTHORIZING_REALM): (3, 61),
}


def parse_version(version: str) -> tuple[int, int, int]:
    """``3.71.0-06`` -> ``(3, 71, 0)``; raises ``ValueError`` for anything else."""
    m = re.match(r"^(\d+)\.(\d+)\.(\d+)(?:-\d+)?$", version)
    if m is None:
        raise ValueError(f"version must look like 3.71.0-06, not {version!r}")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {EDITIONS}, not {edition!r}")
    return edition


def default_version(edition: str) -> str:
    return DEFAULT_VERSIONS[check_edition(edition)]


def offers(edition: str, version: str, feature: str) -> bool:
    """Does a server of this edition and version offer ``feature``?"""
    since = VERSION_FEATURES.get(feature)
    if since is not None:
        return parse_version(version)[:2] >= since
    until = VERSION_FEATURES_UNTIL.get(feature)
    if until is not None:
        return parse_version(version)[:2] < until
    return feature in EDITION_FEATURES[check_edition(edition)]


def available_realms(edition: str, version: str) -> dict[str, str]:
    return {k: v for k, v in REALMS.items() if offers(edition, version, realm(k))}
