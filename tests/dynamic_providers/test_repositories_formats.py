"""Every format of the repository kind against the emulator (Community: every format the 3.93
document has): each type the format allows is created, reads back as the stack has it, re-applies
with no call, and takes a change of each of its own fields in place. apt is on the real core too
(tests/dynamic_providers/test_conformance.py)."""

from __future__ import annotations

from typing import Any

import pytest

from dynamic_providers.repositories import FORMATS, RepositoryProvider
from tests.dynamic_providers.drive import apply, connection, create
from tests.nexus_emulator import NexusEmulator

# What each type needs whatever the format; members are made first (a hosted one of the format).
NEEDS: dict[str, dict[str, Any]] = {
    "hosted": {},
    "proxy": {"remote_url": "https://remote.example/"},
    "group": {"members": ["member"]},
}
# What a format needs on top (its required fields).
REQUIRED: dict[tuple[str, str], dict[str, Any]] = {
    ("apt", "hosted"): {"distribution": "bookworm", "signing_key": "KEYPAIR", "signing_passphrase": "pw"},
    ("apt", "proxy"): {"distribution": "bookworm"},
}
# A value other than the default for each format field, for the change.
CHANGED: dict[str, Any] = {
    "http_port": 18123,
    "https_port": 18124,
    "v1_enabled": True,
    "force_basic_auth": False,
    "index_type": "HUB",
    "index_url": "https://index.example/",
    "version_policy": "SNAPSHOT",
    "layout_policy": "PERMISSIVE",
    "content_disposition": "INLINE",
    "distribution": "trixie",
    "flat": True,
    "signing_key": "OTHER-KEYPAIR",
    "signing_passphrase": "other-pw",
    "repodata_depth": 3,
    "deploy_policy": "PERMISSIVE",
    "nuget_version": "V2",
    "query_cache_item_max_age": 60,
    "require_authentication": True,
    "conan_version": "V2",
}
CASES = [(name, repo_type) for name, info in FORMATS.items() for repo_type in info.types]


def spec_of(repo_format: str, repo_type: str, name: str) -> dict[str, Any]:
    fields = {"name": name, "format": repo_format, "type": repo_type, **NEEDS[repo_type]}
    return {**fields, **REQUIRED.get((repo_format, repo_type), {})}


def test_every_format_field_has_a_changed_value() -> None:
    fields = {field.name for info in FORMATS.values() for field in info.fields}
    assert fields == set(CHANGED)


@pytest.mark.parametrize(("repo_format", "repo_type"), CASES, ids=[f"{f}-{t}" for f, t in CASES])
def test_each_format_and_type(nexus_emulator: NexusEmulator, repo_format: str, repo_type: str) -> None:
    provider = RepositoryProvider()
    control = {"connection": connection(nexus_emulator), "adopt": False}
    if repo_type == "group":
        create(provider, {**control, **spec_of(repo_format, "hosted", "member")})
    wanted = {**control, **spec_of(repo_format, repo_type, f"{repo_format}-{repo_type}")}
    object_id, outs = create(provider, wanted)
    read = provider.read(object_id, outs)
    assert read.outs is not None
    fields = provider.spec_model.model_fields
    assert {k: v for k, v in read.outs.items() if k in fields} == {
        k: v for k, v in outs.items() if k in fields
    }
    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, wanted)[0] == "same" and nexus_emulator.requests() == []

    own = FORMATS[repo_format].fields_for(repo_type)
    if not own:
        return
    changed = {**wanted, **{field.name: CHANGED[field.name] for field in own}}
    step, outs = apply(provider, object_id, outs, changed)
    assert step == "update"
    read = provider.read(object_id, outs)
    assert read.outs is not None
    assert {field.name: read.outs[field.name] for field in own} == {
        field.name: CHANGED[field.name] for field in own
    }
    body = nexus_emulator.call(
        "GET", f"/v1/repositories/{FORMATS[repo_format].segment}/{repo_type}/{object_id}"
    ).body
    for field in own:
        sent = (body.get(field.section) or {}).get(field.key) if body.get(field.section) else None
        # secrets: the keypair comes back, the passphrase never (what the real core does for apt)
        assert sent == (None if field.key == "passphrase" else CHANGED[field.name]), field.name
