"""The one config error: :class:`SettingsError`, a list of :class:`SettingsIssue` each naming its key.

Nothing outside this package raises it: a bad value is found while the config is parsed, before
any resource is registered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import ValidationError
from pydantic.alias_generators import to_camel

from reach.errors import NexusPlatformError
from reach.names import error_location, key_path

PROJECT = "nexus-platform"


@dataclass(frozen=True)
class SettingsIssue:
    key: str  # dotted path under the namespace, e.g. teams[1].releasePort
    message: str

    def __str__(self) -> str:
        return f"{PROJECT}:{self.key}: {self.message}"


class SettingsError(NexusPlatformError, ValueError):
    """Invalid stack configuration; lists every problem with its key."""

    def __init__(self, issues: Iterable[SettingsIssue]) -> None:
        self.issues = list(issues)
        lines = "\n".join(f"  - {issue}" for issue in self.issues)
        super().__init__(f"invalid stack configuration ({len(self.issues)} problem(s)):\n{lines}")


def validation_issues(error: ValidationError, prefix: str = "") -> list[SettingsIssue]:
    """pydantic's errors as issues keyed like the stack file (``teams[1].releasePort``).

    A rule that spans keys raises :class:`SettingsError` inside a ``model_validator``; pydantic
    wraps it, and its own issues (already keyed) are taken over as they are.
    """
    issues: list[SettingsIssue] = []
    for item in error.errors():
        raised = (item.get("ctx") or {}).get("error")
        if isinstance(raised, SettingsError):
            issues.extend(raised.issues)
            continue
        loc = error_location(item)
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not a known key (check the spelling against docs/configuration.md)"
        elif item["type"].startswith(("greater_than", "less_than")):  # bounds only: inputs may be secrets
            message = f"{message} (got {item['input']})"
        path = key_path(loc)
        if not prefix:
            issues.append(SettingsIssue(path or "(root)", message))
        else:  # a nested model validated on its own (e.g. a repository's spec)
            issues.append(SettingsIssue(f"{prefix}.{to_camel(path)}" if path else prefix, message))
    return issues
