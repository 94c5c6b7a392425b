"""Jackson-style JSON rendering (``ObjectMapper`` with ``INDENT_OUTPUT``).

Jackson's ``DefaultPrettyPrinter`` puts every object field on its own line with a two-space
indent per object level and ``" : "`` between name and value, while arrays stay on one line
(``[ "a", "b" ]``).  Empty containers render as ``{ }`` and ``[ ]``.  Nulls are written.
"""

from __future__ import annotations

import json
from typing import Any


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value), ensure_ascii=False)


def _render(value: Any, depth: int) -> str:
    if isinstance(value, dict):
        if not value:
            return "{ }"
        inner = "  " * (depth + 1)
        fields = [f"{inner}{_scalar(str(k))} : {_render(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(fields) + "\n" + "  " * depth + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(_render(v, depth) for v in value) + " ]"
    return _scalar(value)


def jackson_dumps(value: Any) -> str:
    """Serialise ``value`` the way Nexus (Jackson, INDENT_OUTPUT) does."""
    return _render(value, 0)
