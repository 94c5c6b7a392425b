"""The vendored OpenAPI document: operation lookup, $ref resolution and body validation.

Requests are validated against the schema of their operation with a Draft 4 validator (the
JSON Schema dialect of OpenAPI 3.0) with two Jackson/Nexus adjustments:

* enums are matched case-insensitively (Nexus's object mapper accepts enums in any case);
* a JSON ``null`` is treated as an absent property (Jackson leaves the field unset), so a
  ``null`` only matters when the property is required.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, validators
from jsonschema.exceptions import ValidationError

SPEC_FILE = Path(__file__).with_name("openapi-3.93.2.json")

NAME_PATTERN = r"^[a-zA-Z0-9\-]{1}[a-zA-Z0-9_\-\.]*$"
NAME_MESSAGE = (
    "Only letters, digits, underscores(_), hyphens(-), and dots(.) are allowed and may not start "
    "with underscore or dot."
)
# Required properties that Nexus checks with @NotEmpty, so a missing one reads "must not be empty"
# (observed on 3.71.0-06); other required properties read "must not be null".
NOT_EMPTY = frozenset(
    {
        "blobStoreName",
        "userId",
        "firstName",
        "lastName",
        "emailAddress",
        "password",
        "roles",
        "memberNames",
        "distribution",  # apt (observed on 3.71.0-06)
    }
)
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _ci_enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if isinstance(instance, str) and any(isinstance(e, str) and e.upper() == instance.upper() for e in enums):
        return
    if instance in enums:
        return
    yield ValidationError(f"{instance!r} is not one of {enums!r}")


def _pattern_unless_enum(
    validator: Any, pattern: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    # Some enum properties also carry the enum as a ``pattern``; Jackson reads the enum in any
    # case before bean validation, so the pattern never sees the raw text.
    if "enum" in schema:
        return
    yield from Draft4Validator.VALIDATORS["pattern"](validator, pattern, instance, schema)


RequestValidator = validators.extend(Draft4Validator, {"enum": _ci_enum, "pattern": _pattern_unless_enum})


def strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [strip_nulls(v) for v in value]
    return value


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    op: dict[str, Any]

    @property
    def request_content_types(self) -> list[str]:
        return list(self.op.get("requestBody", {}).get("content", {}).keys())

    def request_schema(self, content_type: str = "application/json") -> dict[str, Any] | None:
        content = self.op.get("requestBody", {}).get("content", {})
        entry = content.get(content_type) or content.get("*/*")
        return entry.get("schema") if entry else None

    def response_schema(self, status: int) -> dict[str, Any] | None:
        resp = self.op.get("responses", {}).get(str(status))
        if resp is None:
            return None
        for ctype in ("application/json", "*/*"):
            entry = resp.get("content", {}).get(ctype)
            if entry and "schema" in entry:
                schema: dict[str, Any] = entry["schema"]
                return schema
        return None

    def documented_statuses(self) -> list[str]:
        return list(self.op.get("responses", {}).keys())


def template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    rx = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{rx}$")


def template_specificity(template: str) -> tuple[int, int]:
    segs = template.strip("/").split("/")
    return (-sum(1 for s in segs if not s.startswith("{")), -len(segs))


class Spec:
    """Loaded OpenAPI document."""

    def __init__(self, path: Path = SPEC_FILE) -> None:
        with path.open(encoding="utf-8") as fh:
            self.doc: dict[str, Any] = json.load(fh)
        self.components = self.doc["components"]
        self._paths: list[tuple[str, re.Pattern[str]]] = sorted(
            ((t, template_regex(t)) for t in self.doc["paths"]),
            key=lambda item: template_specificity(item[0]),
        )

    @property
    def templates(self) -> list[str]:
        return list(self.doc["paths"])

    def operation(self, method: str, template: str) -> Operation | None:
        op = self.doc["paths"].get(template, {}).get(method.lower())
        return Operation(method.upper(), template, op) if op is not None else None

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for template, rx in self._paths:
            m = rx.match(path)
            if m and method.lower() in self.doc["paths"][template]:
                op = self.operation(method, template)
                assert op is not None
                return op, m.groupdict()
        return None

    def schema(self, name: str) -> dict[str, Any]:
        schema: dict[str, Any] = self.components["schemas"][name]
        return schema

    def deref(self, schema: dict[str, Any] | None) -> dict[str, Any]:
        """Resolve a top-level ``$ref`` (one level at a time)."""
        while schema is not None and "$ref" in schema:
            schema = self.schema(schema["$ref"].rsplit("/", 1)[-1])
        return schema or {}

    def merged(self, schema: dict[str, Any] | None) -> dict[str, Any]:
        """Resolved, with the properties of an ``allOf`` merged (``YumProxyApiRepository`` is the
        request's schema plus ``format``, ``type``...): one object schema."""
        schema = self.deref(schema)
        if "allOf" not in schema:
            return schema
        properties: dict[str, Any] = {}
        for part in schema["allOf"]:
            properties.update(self.merged(part).get("properties") or {})
        return {"type": "object", "properties": properties}

    def rooted(self, schema: dict[str, Any]) -> dict[str, Any]:
        """A schema whose ``#/components/...`` references resolve against this document."""
        return {"allOf": [schema], "components": self.components}

    @functools.cache  # noqa: B019 - one Spec per process, kept for its lifetime
    def _request_validator(self, key: str) -> Any:
        return RequestValidator(self.rooted(json.loads(key)))

    def request_errors(self, schema: dict[str, Any], body: Any) -> list[ValidationError]:
        validator = self._request_validator(json.dumps(schema, sort_keys=True))
        return sorted(validator.iter_errors(strip_nulls(body)), key=lambda e: list(e.absolute_path))


def violation_for(error: ValidationError) -> tuple[str, str]:
    """Map a schema error to a bean-validation ``(field, message)`` pair (shape 1)."""
    path = [p for p in error.absolute_path if isinstance(p, str)]
    field = path[-1] if path else "arg0"
    kind = error.validator
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else field
        return (name, "must not be empty" if name in NOT_EMPTY else "must not be null")
    if kind == "minimum":
        return (field, f"must be greater than or equal to {error.validator_value}")
    if kind == "maximum":
        return (field, f"must be less than or equal to {error.validator_value}")
    if kind == "pattern":
        if error.validator_value == NAME_PATTERN:
            return (field, NAME_MESSAGE)
        return (field, f'must match "{error.validator_value}"')
    if kind in ("minItems", "maxItems", "minLength", "maxLength"):
        return (
            field,
            f"size must be between {error.schema.get('minItems', error.schema.get('minLength', 0))}"
            f" and {error.schema.get('maxItems', error.schema.get('maxLength', 2147483647))}",
        )
    # unconfirmed: Jackson rejects a wrong type or enum constant while deserialising, before bean
    # validation; the exact body of that 400 is not documented. We answer with the shape-1 list.
    return (field, error.message)


@functools.cache
def load_spec() -> Spec:
    return Spec()


def deepcopy_json(value: Any) -> Any:
    return copy.deepcopy(value)


def canonical_enums(
    schema: dict[str, Any] | None, value: Any, keep: tuple[str, ...] = ("writePolicy",)
) -> Any:
    """Replace enum strings sent in another case by the declared constant (Jackson reads the
    enum, Nexus writes the constant back), except for the properties named in ``keep``
    (``writePolicy`` is stored and echoed as sent)."""
    spec = load_spec()
    schema = spec.deref(schema)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        return {
            k: v if k in keep or k not in props else canonical_enums(props[k], v, keep)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [canonical_enums(schema.get("items"), v, keep) for v in value]
    if isinstance(value, str) and "enum" in schema:
        for constant in schema["enum"]:
            if isinstance(constant, str) and constant.upper() == value.upper():
                return constant
    return value


def render_with_schema(schema: dict[str, Any] | None, value: Any) -> Any:
    """Shape ``value`` like the Java XO behind ``schema``: every declared property is present
    (``null`` when unset), undeclared properties are dropped."""
    spec = load_spec()
    schema = spec.deref(schema)
    if value is None:
        return None
    props = schema.get("properties")
    if isinstance(value, dict) and props:
        return {k: render_with_schema(s, value.get(k)) for k, s in props.items()}
    if isinstance(value, list) and schema.get("type") == "array":
        return [render_with_schema(schema.get("items"), v) for v in value]
    return value
