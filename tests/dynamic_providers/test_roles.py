"""The roles kind: request body, read-back mapping, normalisation."""

from __future__ import annotations

import pydantic
import pytest

from dynamic_providers import roles


def test_role_sets_are_sorted_and_named() -> None:
    spec = roles.RoleSpec(role_id="r", privileges=("b", "a", "a"), roles=("z", "y"))
    assert (spec.name, spec.privileges, spec.roles) == ("r", ("a", "b"), ("y", "z"))
    assert roles.to_api(spec) == {
        "id": "r",
        "name": "r",
        "description": "",
        "privileges": ["a", "b"],
        "roles": ["y", "z"],
    }
    assert roles.RoleSpec.model_validate(roles.from_api({**roles.to_api(spec), "source": "default"})) == spec
    assert roles.repository_view_privileges("docker", "docker-all", roles.BREAD_PULL) == (
        "nx-repository-view-docker-docker-all-browse",
        "nx-repository-view-docker-docker-all-read",
    )
    with pytest.raises(pydantic.ValidationError, match="cannot contain itself"):
        roles.RoleSpec(role_id="r", roles=("r",))
