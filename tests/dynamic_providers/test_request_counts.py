"""How many HTTP calls each engine call costs, from the emulator's request log (issue 12).

A new object: one lookup (is the name taken? the check that keeps `up` from taking over an object
it did not create) and one write; what Nexus then holds is the spec it took, so it is not read
again (that it reads back as sent is checked per kind, on the emulator and the real core). A
refresh (`read`): exactly one GET (a user: one more, as the user, to see its password still logs
in); of a kind one GET lists in full (roles, repositories), one GET per kind for the whole refresh.
A no-change `up` (check + diff): no call at all. A lost POST answer costs one more lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pulumi.dynamic import ResourceProvider

from dynamic_providers.blob_stores import FileBlobStoreProvider
from dynamic_providers.repositories import RepositoryProvider
from dynamic_providers.roles import RoleProvider, repository_view_privileges
from dynamic_providers.tasks import TaskProvider
from dynamic_providers.users import UserProvider
from tests.dynamic_providers.drive import apply, connection, create, refresh
from tests.nexus_emulator import TEST_ADMIN_PASSWORD, NexusEmulator

PULL = repository_view_privileges("docker", "docker-a-release", ("browse", "read"))


def _props(emulator: NexusEmulator, **fields: Any) -> dict[str, Any]:
    return {"connection": connection(emulator), "adopt": False, **fields}


def _blob_store(emulator: NexusEmulator) -> dict[str, Any]:
    return _props(emulator, name="docker-a")


def _repository(emulator: NexusEmulator) -> dict[str, Any]:
    fields = {"format": "docker", "type": "hosted", "blob_store": "docker-a", "http_port": 18001}
    return _props(emulator, name="docker-a-release", **fields)


def _role(emulator: NexusEmulator) -> dict[str, Any]:
    return _props(emulator, role_id="docker-pull", privileges=list(PULL))


def _user(emulator: NexusEmulator) -> dict[str, Any]:
    return _props(
        emulator,
        user_id="ci-platform",
        first_name="ci-platform",
        last_name="robot",
        email_address="ci-platform@example.com",
        password="robot-pw-1",
        roles=["docker-pull"],
    )


# (provider, props, what must exist before it) in dependency order.
Kind = tuple[ResourceProvider, Callable[[NexusEmulator], dict[str, Any]]]
CHAIN: list[tuple[str, Kind]] = [
    ("blob store", (FileBlobStoreProvider(), _blob_store)),
    ("repository", (RepositoryProvider(), _repository)),
    ("role", (RoleProvider(), _role)),
    ("user", (UserProvider(), _user)),
]


def _prepare(emulator: NexusEmulator, kind: str) -> Kind:
    for name, (provider, props) in CHAIN:
        if name == kind:
            return provider, props
        create(provider, props(emulator))
    raise AssertionError(kind)


def _calls(emulator: NexusEmulator) -> list[tuple[str, int]]:
    return [(r.method, r.status) for r in emulator.requests()]


@pytest.mark.parametrize("kind", [name for name, _ in CHAIN])
def test_new_object_costs_a_lookup_and_one_write(nexus_emulator: NexusEmulator, kind: str) -> None:
    provider, props = _prepare(nexus_emulator, kind)
    nexus_emulator.clear_log()
    create(provider, props(nexus_emulator))
    # A user's roles are checked against Nexus's before the POST (Nexus would take a misspelt
    # role id silently and grant nothing): the one read a new user costs beyond the rule.
    before = ["GET", "GET"] if kind == "user" else ["GET"]
    assert [method for method, _ in _calls(nexus_emulator)] == [*before, "POST"]
    assert nexus_emulator.count_writes() == 1


@pytest.mark.parametrize("kind", [name for name, _ in CHAIN])
def test_refresh_is_exactly_one_get(nexus_emulator: NexusEmulator, kind: str) -> None:
    provider, props = _prepare(nexus_emulator, kind)
    object_id, outs = create(provider, props(nexus_emulator))
    nexus_emulator.clear_log()
    result = provider.read(object_id, outs)
    assert result.id == object_id
    # An active user's password is tried too (issue 31, item 6): one GET as the user, which may
    # not read users (403) but logs in.
    probe = [("GET", 403)] if kind == "user" else []
    assert _calls(nexus_emulator) == [("GET", 200), *probe]


@pytest.mark.parametrize("kind", [name for name, _ in CHAIN])
def test_no_change_up_makes_no_call(nexus_emulator: NexusEmulator, kind: str) -> None:
    provider, props = _prepare(nexus_emulator, kind)
    object_id, outs = create(provider, props(nexus_emulator))
    nexus_emulator.clear_log()
    assert apply(provider, object_id, outs, props(nexus_emulator))[0] == "same"
    assert _calls(nexus_emulator) == []


def test_lost_create_answer_costs_one_lookup(nexus_emulator: NexusEmulator) -> None:
    provider, props = _prepare(nexus_emulator, "repository")
    nexus_emulator.clear_log()
    nexus_emulator.drop_next_write(method="POST", path_prefix="/service/rest/v1/repositories")
    object_id, _ = create(provider, props(nexus_emulator))
    assert object_id == "docker-a-release"
    assert [r.method for r in nexus_emulator.requests() if r.dropped] == ["POST"]
    assert nexus_emulator.count_writes() == 1  # never re-POSTed
    # the lookup before the POST (404), the lookup after the lost answer (short form, then the
    # format's own GET) and the final read
    assert nexus_emulator.count_reads() == 4, _calls(nexus_emulator)


def test_adoption_looks_first_and_writes_once(nexus_emulator: NexusEmulator) -> None:
    provider, props = _prepare(nexus_emulator, "blob store")
    nexus_emulator.call("POST", "/v1/blobstores/file", {"name": "docker-a", "path": "docker-a"})
    nexus_emulator.clear_log()
    create(provider, {**props(nexus_emulator), "adopt": True})
    assert [method for method, _ in _calls(nexus_emulator)].count("POST") == 0
    assert nexus_emulator.count_writes() == 1  # the PUT of the desired state


def test_a_refresh_reads_each_listed_kind_once(nexus_emulator: NexusEmulator) -> None:
    _prepare(nexus_emulator, "role")  # the blob store and the repository its privileges name
    repositories, roles = RepositoryProvider(), RoleProvider()
    made: list[tuple[ResourceProvider, str, dict[str, Any]]] = []
    for n in range(5):
        repository = {**_repository(nexus_emulator), "name": f"docker-a-{n}", "http_port": 18010 + n}
        made.append((repositories, *create(repositories, repository)))
        made.append((roles, *create(roles, {**_role(nexus_emulator), "role_id": f"pull-{n}"})))
    nexus_emulator.clear_log()
    first, *rest = made
    assert refresh(*first).id == first[1]  # a new process: nothing kept
    assert [provider.read(object_id, outs).id for provider, object_id, outs in rest] == [
        object_id for _, object_id, _ in rest
    ]
    listings = ["/service/rest/v1/repositorySettings", "/service/rest/v1/security/roles"]
    assert sorted(r.path for r in nexus_emulator.requests()) == listings

    # A write of the process drops what it kept: its next read sees the write.
    provider, object_id, outs = made[1]
    changed = {**_role(nexus_emulator), "role_id": object_id, "description": "new"}
    assert apply(provider, object_id, outs, changed)[0] == "update"
    nexus_emulator.clear_log()
    read = provider.read(object_id, outs)
    assert read.outs is not None and read.outs["description"] == "new"
    assert [r.path for r in nexus_emulator.requests()] == ["/service/rest/v1/security/roles"]


@pytest.mark.parametrize(("version", "item_gets"), [("3.93.2-01", 0), ("3.91.0-01", 3)])
def test_tasks_are_read_from_the_list_where_it_carries_the_schedule(version: str, item_gets: int) -> None:
    """From 3.92 a task's GET and its list item carry the schedule: a refresh reads the list once.
    Before (3.71 is observed), neither does; the item GET is read too, as the one to trust."""
    with NexusEmulator(admin_password=TEST_ADMIN_PASSWORD, edition="PRO", version=version) as emulator:
        create(FileBlobStoreProvider(), _blob_store(emulator))
        tasks = TaskProvider()
        task = {"type": "blobstore.compact", "schedule": "daily", "properties": {"blobstoreName": "docker-a"}}
        made = [create(tasks, _props(emulator, name=f"compact {n}", **task)) for n in range(3)]
        emulator.clear_log()
        refresh(tasks, *made[0])
        assert [tasks.read(object_id, outs).id for object_id, outs in made[1:]] == [
            object_id for object_id, _ in made[1:]
        ]
        paths = [r.path.removeprefix("/service/rest") for r in emulator.requests()]
        assert paths.count("/v1/tasks") == 1 and len(paths) == 1 + item_gets
