"""The coverage table (docs/coverage.md): its objects come from the API document, its
nexus-platform column from the registered kinds and its Terraform column from the data file."""

from __future__ import annotations

import pytest

from dynamic_providers.email_server import EmailServerProvider
from dynamic_providers.kinds import KIND_MODULES, kind_of
from dynamic_providers.privileges import PrivilegeProvider
from dynamic_providers.repositories import RepositoryProvider
from tools import coverage


def test_every_kind_writes_objects_of_the_document_and_every_resource_names_one() -> None:
    assert list(coverage.check()) == []


def test_every_registered_kind_has_a_row() -> None:
    rows = {row.path for row in coverage.rows()}
    for module in KIND_MODULES:
        for path in coverage.written_paths(kind_of(module)):
            assert path in coverage.object_paths(), path
            typed = path.rsplit("/", 1)[0] + "/{type}"
            assert path in rows or typed in rows, path


def test_the_paths_a_kind_writes_come_from_its_declarations() -> None:
    assert coverage.written_paths(EmailServerProvider) == {"/v1/email"}
    assert coverage.written_paths(PrivilegeProvider) == {
        f"/v1/security/privileges/{kind}"
        for kind in (
            *("application", "repository-admin", "repository-content-selector", "repository-view"),
            *("script", "wildcard"),
        )
    }
    # a format without a group type has no group path
    assert "/v1/repositories/apt/group" not in coverage.written_paths(RepositoryProvider)
    repositories = coverage.written_paths(RepositoryProvider)
    assert {"/v1/repositories/maven/hosted", "/v1/repositories/docker/group"} <= repositories
    assert "/v1/repositories/maven2/hosted" not in repositories  # the URL segment, not the format


def test_a_kind_shows_as_managed_and_an_action_is_no_object() -> None:
    markdown = coverage.coverage_markdown()
    assert (
        "| email | `/v1/email` | yes ([email server](kinds/email_server.md)) | yes (`nexus_mail_config`) |"
        in (markdown)
    )
    assert "/v1/email/verify" not in coverage.object_paths()
    assert "/v1/security/ldap/verify-connection" not in coverage.object_paths()


@pytest.mark.parametrize("key", ["name", "repository", "source", "version", "resources"])
def test_the_terraform_data_says_what_it_is_and_where_it_was_read(key: str) -> None:
    assert coverage.terraform()[key]
