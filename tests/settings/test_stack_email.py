"""`email`: Nexus's mail server from the stack config; every mistake is an issue keyed by its config
key, found before anything is created, and the password is a secret."""

from __future__ import annotations

from typing import Any

import pytest

from settings import SettingsError, parse_settings
from settings.loading import plaintext_secrets
from tests.settings.test_stack import config

MAIL: dict[str, Any] = {"host": "smtp.example.com", "fromAddress": "nexus@example.com"}


def test_an_email_section_is_the_kind_spec() -> None:
    settings = parse_settings(
        config(email={**MAIL, "port": 587, "username": "nexus", "password": "pw", "startTlsEnabled": True})
    )
    assert settings.email is not None
    spec = settings.email.to_spec()
    assert (spec.enabled, spec.host, spec.port, spec.username, spec.password) == (
        True,
        "smtp.example.com",
        587,
        "nexus",
        "pw",
    )
    assert spec.start_tls_enabled and spec.verify_to is None and "pw" not in repr(settings.email)


def test_no_email_section_leaves_the_mail_settings_alone() -> None:
    assert parse_settings(config()).email is None


@pytest.mark.parametrize(
    ("changes", "key", "words"),
    [
        ({"port": 0}, "email.port", "greater than or equal to 1"),
        ({"port": 70000}, "email.port", "less than or equal to 65535"),
        ({"fromAddress": "nexus-at-example.com"}, "email.fromAddress", "not an e-mail address"),
        ({"host": ""}, "email.host", "is required"),
        ({"verifyTo": "ops at example.com"}, "email.verifyTo", "not an e-mail address"),
        ({"verifyTo": "ops@example.com", "enabled": False}, "email.verifyTo", "needs the settings enabled"),
        ({"startTlsRequired": True}, "email.startTlsRequired", "STARTTLS"),
        ({"sslOnConect": True}, "email.sslOnConect", "not a known key"),
    ],
)
def test_an_email_mistake_names_its_key(changes: dict[str, Any], key: str, words: str) -> None:
    with pytest.raises(SettingsError) as caught:
        parse_settings(config(email={**MAIL, **changes}))
    assert [(issue.key, words in issue.message) for issue in caught.value.issues] == [(key, True)]


def test_the_password_in_plain_text_is_refused() -> None:
    raw = config(email={**MAIL, "password": "smtp-pw"})
    (issue,) = plaintext_secrets(raw, set())
    assert issue.key == "email.password"
    assert "pulumi config set --secret --path 'nexus-platform:email.password'" in issue.message
    assert plaintext_secrets(raw, {"email"}) == []  # set as a secret: the whole section is secret
