"""Nexus's name rules and how a field is named in messages, shared by every kind and the stack config."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reach.errors import NexusPlatformError

# Repositories, blob stores and cleanup policies (Nexus NamePatternConstants).
NAME_PATTERN = re.compile(r"^[a-zA-Z0-9\-][a-zA-Z0-9_\-.]*$")
NAME_RULE = (
    "only letters, digits, underscores(_), hyphens(-) and dots(.) are allowed, "
    "and it may not start with an underscore or a dot"
)


class FieldRuleError(NexusPlatformError, ValueError):
    """A rule a model validator checks for one field: reported under that field's key
    (``check_failures``, ``settings.errors.validation_issues``), not the whole model's."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def error_location(item: Mapping[str, Any]) -> tuple[int | str, ...]:
    """Where a pydantic error is: its ``loc``, and the field a :class:`FieldRuleError` names."""
    raised = (item.get("ctx") or {}).get("error")
    field = (raised.field,) if isinstance(raised, FieldRuleError) else ()
    return (*item["loc"], *field)


#: The real server's column limits: the VARCHAR sizes in the CREATE TABLE statements of the
#: 3.71.0-06 core's MyBatis mappers (CRoleDAO.xml: role id and name 200, description 400;
#: CUserDAO.xml: user id, first and last name, e-mail 200; ConfigurationDAO.xml: repository name
#: 200; CPrivilegeDAO.xml, SelectorConfigurationDAO.xml, CleanupPolicyDAO.xml: names 200). A longer
#: value fails the insert: 500 with H2's "Value too long for column ..." (docs/nexus-behaviour.md).
ID_LIMIT = 200
DESCRIPTION_LIMIT = 400
#: A blob store's name: 256 in BlobStoreConfigurationDAO.xml (the real 3.71.0-06 took 256 with a path
#: of its own), but a file store's directory is named after it by default and a file name has at
#: most 255 bytes: the stack keeps to 255.
BLOB_STORE_NAME_LIMIT = 255


def check_length(value: str, limit: int = ID_LIMIT) -> str:
    """``value`` if Nexus can store it (at most ``limit`` characters)."""
    if len(value) > limit:
        raise ValueError(f"is {len(value)} characters long; Nexus stores at most {limit}")
    return value


def check_name(value: str, *, lowercase: bool = False, max_length: int = ID_LIMIT) -> str:
    if not value:
        raise ValueError("must not be empty")
    check_length(value, max_length)
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
