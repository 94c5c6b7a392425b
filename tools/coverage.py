"""The coverage table of docs/coverage.md: each configuration object of the Nexus REST API, whether
this project manages it, and whether the best-known Terraform provider does.

The objects come from the vendored API document (every path that creates or sets something, less
the actions in :data:`NOT_OBJECTS`); what this project manages comes from the kinds registered in
``dynamic_providers/kinds.py`` (the paths each kind writes, from its declarations); the Terraform
column from ``tools/terraform-provider-nexus.json``. ``python -m tools.readme_tables`` rewrites
the table and ``tests/test_readme.py`` fails when it is stale, so a new kind shows up at once.
"""

from __future__ import annotations

import itertools
import json
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from dynamic_providers.base import NexusProvider, SingletonProvider
from dynamic_providers.kinds import KIND_MODULES, kind_of

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "tests" / "nexus_emulator" / "openapi-3.93.2.json"
TERRAFORM = ROOT / "tools" / "terraform-provider-nexus.json"

#: Paths of the document that create or set something but are actions, not objects one keeps as
#: configuration (tests, runs, uploads, one-off operations), with why.
NOT_OBJECTS: dict[str, str] = {
    "/internal/ui/security/access-check": "a question, not a setting",
    "/v1/apikeys/encryption/re-encrypt": "a one-off operation",
    "/v1/azureblobstore/test-connection": "a test",
    "/v1/blobstores/group/convert": "a one-off operation",
    "/v1/components": "content (an upload), not configuration",
    "/v1/configuration/cipher": "a one-off operation",
    "/v1/configuration/transfer-complete": "a one-off operation",
    "/v1/email/verify": "a test (the email server's verify_to)",
    "/v1/iq/capabilities/test": "a test",
    "/v1/iq/disable": "an action on the firewall settings",
    "/v1/iq/enable": "an action on the firewall settings",
    "/v1/iq/test-new-connection": "a test",
    "/v1/iq/verify-connection": "a test",
    "/v1/lifecycle/bounce": "a one-off operation",
    "/v1/lifecycle/phase": "a one-off operation",
    "/v1/malicious-risk": "findings, not configuration",
    "/v1/plan": "a one-off operation (blob store reconciliation)",
    "/v1/recovery-mode": "a one-off operation",
    "/v1/secrets/encryption/re-encrypt": "a one-off operation",
    "/v1/security/atlassian-crowd/clear-cache": "a one-off operation",
    "/v1/security/atlassian-crowd/verify-connection": "a test",
    "/v1/security/ip-allowlist/entries/bulk": "the same entries, many at once",
    "/v1/security/ldap/change-order": "the order of the LDAP servers",
    "/v1/security/ldap/verify-connection": "a test",
    "/v1/security/ldap/verify-login": "a test",
    "/v1/security/ldap/verify-user-mapping": "a test",
    "/v1/security/users/{userId}/{realm}/user-token": "one user's token",
    "/v1/staging/delete": "content (components), not configuration",
    "/v1/staging/move": "content (components), not configuration",
    "/v1/support/supportzip": "a one-off operation",
    "/v1/support/supportzippath": "a one-off operation",
    "/v1/tags/associate": "content (components), not configuration",
}
#: (path prefix, group), first match wins: objects of one family are one row per type or format.
GROUPS = (
    ("/v1/repositories/", "Repositories, by format"),
    ("/v1/blobstores/", "Blob stores, by type"),
    ("/v1/security/privileges/", "Privileges, by type"),
    ("/v1/security/", "Security"),
    ("", "System settings, tasks and the rest"),
)
#: Groups whose rows are one per name below the prefix, with the last segment as the type.
TYPED = ("/v1/repositories/",)


@dataclass
class Row:
    """One object (or, for repositories, one format with its types)."""

    group: str
    name: str
    path: str
    types: list[str] = field(default_factory=list)


def _is_action(path: str) -> bool:
    return any(path == p or path.startswith(f"{p}/") for p in NOT_OBJECTS)


@cache
def document_paths() -> dict[str, set[str]]:
    """Path -> its methods, from the API document."""
    paths = json.loads(DOCUMENT.read_text())["paths"]
    return {path: {method.upper() for method in item} for path, item in paths.items()}


def object_paths() -> list[str]:
    """Every path that creates (POST) or sets (PUT) a configuration object, without an id in it."""
    return sorted(
        path
        for path, methods in document_paths().items()
        if methods & {"POST", "PUT"} and "{" not in path and not _is_action(path)
    )


def group_of(path: str) -> tuple[str, str]:
    return next((prefix, group) for prefix, group in GROUPS if path.startswith(prefix))


def rows() -> list[Row]:
    """The objects of the document, grouped, repositories one row per format."""
    found: dict[str, Row] = {}
    for path in object_paths():
        prefix, group = group_of(path)
        if prefix in TYPED:
            name, _, kind = path.removeprefix(prefix).partition("/")
            row = found.setdefault(f"{prefix}{name}", Row(group, name, f"{prefix}{name}/{{type}}"))
            row.types.append(kind)
        else:
            name = path.removeprefix(prefix) if prefix.endswith("/") else path.removeprefix("/v1/")
            found[path] = Row(group, name, path)
    order = [group for _, group in GROUPS]
    return sorted(found.values(), key=lambda row: (order.index(row.group), row.name))


class _Recording(dict[str, Any]):
    """A mapping that notes which keys are read (the spec fields a kind's paths depend on) and
    answers each with an empty value, so that every key read is seen."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[str] = []

    def __getitem__(self, key: str) -> Any:
        self.read.append(key)
        return ""

    def get(self, key: str, default: Any = None) -> Any:
        self.read.append(key)
        return default


def written_paths(kind: type[NexusProvider[Any]]) -> set[str]:
    """The object paths a kind creates or sets: its collection (a setting: its item), with each
    placeholder filled with every value the spec allows for the field it comes from."""
    template = kind.api.item if issubclass(kind, SingletonProvider) else kind.api.collection
    provider = kind()
    probe = _Recording()
    provider.path_fields(probe)
    if not probe.read:
        return {provider.path(template, {})}
    fields = list(dict.fromkeys(probe.read))
    choices = []
    for name in fields:
        annotation = kind.spec_model.model_fields[name].annotation
        if typing.get_origin(annotation) is not typing.Literal:
            raise TypeError(
                f"{kind.kind}: its paths depend on the field {name!r}, which is not a Literal, so "
                "tools/coverage.py cannot tell which paths it writes"
            )
        choices.append(typing.get_args(annotation))
    combinations = (dict(zip(fields, values, strict=True)) for values in itertools.product(*choices))
    return {provider.path(template, c) for c in combinations if provider.path_combination_exists(c)}


def managed() -> dict[str, str]:
    """Object path -> the kind that writes it, for every registered kind."""
    out: dict[str, str] = {}
    for module in KIND_MODULES:
        kind = kind_of(module)
        for path in written_paths(kind):
            out[path] = f"[{kind.kind}](kinds/{module.__name__.rsplit('.', 1)[-1]}.md)"
    return out


def terraform() -> dict[str, Any]:
    return dict(json.loads(TERRAFORM.read_text()))


def _terraform_paths() -> dict[str, list[str]]:
    """Object path -> the Terraform resources that manage it."""
    out: dict[str, list[str]] = {}
    for resource, path in terraform()["resources"].items():
        out.setdefault(path, []).append(resource)
    return out


def _typed_cell(row: Row, covered: Mapping[str, Any]) -> str:
    types = [kind for kind in row.types if f"{row.path.removesuffix('/{type}')}/{kind}" in covered]
    return ", ".join(types) or "no"


def _code(names: list[str]) -> str:
    return ", ".join(f"`{name}`" for name in sorted(names))


def coverage_markdown() -> str:
    """The generated block of docs/coverage.md."""
    ours, theirs = managed(), _terraform_paths()
    provider = terraform()
    lines: list[str] = []
    counted = {"objects": 0, "ours": 0, "theirs": 0}
    group = ""
    for row in rows():
        if row.group != group:
            group = row.group
            lines += [
                "",
                f"### {group}",
                "",
                f"| object | API | nexus-platform | {provider['name']} |",
                "|---|---|---|---|",
            ]
        if row.types:
            base = row.path.removesuffix("/{type}")
            kinds = {ours[f"{base}/{t}"] for t in row.types if f"{base}/{t}" in ours}
            mine = _typed_cell(row, ours) + (f" ({', '.join(sorted(kinds))})" if kinds else "")
            resources = [r for t in row.types for r in theirs.get(f"{base}/{t}", [])]
            tf = _typed_cell(row, theirs) + (f" ({_code(resources)})" if resources else "")
            api = f"`{row.path}`: {', '.join(row.types)}"
            counted["ours"] += mine != "no"
            counted["theirs"] += tf != "no"
        else:
            mine = f"yes ({ours[row.path]})" if row.path in ours else "no"
            tf = f"yes ({_code(theirs[row.path])})" if row.path in theirs else "no"
            api = f"`{row.path}`"
            counted["ours"] += row.path in ours
            counted["theirs"] += row.path in theirs
        counted["objects"] += 1
        lines.append(f"| {row.name} | {api} | {mine} | {tf} |")
    objects = set(object_paths())
    gone = sorted(r for r, path in provider["resources"].items() if path not in objects)
    summary = [
        f"{counted['objects']} objects (a repository format counts once); nexus-platform manages "
        f"{counted['ours']}, {provider['name']} {counted['theirs']}.",
    ]
    if gone:
        summary += [
            "",
            f"{provider['name']} resources for objects the 3.93.2 document does not have: {_code(gone)}.",
        ]
    return "\n".join(summary + lines) + "\n"


def check() -> Iterator[str]:
    """What makes the table wrong: a kind writing, or a Terraform resource named for, a path of
    the document that is not one of its objects."""
    objects = set(object_paths())
    for path, kind in managed().items():
        if path not in objects:
            yield f"{kind} writes {path}, which is not an object of the API document (tools/coverage.py)"
    for resource, path in terraform()["resources"].items():
        if path not in objects and path in document_paths():
            yield f"{resource}: {path} is in the API document but not one of its objects"
