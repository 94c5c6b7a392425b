"""The email server of the stack config (components/mail.py), as a component under mocks."""

from __future__ import annotations

import pytest

from components.mail import Mail, MailArgs
from tests.components import mocks as m
from tests.components.test_access import settings_of

T_EMAIL = "pulumi-python:dynamic/nexus:EmailServer"
MAIL = {"host": "smtp.example.com", "fromAddress": "nexus@example.com", "password": "smtp-pw"}


def test_the_email_section_is_one_email_server_with_its_password_a_secret(mocks: m.RecordingMocks) -> None:
    args = MailArgs.from_settings(settings_of(email={**MAIL, "port": 587, "verifyTo": "ops@example.com"}))
    m.deploy(lambda: Mail("mail", args, connection=m.connection()))
    (server,) = mocks.of_type(T_EMAIL)
    assert server.inputs["host"] == "smtp.example.com" and server.inputs["port"] == 587
    assert server.inputs["verify_to"] == "ops@example.com"
    assert m.contains_secret(server.inputs["password"])


def test_no_email_section_is_no_mail_component() -> None:
    with pytest.raises(ValueError, match="no email section"):
        MailArgs.from_settings(settings_of())
