"""The configuration reference, generated from the model (docs/configuration.md; ``python -m settings``)."""

from __future__ import annotations

import json
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, SecretStr
from pydantic.alias_generators import to_camel

from settings.stack import StackSettings


def _type_name(annotation: Any) -> str:
    """A reader's name for a field type: str, int, bool, secret, list of ..., 'a' / 'b'."""
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if origin is Literal:
        return " / ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict and len(args) == 2:
        return f"map of name to {_type_name(args[1])}"
    if args and origin is not None and len(args) == 1:  # X | None
        return _type_name(args[0])
    if annotation is SecretStr:
        return "secret"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return getattr(annotation, "__name__", str(annotation))


def config_reference(
    model: type[BaseModel] = StackSettings, prefix: str = ""
) -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) of every config key, nested keys dotted, lists as [],
    maps of named entries as ``.<name>``.

    The table of docs/configuration.md is generated from this, so it cannot drift from the model.
    """
    rows: list[tuple[str, str, str, str]] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or to_camel(name)}"
        annotation = info.annotation
        nested = _nested_model(annotation)
        if info.is_required():
            default = "required"
        elif info.default_factory is not None:
            default = "" if nested else json.dumps(info.default_factory())  # type: ignore[call-arg]
        else:
            default = "" if info.default is None else json.dumps(info.default)
        rows.append((key, _type_name(annotation), default, info.description or ""))
        if nested is not None:
            inner = (
                "[]."
                if get_origin(annotation) is list
                else ".<name>."
                if get_origin(annotation) is dict
                else "."
            )
            rows.extend(config_reference(nested, f"{key}{inner}"))
    return rows


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *getattr(annotation, "__args__", ())]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def config_reference_markdown() -> str:
    lines = ["| key (`nexus-platform:` ...) | type | default | what it is |", "|---|---|---|---|"]
    for key, type_name, default, description in config_reference():
        cell = description.replace("|", "\\|")
        lines.append(f"| `{key}` | {type_name} | {default} | {cell} |")
    return "\n".join(lines) + "\n"
