"""The one-way-door check: a Nexus version that cannot open the data directory is refused in check.

``check`` runs in `pulumi preview` and at the start of `up`; the snapshot command (and through it
the container) depends on the resource, so a refusal there stops nothing. The data directories
here are real files looked at through the same host shell the snapshot scripts use; the real
Nexus core's own data directory gives the H2 case, the real-upgrade tests the OrientDB one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dynamic_providers.exceptions import ProviderError
from dynamic_providers.one_way_door import OneWayDoorProvider, judge_database
from reach.versions import FORCE_ONE_WAY_ENV
from tests.real_nexus.fixtures import RealNexusSession

REFUSED = r"nexus\.version 3\.71\.0-06: refusing, nothing was stopped.*OrientDB"
ORIENTDB_FILES = ["config/database.ocf", "config/repository.pcl", "component/asset.cpm"]


class Lister:
    """Counts the looks at the data directory and answers with fixed file names."""

    def __init__(self, files: list[str]) -> None:
        self.files = files
        self.calls = 0

    def __call__(self) -> list[str]:
        self.calls += 1
        return self.files


def props(data_dir: Path, version: str, **extra: Any) -> dict[str, Any]:
    return {
        "version": version,
        "docker_host": "unix:///var/run/docker.sock",
        "data_dir": str(data_dir),
        "backup_dir": str(data_dir.parent / "backups"),
        "privileged": False,  # the test owns the directory; a real host runs the look as root
        "ssh_private_key": None,
        **extra,
    }


def data_dir_with(tmp_path: Path, files: list[str]) -> Path:
    data = tmp_path / "nexus-data"
    for name in files:
        (data / "db" / name).parent.mkdir(parents=True, exist_ok=True)
        (data / "db" / name).write_bytes(b"\0" * 16)
    data.mkdir(exist_ok=True)
    return data


def test_before_371_nothing_is_looked_at() -> None:
    lister = Lister(ORIENTDB_FILES)
    assert judge_database({}, {"version": "3.62.0-01"}, lister, force=False) is None
    assert lister.calls == 0


def test_orientdb_data_to_371_is_refused_with_what_to_do() -> None:
    lister = Lister(ORIENTDB_FILES)
    olds = {"version": "3.62.0-01", "database": None}
    with pytest.raises(ProviderError) as refused:
        judge_database(olds, {"version": "3.71.0-06"}, lister, force=False)
    message = str(refused.value)
    assert message.startswith("nexus.version 3.71.0-06: refusing, nothing was stopped")
    assert "OrientDB" in message and "stay on 3.62.0-01" in message
    assert f"{FORCE_ONE_WAY_ENV}=1" in message and "--force-one-way" in message


def test_forced_goes_through_and_records_what_it_saw() -> None:
    lister = Lister(ORIENTDB_FILES)
    assert judge_database({}, {"version": "3.80.0"}, lister, force=True) == "OrientDB"


def test_h2_is_looked_at_once() -> None:
    lister = Lister(["nexus.mv.db"])
    first = judge_database({}, {"version": "3.71.0-06"}, lister, force=False)
    assert first == "H2" and lister.calls == 1
    olds = {"version": "3.71.0-06", "database": first}
    later = judge_database(olds, {"version": "3.80.0"}, lister, force=False)
    assert later == "H2" and lister.calls == 1


def test_a_fresh_directory_passes_and_is_looked_at_again() -> None:
    lister = Lister([])
    assert judge_database({}, {"version": "3.71.0-06"}, lister, force=False) == "none"
    assert judge_database({"database": "none"}, {"version": "3.71.0-06"}, lister, force=False) == "none"
    assert lister.calls == 2  # Nexus may have written OrientDB there since (a restore)


def test_check_refuses_orientdb_files_on_the_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(FORCE_ONE_WAY_ENV, raising=False)
    data = data_dir_with(tmp_path, ORIENTDB_FILES)
    provider = OneWayDoorProvider()
    with pytest.raises(Exception, match=REFUSED):
        provider.check({}, props(data, "3.71.0-06"))
    monkeypatch.setenv(FORCE_ONE_WAY_ENV, "1")
    checked = provider.check({}, props(data, "3.71.0-06"))
    assert checked.inputs["database"] == "OrientDB"


def test_check_passes_h2_files_on_the_host(tmp_path: Path) -> None:
    data = data_dir_with(tmp_path, ["nexus.mv.db", "nexus.trace.db"])
    checked = OneWayDoorProvider().check({}, props(data, "3.71.0-06"))
    assert checked.inputs["database"] == "H2"
    assert OneWayDoorProvider().diff("id", checked.inputs, checked.inputs).changes is False


def test_the_database_nexus_writes_after_the_first_up_is_no_change(tmp_path: Path) -> None:
    """The first `up` looks at an empty data directory; the next preview finds H2 there."""
    provider = OneWayDoorProvider()
    data = data_dir_with(tmp_path, [])
    first = provider.check({}, props(data, "3.71.0-06")).inputs
    data_dir_with(tmp_path, ["nexus.mv.db"])
    later = provider.check(first, props(data, "3.71.0-06")).inputs
    assert later["database"] == "H2" and first["database"] != later["database"]
    assert provider.diff("id", first, later).changes is False


def test_a_host_that_cannot_be_reached_fails_the_check_saying_why(tmp_path: Path) -> None:
    unreachable = props(tmp_path, "3.71.0-06", docker_host="ssh://nobody@127.0.0.1:1")
    with pytest.raises(Exception, match=r"could not look at .*/db on ssh://nobody@127\.0\.0\.1:1"):
        OneWayDoorProvider().check({}, unreachable)


@pytest.mark.real_nexus
def test_the_real_cores_data_directory_is_h2(real_nexus_session: RealNexusSession) -> None:
    data = Path(real_nexus_session.server.data_dir)
    checked = OneWayDoorProvider().check({}, props(data, "3.71.0-06"))
    assert checked.inputs["database"] == "H2"
