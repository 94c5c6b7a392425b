"""The contract every Nexus kind passes, parametrized over the kinds (examples in kinds.py).

Round trip of the two mappers; against the emulator (Pro: every API): create reads back the spec,
write-only fields are carried (and never come back from Nexus), re-apply is a no-op with no call,
a change is an update in place, every replace field replaces, a read after a delete is "gone",
a delete of what is gone succeeds; a setting (singleton) deleted is Nexus's default again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dynamic_providers.base import NexusProvider, SingletonProvider
from tests.dynamic_providers.drive import apply, checked, connection, create
from tests.dynamic_providers.kinds import EXAMPLES
from tests.nexus_emulator import NexusEmulator

KINDS = list(EXAMPLES)
OBJECTS = [kind for kind in KINDS if not issubclass(EXAMPLES[kind].provider, SingletonProvider)]
SINGLETONS = [kind for kind in KINDS if kind not in OBJECTS]
WRITE_ONLY = [kind for kind in KINDS if EXAMPLES[kind].provider.write_only_fields]
# A kind with no update in place (the trust store: a new PEM is a new certificate) has no change.
CHANGES = [kind for kind in KINDS if EXAMPLES[kind].change]
REPLACES = [(kind, name) for kind in KINDS for name in EXAMPLES[kind].replace]


def props(emulator: NexusEmulator, provider: NexusProvider[Any], **fields: Any) -> dict[str, Any]:
    control: dict[str, Any] = {"connection": connection(emulator)}
    if provider.adoptable:
        control["adopt"] = False
    return {**control, **fields}


def prepared(emulator: NexusEmulator, kind: str) -> tuple[NexusProvider[Any], dict[str, Any]]:
    """The kind's provider and inputs, with what it needs already created."""
    for need in EXAMPLES[kind].needs:
        provider, inputs = prepared(emulator, need)
        create(provider, inputs)
    provider = EXAMPLES[kind].provider()
    return provider, props(emulator, provider, **EXAMPLES[kind].fields)


def spec_fields(provider: NexusProvider[Any], values: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in values.items() if k in provider.spec_model.model_fields}
    return dict(provider.parse(fields).model_dump())


@pytest.mark.parametrize("kind", KINDS)
def test_mappers_round_trip(kind: str) -> None:
    example = EXAMPLES[kind]
    provider = example.provider()
    spec = provider.spec_model.model_validate(example.fields)
    read = provider.from_api(example.echo(provider.to_api(spec), spec), example.fields)
    for name in provider.write_only_fields:
        assert read.get(name) is None, f"{name} is write-only: the mapper must not invent it"
        read[name] = getattr(spec, name)
    assert provider.spec_model.model_validate(read) == spec


@pytest.mark.parametrize("kind", KINDS)
def test_create_reads_back_the_spec(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    assert spec_fields(provider, outs) == spec_fields(provider, inputs)
    read = provider.read(object_id, outs)
    assert read.id == object_id and read.outs is not None
    assert spec_fields(provider, dict(read.outs)) == spec_fields(provider, inputs)


@pytest.mark.parametrize("kind", WRITE_ONLY)
def test_write_only_fields_are_carried(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.inputs is not None
    # The example's: a repository's secrets differ by format (the apt keypair is in
    # tests/dynamic_providers/test_repositories.py).
    given = [name for name in provider.write_only_fields if name in inputs]
    assert given, f"the {kind} example sets none of its write-only fields"
    for name in given:
        assert (
            outs[name] == inputs[name]
            and read.outs[name] == inputs[name]
            and read.inputs[name] == inputs[name]
        )
    with provider.client(outs) as client:
        body = provider.fetch(client, object_id, outs)
    for name in given:
        assert str(inputs[name]) not in json.dumps(body), f"Nexus returned {name}: it is not write-only"


@pytest.mark.parametrize("kind", KINDS)
def test_reapply_is_a_no_op(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    nexus_emulator_pro.clear_log()
    assert apply(provider, object_id, outs, inputs)[0] == "same"
    assert nexus_emulator_pro.requests() == []


@pytest.mark.parametrize("kind", CHANGES)
def test_a_change_is_an_update_in_place(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    changed = {**inputs, **EXAMPLES[kind].change}
    step, outs = apply(provider, object_id, outs, changed)
    assert step == "update"
    read = provider.read(object_id, outs)
    assert read.id == object_id and read.outs is not None
    assert spec_fields(provider, dict(read.outs)) == spec_fields(provider, changed)


@pytest.mark.parametrize(("kind", "field"), REPLACES)
def test_replace_fields_replace(nexus_emulator_pro: NexusEmulator, kind: str, field: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    wanted = {**inputs, **EXAMPLES[kind].replace[field]}
    diff = provider.diff(object_id, outs, checked(provider, wanted, outs))
    assert diff.replaces == [field] and diff.delete_before_replace
    step, (new_id, new_outs) = apply(provider, object_id, outs, wanted)
    assert step == "replace"
    assert spec_fields(provider, dict(provider.read(new_id, new_outs).outs or {})) == spec_fields(
        provider, wanted
    )
    if new_id != object_id:
        assert provider.read(object_id, outs).id is None  # the old object was deleted


@pytest.mark.parametrize("kind", OBJECTS)
def test_read_after_a_delete_is_gone(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    with provider.client(outs) as client:  # deleted behind Pulumi's back
        provider.delete_object(client, object_id, outs)
    assert provider.read(object_id, outs).id is None  # 404: refresh drops it


@pytest.mark.parametrize("kind", OBJECTS)
def test_delete_of_what_is_gone_succeeds(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, inputs)
    provider.delete(object_id, outs)
    nexus_emulator_pro.clear_log()
    provider.delete(object_id, outs)  # 404: success
    deletes = [r.status for r in nexus_emulator_pro.requests() if r.method == "DELETE"]
    if provider.lookup_ignores_case:
        # It looks first (Nexus would delete a case twin in its place): a 404 there, no DELETE.
        assert deletes == [] and [r.status for r in nexus_emulator_pro.requests()] == [404]
    else:
        assert deletes == [404]


@pytest.mark.parametrize("kind", SINGLETONS)
def test_a_deleted_setting_is_the_default_again(nexus_emulator_pro: NexusEmulator, kind: str) -> None:
    provider, inputs = prepared(nexus_emulator_pro, kind)
    object_id, outs = create(provider, {**inputs, **EXAMPLES[kind].change})
    provider.delete(object_id, outs)
    read = provider.read(object_id, outs)
    assert read.outs is not None
    default = provider.default.model_dump()  # type: ignore[attr-defined]
    # A write-only field (the email server's or the HTTP settings' passwords) is never read back: a
    # read carries the recorded value whatever Nexus holds, so only the readable fields can show the
    # default.
    readable = [name for name in default if name not in provider.write_only_fields]
    found, wanted = spec_fields(provider, dict(read.outs)), {**spec_fields(provider, inputs), **default}
    assert {name: found[name] for name in readable} == {name: wanted[name] for name in readable}
