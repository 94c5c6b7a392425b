"""Reading the stack config: from the Pulumi runtime, from a stack file, or from a mapping."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime import config as runtime_config
from pydantic import ValidationError

from settings.errors import PROJECT, SettingsError, SettingsIssue, validation_issues
from settings.stack import StackSettings


def parse_settings(raw: Mapping[str, Any]) -> StackSettings:
    """Validate the un-namespaced config mapping (``{"domain": ..., "nexus": {...}}``)."""
    try:
        return StackSettings.model_validate(dict(raw))
    except ValidationError as error:
        raise SettingsError(validation_issues(error)) from None


def _decode(value: Any) -> Any:
    """Pulumi hands structured config over as JSON text; plain strings stay strings."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def namespace_config(config: Mapping[str, Any], namespace: str = PROJECT) -> dict[str, Any]:
    """Keep the keys of one namespace, without the prefix, decoded."""
    prefix = f"{namespace}:"
    return {key[len(prefix) :]: _decode(value) for key, value in config.items() if key.startswith(prefix)}


class _EncryptedPlaceholder(str):
    """Marks a `secure:` value read from a stack file without its passphrase."""


ENCRYPTED = "(encrypted)"  # what a `secure:` value reads as from a stack file without the engine


def _replace_secure(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return _EncryptedPlaceholder(ENCRYPTED)
        return {key: _replace_secure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_secure(item) for item in value]
    return value


def load_stack_file(path: Path) -> StackSettings:
    """Parse a Pulumi.<stack>.yaml without the engine; encrypted values become placeholders."""
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError([SettingsIssue("(root)", f"{path.name}: 'config' must be a mapping")])
    return parse_settings(_replace_secure(namespace_config(config)))


def load_from_pulumi(*, deployment: bool = False) -> StackSettings:
    """Read the stack's config through the Pulumi runtime (inside `pulumi up`/`preview`).

    ``deployment``: the whole program runs, so also what configuring Nexus needs (the admin
    password) is required now, before anything is registered.
    """
    raw: dict[str, Any] = {}
    raw.update(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    settings = parse_settings(namespace_config(raw))
    issues = settings.deployment_issues() if deployment else []
    if issues:
        raise SettingsError(issues)
    return settings
