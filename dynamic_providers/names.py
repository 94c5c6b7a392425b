"""Nexus's name rules and how a field is named in messages, shared by every kind and the stack config."""

from __future__ import annotations

import re

# Repositories, blob stores and cleanup policies (Nexus NamePatternConstants).
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9\-][a-zA-Z0-9_\-.]*$")
NAME_RULE = (
    "only letters, digits, underscores(_), hyphens(-) and dots(.) are allowed, "
    "and it may not start with an underscore or a dot"
)


def check_name(value: str, *, lowercase: bool = False, max_length: int = 200) -> str:
    if not value or len(value) > max_length:
        raise ValueError(f"must be 1 to {max_length} characters")
    if not NAME_PATTERN.match(value):
        raise ValueError(f"'{value}': {NAME_RULE}")
    if lowercase and value != value.lower():
        raise ValueError(f"'{value}': Docker repository names must be lowercase (Nexus 3.89 and later)")
    return value


def key_path(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a dotted key: ("teams", 1, "name") -> teams[1].name."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path
