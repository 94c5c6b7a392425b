"""A spec's rule about one field is reported under that field's key, and Nexus's column limits
are refused at check (reach/names.py)."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers.base import check_failures
from dynamic_providers.blob_stores import FileBlobStoreSpec
from dynamic_providers.repositories import RepositorySpec
from dynamic_providers.roles import RoleSpec
from dynamic_providers.users import UserSpec


def failures(model: type[pydantic.BaseModel], **values: object) -> list[tuple[str, str]]:
    with pytest.raises(pydantic.ValidationError) as caught:
        model(**values)
    return [(f.property, f.reason) for f in check_failures(caught.value)]


@pytest.mark.parametrize(
    ("name", "fmt", "words"),
    [
        ("_bad", "raw", "may not start"),
        ("Upper", "docker", "must be lowercase"),
        ("r" * 201, "raw", "is 201 characters long; Nexus stores at most 200"),
    ],
)
def test_a_bad_repository_name_is_reported_under_name(name: str, fmt: str, words: str) -> None:
    ((key, reason),) = failures(RepositorySpec, name=name, format=fmt, type="hosted")
    assert key == "name" and words in reason


def test_names_and_ids_longer_than_nexus_stores_are_refused() -> None:
    assert failures(FileBlobStoreSpec, name="b" * 256)[0][0] == "name"
    assert FileBlobStoreSpec(name="b" * 255).name == "b" * 255
    assert failures(RoleSpec, role_id="r" * 201) == [
        ("role_id", "is 201 characters long; Nexus stores at most 200")
    ]
    assert RoleSpec(role_id="r" * 200).name == "r" * 200
    assert [key for key, _ in failures(RoleSpec, role_id="r", name="n" * 201, description="d" * 401)] == [
        "name",
        "description",
    ]
    user = {"user_id": "u", "first_name": "F", "last_name": "L", "email_address": "u@x", "password": "p"}
    for field in ("first_name", "last_name", "email_address"):
        long = "@" + "a" * 200 if field == "email_address" else "a" * 201
        assert [k for k, _ in failures(UserSpec, **{**user, field: long, "roles": ["r"]})] == [field]
