"""Every Nexus kind, and the reference page of each (``docs/kinds/<module>.md``), made from its declarations.

``python -m dynamic_providers.kinds`` rewrites the pages; ``tests/dynamic_providers/
test_kind_docs.py`` fails when one is stale. How to add a kind: ``docs/adding-a-kind.md``.
"""

from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dynamic_providers import (
    anonymous,
    blob_stores,
    cleanup_policies,
    content_selectors,
    email_server,
    http_settings,
    ldap,
    privileges,
    realms,
    repositories,
    roles,
    routing_rules,
    s3_blob_stores,
    tasks,
    truststore,
    users,
)
from dynamic_providers.base import KINDS, NexusProvider, SingletonProvider

#: The kind modules, one kind each.
KIND_MODULES: tuple[types.ModuleType, ...] = (
    blob_stores,
    s3_blob_stores,
    repositories,
    cleanup_policies,
    routing_rules,
    tasks,
    realms,
    anonymous,
    ldap,
    roles,
    users,
    content_selectors,
    privileges,
    email_server,
    truststore,
    http_settings,
)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "kinds"


def kind_of(module: types.ModuleType) -> type[NexusProvider[Any]]:
    """The kind a module declares."""
    (kind,) = (k for k in KINDS.values() if k.__module__ == module.__name__)
    return kind


#: Every method that sends requests to Nexus: a kind that overrides one declares what it sends.
HOOKS = (
    *("find", "fetch", "read_body", "create_object", "update_body", "update_object"),
    *("delete_object", "restore_default"),
    *("create", "read", "update", "delete"),
)


@dataclass(frozen=True)
class Call:
    """One request a kind sends, as its page states it."""

    method: str
    path: str
    note: str = ""

    def __str__(self) -> str:
        return f"`{self.method} {self.path}`" + (f" {self.note}" if self.note else "")


def calls_of(kind: type[NexusProvider[Any]], hook: str) -> list[Call]:
    """What ``hook`` of ``kind`` sends, from the declarations (``@calls``) of the kind's hooks."""
    api = kind.api
    item = api.item.replace("{collection}", api.collection)
    paths = {"{item}": item, "{delete}": (api.delete or item).replace("{collection}", api.collection)}
    found: list[Call] = []
    for entry in getattr(kind, hook).__nexus_calls__:
        head, _, rest = entry.partition(" ")
        if head.isupper():  # a request: METHOD path [note]
            path, _, note = rest.partition(" ")
            for placeholder, value in paths.items():
                path = path.replace(placeholder, value)
            found.append(Call(head, path.replace("{collection}", api.collection), note))
        else:  # another hook [note]
            found += [Call(c.method, c.path, rest or c.note) for c in calls_of(kind, head)]
    return found


def row_calls(kind: type[NexusProvider[Any]], hooks: tuple[str, ...]) -> list[Call]:
    """The calls of a page row, each once, in order."""
    found: list[Call] = []
    for hook in hooks:
        for call in calls_of(kind, hook):
            if call not in found:
                found.append(call)
    return found


def _stated(calls: list[Call]) -> str:
    return ", then ".join(map(str, calls)) or "nothing"


def type_name(annotation: Any) -> str:
    """A field's type as a reader of the stack config thinks of it."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in args)
    if origin in (types.UnionType, typing.Union):
        named = [type_name(arg) for arg in args if arg is not type(None)]
        return " \\| ".join(named) + (" or none" if type(None) in args else "")
    if origin is tuple:
        return f"list of {type_name(args[0])}"
    if origin is dict:
        return f"map of {type_name(args[0])} to {type_name(args[1])}"
    return getattr(annotation, "__name__", str(annotation))


def default_of(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return f"`{field.default_factory()!r}`"  # type: ignore[call-arg]
    if field.default is PydanticUndefined:
        return "required"
    return f"`{field.default!r}`"


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n")[0].split())


def _gone_on_read(kind: type[NexusProvider[Any]]) -> str:
    listed = kind.read_body is not NexusProvider.read_body  # it reads from a listing
    return "not in the list" if listed else "404"


def page(kind: type[NexusProvider[Any]]) -> str:
    """The reference page of one kind (markdown)."""
    api, module = kind.api, sys.modules[kind.__module__]
    singleton = issubclass(kind, SingletonProvider)
    lines = [
        f"# {kind.kind} (`dynamic_providers/{module.__name__.rsplit('.', 1)[-1]}.py`)",
        "",
        "Generated from the kind's declarations by `python -m dynamic_providers.kinds`; do not edit.",
        "",
        _first_paragraph(module.__doc__),
        "",
        "| | |",
        "|---|---|",
        f"| Pulumi type | `pulumi-python:{kind.type_name}` |",
        f"| inputs | `{kind.spec_model.__name__}` |",
    ]
    if singleton:
        write, ok = row_calls(kind, ("update_object", "update")), ", ".join(map(str, api.update_ok))
        lines += [
            f"| read | {_stated(row_calls(kind, ('read_body', 'read')))} |",
            f"| write | {_stated(write)} -> {ok} |",
            f"| delete | puts back Nexus's default: `{kind.default.model_dump()}` "  # type: ignore[attr-defined]
            f"({_stated(row_calls(kind, ('delete_object', 'delete')))}) |",
            "| adopt | no: the setting always exists |",
        ]
    else:
        made_up = f"made up by Nexus (`{api.assigned_id}` of the create's answer)"
        lines += [
            f"| id | {made_up if api.assigned_id else f'the `{api.id_field}` field'} |",
            f"| look up (adopt, an answer lost) | {_stated(row_calls(kind, ('find',)))} |",
            f"| create | {_stated(row_calls(kind, ('create_object', 'create')))} -> "
            f"{', '.join(map(str, api.create_ok))} |",
            f"| read | {_stated(row_calls(kind, ('read_body', 'read')))} ({_gone_on_read(kind)}: gone) |",
            f"| update | {_stated(row_calls(kind, ('update_object', 'update')))} -> "
            f"{', '.join(map(str, api.update_ok))} |",
            f"| delete | {_stated(row_calls(kind, ('delete_object', 'delete')))} (404: already gone) |",
            "| adopt | yes, with `adopt` (an adopted object is left in Nexus on delete) |",
        ]
        if kind.lookup_ignores_case:
            lines.append(
                "| name case | Nexus may answer for the id with an object whose name differs only in "
                "case: update and delete first check that the object is exactly the stack's (a read "
                "reports such a twin gone, with a warning; it is never written or deleted) |"
            )
    lines += ["", "## Fields", "", "| field | type | default | on change |", "|---|---|---|---|"]
    for name, field in kind.spec_model.model_fields.items():
        notes = ["replaces the object" if name in kind.replace_fields else "updated in place"]
        if name in kind.write_only_fields:
            notes.append("write-only: Nexus never returns it; secret in the state")
        lines.append(
            f"| `{name}` | {type_name(field.annotation)} | {default_of(field)} | {'; '.join(notes)} |"
        )
    # A kind module may add sections of its own (the repositories' format table).
    extra = getattr(module, "kind_page_sections", None)
    if callable(extra):
        lines += ["", *extra()]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> content of every page, the index (README.md) included."""
    out = {f"{module.__name__.rsplit('.', 1)[-1]}.md": page(kind_of(module)) for module in KIND_MODULES}
    index = ["# Nexus kinds", "", "Generated by `python -m dynamic_providers.kinds`; do not edit.", ""]
    index += [f"- [{kind_of(module).kind}]({name})" for module, name in zip(KIND_MODULES, out, strict=True)]
    index += ["", "How to add one: [../adding-a-kind.md](../adding-a-kind.md).", ""]
    return {"README.md": "\n".join(index), **out}


def main() -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    for stale in set(p.name for p in DOCS.glob("*.md")) - set(pages()):
        (DOCS / stale).unlink()
    for name, text in pages().items():
        (DOCS / name).write_text(text)
        print(DOCS / name)


if __name__ == "__main__":
    main()
