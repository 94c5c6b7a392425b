"""Loading the stack config: from a stack file (secure values as placeholders) or Pulumi's JSON text."""

from __future__ import annotations

from pathlib import Path

import pytest

import settings
from settings import SettingsError, load_stack_file, parse_settings
from settings.loading import plaintext_secrets

ROOT = Path(__file__).resolve().parents[2]
STACK_FILES = sorted(ROOT.glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("path", STACK_FILES, ids=lambda p: p.name)
def test_every_stack_file_is_valid(path: Path) -> None:
    parsed = load_stack_file(path)
    assert parsed.teams, "every stack declares at least one team"
    assert parsed.nexus.version != "latest"


def test_pulumi_config_values_are_decoded_from_json_text() -> None:
    raw = {
        "nexus-platform:domain": "example.com",
        "nexus-platform:nexus": '{"version": "3.77.1"}',
        "nexus-platform:teams": '[{"name": "a", "releasePort": 16001, "latestPort": 16002}]',
        "other-project:domain": "ignored",
    }
    parsed = parse_settings(settings.namespace_config(raw))
    assert parsed.teams[0].name == "a"


def test_stack_file_secure_values_are_placeholders(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text(
        "config:\n"
        "  nexus-platform:domain: example.com\n"
        "  nexus-platform:adminPassword:\n    secure: v1:abcdef\n"
        "  nexus-platform:nexus:\n    version: 3.77.1\n"
    )
    parsed = load_stack_file(stack)
    assert parsed.admin_password is not None
    assert parsed.admin_password.get_secret_value() == "(encrypted)"


def test_stack_file_errors_name_the_key(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text("config:\n  nexus-platform:nexus:\n    version: latest\n")
    with pytest.raises(SettingsError, match=r"nexus-platform:nexus\.version"):
        load_stack_file(stack)


S3_STORE_FILE = (
    "config:\n"
    "  nexus-platform:domain: example.com\n"
    "  nexus-platform:nexus:\n    version: 3.77.1\n"
    "  nexus-platform:s3BlobStores:\n"
    "    shared:\n      bucket: nexus-blobs\n      accessKeyId: nexus\n"
)


def test_an_s3_secret_key_must_be_a_stack_secret(tmp_path: Path) -> None:
    stack = tmp_path / "Pulumi.x.yaml"
    stack.write_text(S3_STORE_FILE + "      secretAccessKey: in-plain-text\n")
    with pytest.raises(SettingsError) as error:
        load_stack_file(stack)
    (issue,) = error.value.issues
    assert issue.key == "s3BlobStores.shared.secretAccessKey"
    assert (
        "pulumi config set --secret --path 'nexus-platform:s3BlobStores.shared.secretAccessKey'"
        in issue.message
    )
    assert "in-plain-text" not in str(error.value)
    stack.write_text(S3_STORE_FILE + "      secretAccessKey:\n        secure: v1:abcdef\n")
    assert load_stack_file(stack).s3_blob_stores["shared"].secret_access_key is not None


def test_a_secret_top_level_key_holds_its_nested_secrets() -> None:
    raw = {"s3BlobStores": {"shared": {"bucket": "b", "secretAccessKey": "plain"}}}
    assert plaintext_secrets(raw, {"s3BlobStores"}) == []
    assert [issue.key for issue in plaintext_secrets(raw, set())] == ["s3BlobStores.shared.secretAccessKey"]
