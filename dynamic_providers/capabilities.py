"""What one Nexus server offers, read once before anything is written.

Editions differ in what their REST API has: the open-source core (``OSS`` up to 3.76, ``CORE``
from 3.77) has no Docker format, LDAP, task create/update/delete or cleanup-policy API;
Community Edition adds Docker, LDAP, tasks and (3.77+) the EULA; Pro adds cleanup policies.
Rather than trust a table of editions, each feature is read from what the server itself says:

- formats: ``GET /v1/formats/upload-specs`` (every format with an upload API) and the Docker
  format from its realm in ``GET /v1/security/realms/available`` (Docker has no upload API);
- LDAP: the ``LdapRealm`` among the available realms;
- task create: from the edition, the one feature that cannot be read without a write: the core
  (``OSS``/``CORE``) answers ``POST /v1/tasks`` with 405, and ``OPTIONS`` with a 500 (no ``Allow``);
- EULA, cleanup policies and the outbound HTTP settings: whether their resources exist (404 with an
  empty body when not);
- task schedules in a task GET: from 3.92 on (before, a GET has no frequency, enabled or properties).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dynamic_providers.client import NexusClient
from dynamic_providers.exceptions import NexusError, NotFoundError
from reach.nexus import ServerInfo

DOCKER_TOKEN_REALM = "DockerToken"
LDAP_REALM = "LdapRealm"
# The first version whose task GET carries the schedule, properties and the enabled flag.
TASK_SCHEDULE_IN_GET_SINCE = (3, 92)

# What provides each feature, for the one-line refusal.
PROVIDED_BY: Mapping[str, str] = {
    "format:docker": "the Docker format is in Nexus Community and Pro (the sonatype/nexus3 image), not "
    "in the open-source core; or set docker.enabled: false for a Maven/raw-only Nexus",
    "ldap": "LDAP is in Nexus Community and Pro, not in the open-source core; or remove the ldap key",
    "task-create": "creating tasks over REST is in Nexus Community and Pro, not in the open-source core; "
    "or set nexus.manageTasks: false and schedule tasks in the Nexus UI",
    "cleanup-policies": "the cleanup-policy REST API is in Nexus Pro only; or remove retention.*Days and "
    "attach cleanup policies in the UI",
    "http-settings": "the HTTP settings API (/v1/http) is in Nexus Pro, not in the open-source core nor "
    "(from 3.84) in Community; or remove httpProxy and set the proxy in the UI (System > HTTP)",
}
FEATURE_NAMES: Mapping[str, str] = {
    "format:docker": "the Docker format",
    "ldap": "LDAP",
    "task-create": "task create over REST",
    "cleanup-policies": "the cleanup-policy API",
    "eula": "the EULA resource",
    "http-settings": "the outbound HTTP settings API",
}


@dataclass(frozen=True)
class Capabilities:
    """The features of one server; ``features`` holds names like ``format:maven2`` or ``ldap``."""

    server: ServerInfo
    features: frozenset[str] = field(default_factory=frozenset)

    def has(self, feature: str) -> bool:
        return feature in self.features

    @property
    def task_schedules_in_get(self) -> bool:
        return self.has("task-schedules-in-get")

    def describe(self) -> str:
        return self.server.describe()

    def as_props(self) -> dict[str, Any]:
        return {
            "version": self.server.version,
            "edition": self.server.edition,
            "features": sorted(self.features),
        }

    @classmethod
    def from_props(cls, props: Mapping[str, Any] | None) -> Capabilities | None:
        if not props:
            return None
        return cls(
            ServerInfo(props.get("version"), props.get("edition")),
            frozenset(props.get("features") or ()),
        )


def _exists(client: NexusClient, path: str) -> bool:
    try:
        client.request("GET", path, ok=(200,))
    except NotFoundError:
        return False
    return True


def read_capabilities(client: NexusClient) -> Capabilities:
    """Six reads; needs an account that may read security settings (the admin)."""
    server = client.server_info()
    features: set[str] = set()
    for spec in client.get_json("/v1/formats/upload-specs") or []:
        if spec.get("format"):
            features.add(f"format:{spec['format']}")
    realms = {str(realm.get("id")) for realm in client.get_json("/v1/security/realms/available") or []}
    if DOCKER_TOKEN_REALM in realms:
        features.add("format:docker")
    if LDAP_REALM in realms:
        features.add("ldap")
    if not server.is_open_source:
        features.add("task-create")
    if _exists(client, "/v1/system/eula"):
        features.add("eula")
    try:
        if _exists(client, "/v1/cleanup-policies"):
            features.add("cleanup-policies")
    except NexusError as error:  # e.g. 403/402-style refusals of an edition without the feature
        if error.status is None or error.status >= 500:
            raise
    if _exists(client, "/v1/http"):
        features.add("http-settings")
    if server.version_key()[:2] >= TASK_SCHEDULE_IN_GET_SINCE:
        features.add("task-schedules-in-get")
    return Capabilities(server, frozenset(features))


def missing_features(capabilities: Capabilities, wanted: Mapping[str, str]) -> list[str]:
    """One line per feature the stack asks for (``wanted``: feature -> config key) that is absent."""
    lines = []
    for feature, key in wanted.items():
        if capabilities.has(feature):
            continue
        name = FEATURE_NAMES.get(feature) or (
            f"the {feature.split(':', 1)[1]} format" if feature.startswith("format:") else feature
        )
        provided = PROVIDED_BY.get(feature, "a Nexus edition that has it")
        lines.append(
            f"nexus-platform:{key} needs {name}, which {capabilities.describe()} does not have: {provided}"
        )
    return lines
