"""Each kind's generated page (docs/kinds/) is its declarations, as the config table is the model's,
and the calls a page states are real: operations of the API, and all that the kind sends."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from dynamic_providers.base import NexusProvider
from dynamic_providers.kinds import DOCS, HOOKS, KIND_MODULES, Call, calls_of, kind_of, pages
from tests.dynamic_providers.drive import apply, create
from tests.dynamic_providers.kinds import EXAMPLES, where
from tests.dynamic_providers.test_kind_contract import prepared
from tests.nexus_emulator import NexusEmulator
from tests.nexus_emulator.spec import load_spec

KINDS = [kind_of(module) for module in KIND_MODULES]
#: The client reads the server's identity (edition, version) when a kind or an error needs it.
SERVER_IDENTITY = "/service/rest/v1/status"


def test_kind_pages_match_the_declarations() -> None:
    expected = pages()
    on_disk = {path.name: path.read_text() for path in DOCS.glob("*.md")}
    stale = sorted(
        name for name in expected.keys() | on_disk.keys() if expected.get(name) != on_disk.get(name)
    )
    assert stale == [], f"docs/kinds is stale ({stale}): run `.venv/bin/python -m dynamic_providers.kinds`"


def test_every_kind_has_a_page_listing_every_field() -> None:
    expected = pages()
    assert len(expected) == len(KIND_MODULES) + 1  # and the index
    for module in KIND_MODULES:
        text = expected[module.__name__.rsplit(".", 1)[-1] + ".md"]
        spec = next(
            v
            for v in vars(module).values()
            if getattr(v, "__module__", None) == module.__name__ and hasattr(v, "model_fields")
        )
        assert all(f"| `{name}` |" in text for name in spec.model_fields), module.__name__


def declared(kind: type[NexusProvider[Any]]) -> list[Call]:
    return [call for hook in HOOKS if hasattr(kind, hook) for call in calls_of(kind, hook)]


def pattern(call: Call) -> re.Pattern[str]:
    """The request paths a stated call stands for (``{id}`` and the like: one segment)."""
    path = call.path.split("?", 1)[0]
    return re.compile("/service/rest" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


@pytest.mark.parametrize("kind", KINDS, ids=[kind.kind for kind in KINDS])
def test_a_hook_a_kind_overrides_declares_its_calls(kind: type[NexusProvider[Any]]) -> None:
    for hook in [hook for hook in HOOKS if hasattr(kind, hook)]:
        owner = next(cls for cls in kind.__mro__ if hook in cls.__dict__)
        assert hasattr(owner.__dict__[hook], "__nexus_calls__"), (
            f"{where(kind)}: {owner.__name__}.{hook} sends requests its page must state: "
            f"declare them with @calls(...) (dynamic_providers/base.py)"
        )


@pytest.mark.parametrize("kind", KINDS, ids=[kind.kind for kind in KINDS])
def test_every_call_a_page_states_is_an_operation_of_the_api(kind: type[NexusProvider[Any]]) -> None:
    spec = load_spec()
    # the placeholders a kind fills from the spec (a repository's format and type) as its example's
    examples = [example for example in EXAMPLES.values() if example.provider is kind]
    assert examples, f"{where(kind)} has no example: add one to tests/dynamic_providers/kinds.py (EXAMPLES)"
    (example,) = examples
    filled = kind().path_fields(example.fields)
    for call in declared(kind):
        concrete = call.path.split("?", 1)[0].format_map(defaultdict(lambda: "x", filled))
        assert spec.match(call.method, concrete) is not None, (
            f"{where(kind)}: its page states {call}, which the API does not have"
        )


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_a_page_states_every_call_its_kind_sends(nexus_emulator_pro: NexusEmulator, name: str) -> None:
    example = EXAMPLES[name]
    provider, inputs = prepared(nexus_emulator_pro, name)
    nexus_emulator_pro.clear_log()
    object_id, outs = create(provider, inputs)
    provider.read(object_id, outs)
    _, outs = apply(provider, object_id, outs, {**inputs, **example.change})
    provider.delete(object_id, outs)
    stated = [(call.method, pattern(call)) for call in declared(example.provider)]
    sent = {
        (r.method, r.path) for r in nexus_emulator_pro.requests() if not r.path.startswith(SERVER_IDENTITY)
    }
    unstated = sorted(f"{m} {p}" for m, p in sent if not any(m == sm and rx.match(p) for sm, rx in stated))
    assert unstated == [], f"{where(example.provider)} sends calls its page does not state: {unstated}"
