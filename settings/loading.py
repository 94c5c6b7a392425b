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


#: Config keys holding a secret below their top level: (section, the secret's key in each entry);
#: a section is a mapping of entries by name or a list of them.
NESTED_SECRETS = (
    ("s3BlobStores", "secretAccessKey"),
    ("repositories", "signingKey"),
    ("repositories", "signingPassphrase"),
    ("repositories", "remotePassword"),
)
#: Config keys holding a secret in a section of their own: (section, the secret's key).
SECTION_SECRETS = (("email", "password"), ("docker", "hubPassword"))


def _entries(section: str, value: Any) -> list[tuple[str, Any]]:
    """(key, entry) of each entry of a section: ``s3BlobStores.name`` or ``repositories[0]``."""
    if isinstance(value, Mapping):
        return [(f"{section}.{name}", entry) for name, entry in value.items()]
    if isinstance(value, list):
        return [(f"{section}[{index}]", entry) for index, entry in enumerate(value)]
    return []


def _in_plain_text(key: str) -> SettingsIssue:
    return SettingsIssue(
        key,
        f"is in plain text in the stack config: set it as a secret, "
        f"pulumi config set --secret --path '{PROJECT}:{key}'",
    )


def plaintext_secrets(raw: Mapping[str, Any], secret_keys: set[str]) -> list[SettingsIssue]:
    """Secrets written in plain text in the stack: a secret set with ``pulumi config set --secret
    --path`` makes its whole top-level key secret (in ``secret_keys``, un-namespaced), and reads
    from a stack file as the encrypted placeholder."""
    found: list[tuple[str, Any]] = []
    for section, secret in NESTED_SECRETS:
        if section in secret_keys:
            continue
        for key, entry in _entries(section, raw.get(section)):
            found.append((f"{key}.{secret}", entry.get(secret) if isinstance(entry, Mapping) else None))
    for section, secret in SECTION_SECRETS:
        entry = raw.get(section)
        if section not in secret_keys and isinstance(entry, Mapping):
            found.append((f"{section}.{secret}", entry.get(secret)))
    return [
        _in_plain_text(key)
        for key, value in found
        if value is not None and not isinstance(value, _EncryptedPlaceholder)
    ]


def load_stack_file(path: Path) -> StackSettings:
    """Parse a Pulumi.<stack>.yaml without the engine; encrypted values become placeholders."""
    document = yaml.safe_load(path.read_text()) or {}
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise SettingsError([SettingsIssue("(root)", f"{path.name}: 'config' must be a mapping")])
    raw = _replace_secure(namespace_config(config))
    issues = plaintext_secrets(raw, set())
    if issues:
        raise SettingsError(issues)
    return parse_settings(raw)


def load_from_pulumi(*, deployment: bool = False) -> StackSettings:
    """Read the stack's config through the Pulumi runtime (inside `pulumi up`/`preview`).

    ``deployment``: the whole program runs, so also what configuring Nexus needs (the admin
    password) is required now, before anything is registered.
    """
    raw: dict[str, Any] = {}
    raw.update(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    prefix, env_secrets = f"{PROJECT}:", set(runtime_config.get_config_secret_keys_env())
    secret_keys = {
        key.removeprefix(prefix)
        for key in raw
        if key.startswith(prefix) and (key in env_secrets or runtime_config.is_config_secret(key))
    }
    config = namespace_config(raw)
    issues = plaintext_secrets(config, secret_keys)
    if issues:
        raise SettingsError(issues)
    settings = parse_settings(config)
    issues = settings.deployment_issues() if deployment else []
    if issues:
        raise SettingsError(issues)
    return settings
