"""Snapshot names, records and pruning; the host scripts run for real on a temporary data directory."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from reach.host import SshShell, run_checked
from reach.snapshots import (
    RESTORE_ASKED,
    RESTORE_DONE,
    HostPaths,
    Snapshot,
    ask_restore_script,
    backup_script,
    delete_script,
    find_snapshot,
    keep_last_output_script,
    last_record,
    list_script,
    matching_snapshot,
    parse_records,
    parse_snapshot_name,
    previous_data,
    prune_plan,
    restore_outcome_script,
    restore_script,
    snapshot_name,
    snapshot_script,
    usage_script,
)
from tests.operations.conftest import BLOB_1, NEW_ID, NEW_IMAGE, OLD_ID, OLD_IMAGE, FakeHost, fake_host, tree

__all__ = ["fake_host"]  # the fixture, re-used from the operations tests

T0 = datetime(2025, 11, 26, 21, 2, 20, tzinfo=UTC)


def snap(version: str, minutes: int) -> Snapshot:
    when = T0 + timedelta(minutes=minutes)
    name = snapshot_name(version, when)
    return Snapshot(name=name, version=version, taken_at=when, archive=f"/b/{name}.tar")


# ---------------------------------------------------------------- pure


def test_name_carries_version_and_utc_time() -> None:
    assert snapshot_name("3.77.1-01", T0) == "nexus-data-3.77.1-01-20251126T210220Z"
    local = T0.astimezone(timezone(timedelta(hours=2)))
    assert snapshot_name("3.77.1", local) == "nexus-data-3.77.1-20251126T210220Z"
    assert parse_snapshot_name("nexus-data-3.77.1-01-20251126T210220Z") == ("3.77.1-01", T0)
    assert parse_snapshot_name("nexus-data-20251126T210220Z") is None
    assert parse_snapshot_name("something-else") is None
    with pytest.raises(ValueError):
        snapshot_name("3.77 1", T0)


def test_prune_plan_oldest_first_never_the_newest() -> None:
    snapshots = [snap("3.77.1", 30), snap("3.70.0", 0), snap("3.80.0", 60), snap("3.75.0", 10)]
    assert [s.version for s in prune_plan(snapshots, 2)] == ["3.70.0", "3.75.0"]
    assert [s.version for s in prune_plan(snapshots, 1)] == ["3.70.0", "3.75.0", "3.77.1"]
    assert prune_plan(snapshots, 0)[-1].version == "3.77.1"  # keep is at least 1: newest survives
    assert prune_plan(snapshots, 10) == []
    assert prune_plan([], 3) == []


def test_matching_snapshot_is_the_newest_of_that_version() -> None:
    snapshots = [snap("3.77.1", 0), snap("3.77.1", 5), snap("3.80.0", 10)]
    assert matching_snapshot(snapshots, "3.77.1") == snapshots[1]
    assert matching_snapshot(snapshots, "3.70.0") is None
    assert find_snapshot(snapshots, snapshots[0].name + ".tar") == snapshots[0]
    assert find_snapshot(snapshots, "/x/" + snapshots[2].name) == snapshots[2]


def test_records_round_trip_and_bad_lines_are_skipped() -> None:
    one = snap("3.77.1", 0)
    text = "\n".join(["noise", json.dumps(one.to_record()), "{broken", '{"name": "x"}'])
    assert parse_records(text) == [one]
    assert last_record("log line\n" + json.dumps(one.to_record()) + "\n") == one.to_record()
    assert last_record("nothing here\n") is None


def test_host_paths_are_checked() -> None:
    for bad in ("relative/dir", "/", '/data/"quoted"'):
        with pytest.raises(ValueError):
            HostPaths(data_dir=bad, backup_dir="/b")
    with pytest.raises(ValueError):
        HostPaths(data_dir="/d", backup_dir="/b", container="nexus; rm -rf /")


def test_scripts_are_valid_posix_sh(tmp_path: Path) -> None:
    paths = HostPaths(data_dir="/data/nexus data", backup_dir="/data/backups")
    scripts = [
        snapshot_script(paths, keep=3, skip_if_running_image="sonatype/nexus3:3.77.1"),
        snapshot_script(paths, keep=3, version="3.77.1", restart=True, reason='a "quoted" reason'),
        keep_last_output_script(paths, keep=2),
        list_script(paths),
        delete_script(paths, ["nexus-data-3.77.1-20251126T210220Z"]),
        restore_script(paths, "nexus-data-3.77.1-20251126T210220Z"),
        ask_restore_script(paths, "nexus-data-3.77.1-20251126T210220Z"),
        restore_outcome_script(paths),
        usage_script(paths),
    ]
    for script in scripts:
        subprocess.run(["/bin/sh", "-n", "-c", script], check=True)
        assert "sudo -n" in script  # privileged by default: root or sudo -n, never a prompt
    assert "'/data/nexus data'" in scripts[0]


# ---------------------------------------------------------------- scripts on a temporary data directory


def _snapshot(host: FakeHost, **kwargs: object) -> dict[str, object] | None:
    options: dict[str, object] = {"keep": 3, **kwargs}
    out = run_checked(host.shell, snapshot_script(host.paths, **options), "snapshot")  # type: ignore[arg-type]
    return last_record(out)


def test_snapshot_stops_nexus_cleanly_then_archives_and_records(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    before = tree(fake_host.data)
    record = _snapshot(fake_host, reason="upgrade to 3.80.0")
    assert record is not None
    name = str(record["name"])
    assert parse_snapshot_name(name) is not None and name.startswith("nexus-data-3.77.1-")  # from the tags
    assert record["version"] == "3.77.1"
    assert record["dataDir"] == str(fake_host.data)
    assert record["reason"] == "upgrade to 3.80.0"
    archive = fake_host.backup / f"{name}.tar"
    assert archive.is_file() and record["sizeBytes"] == archive.stat().st_size
    assert json.loads((fake_host.backup / f"{name}.json").read_text()) == record
    assert not list(fake_host.backup.glob("*.partial"))
    calls = fake_host.calls()
    assert "stop -t 150 nexus" in calls  # the configured grace period, before the archive exists
    container = fake_host.container()
    assert container is not None and container["running"] is False  # stays stopped: about to be replaced
    assert tree(fake_host.data) == before  # a snapshot never changes the data


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_snapshots_are_private(fake_host: FakeHost) -> None:
    """0700 backup directory, 0600 archives and records (the H2 database, the node keystore);
    older files left readable by an earlier version are tightened too."""
    fake_host.seed_data()
    fake_host.backup.mkdir(mode=0o755)
    old = fake_host.backup / "nexus-data-3.70.0-20250101T000000Z.tar"
    old.write_bytes(b"old")
    old.chmod(0o644)
    # with the usual umask of a login shell, which would make them world-readable
    out = run_checked(fake_host.shell, "umask 022\n" + snapshot_script(fake_host.paths, keep=3), "snapshot")
    record = last_record(out)
    assert record is not None
    assert mode(fake_host.backup) == 0o700
    for suffix in (".tar", ".json"):
        assert mode(fake_host.backup / f"{record['name']}{suffix}") == 0o600, suffix
    assert mode(old) == 0o600


def test_manual_snapshot_restarts_nexus_and_takes_the_given_version(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    record = _snapshot(fake_host, version="3.77.1-01", restart=True)
    assert record is not None and record["version"] == "3.77.1-01"
    container = fake_host.container()
    assert container is not None and container["running"] is True
    assert fake_host.calls()[-1] == "start nexus"


def test_no_snapshot_when_the_container_already_runs_the_target_image(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    assert _snapshot(fake_host, skip_if_running_image=OLD_IMAGE) is None
    assert not fake_host.backup.exists()
    assert not any(call.startswith("stop") for call in fake_host.calls())
    # a different target image: this is an upgrade, so the snapshot is taken
    assert _snapshot(fake_host, skip_if_running_image=NEW_IMAGE) is not None


def test_a_container_left_stopped_with_the_target_image_is_started(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    fake_host.run_container(OLD_ID, running=False)  # e.g. a failed up stopped it, nothing replaced it
    assert _snapshot(fake_host, skip_if_running_image=OLD_IMAGE) is None
    container = fake_host.container()
    assert container is not None and container["running"] is True


def test_no_snapshot_of_an_empty_or_missing_data_directory(fake_host: FakeHost) -> None:
    fake_host.run_container(None)
    assert _snapshot(fake_host) is None
    fake_host.data.mkdir()
    assert _snapshot(fake_host) is None
    assert fake_host.calls() == [] or not any(c.startswith("stop") for c in fake_host.calls())


def test_a_failed_snapshot_starts_nexus_again(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    Path(fake_host.paths.backup_dir).write_text("a file where the backup directory should be")
    result = fake_host.shell.run(snapshot_script(fake_host.paths, keep=3))
    assert not result.ok
    assert "starting nexus again" in result.stderr
    container = fake_host.container()
    assert container is not None and container["running"] is True
    assert fake_host.calls()[-1] == "start nexus"


def test_snapshot_and_restore_are_refused_while_another_container_runs_on_the_data(
    fake_host: FakeHost,
) -> None:
    """E.g. a Nexus started by hand under another name: nothing is stopped, copied or moved."""
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    before = tree(fake_host.data)
    state = fake_host.state()
    state["others"] = {"registry": ["/srv/registry"], "nexus-by-hand": [str(fake_host.data), "/tmp"]}
    fake_host.write_state(state)
    fake_host.clear_calls()
    for script in (
        snapshot_script(fake_host.paths, keep=3, restart=True),
        restore_script(fake_host.paths, str(record["name"])),
    ):
        result = fake_host.shell.run(script)
        assert not result.ok
        assert "in use by the running container(s) nexus-by-hand, not by nexus" in result.stderr
        assert "registry" not in result.stderr
    assert not any(call.startswith(("stop", "start")) for call in fake_host.calls())
    assert tree(fake_host.data) == before
    assert len(list(fake_host.backup.glob("*.tar"))) == 1


def test_shell_pruning_keeps_the_newest_and_agrees_with_prune_plan(fake_host: FakeHost) -> None:
    fake_host.backup.mkdir(parents=True)
    made = [snap("3.70.0", 0), snap("3.80.0", 90), snap("3.75.0", 30), snap("3.77.1", 60)]
    for s in made:
        (fake_host.backup / f"{s.name}.tar").write_bytes(b"x")
        (fake_host.backup / f"{s.name}.json").write_text(json.dumps(s.to_record()))
    fake_host.seed_data()
    record = _snapshot(fake_host, keep=3)  # takes a fifth one (now), then prunes to three
    assert record is not None
    listed = parse_records(run_checked(fake_host.shell, list_script(fake_host.paths), "list"))
    assert [s.version for s in listed] == ["3.77.1", "3.80.0", "3.77.1"]
    assert listed[-1].name == record["name"]
    everything = [*made, Snapshot.from_record(record)]
    expected = {s.name for s in everything} - {s.name for s in prune_plan(everything, 3)}
    assert {s.name for s in listed} == expected
    # the new snapshot lists its blob contents (the four made by hand are archives of everything)
    assert sorted(p.name for p in fake_host.backup.iterdir()) == sorted(
        [f"{n}{suffix}" for n in expected for suffix in (".json", ".tar")] + [f"{record['name']}.blobs"]
    )


def test_delete_and_update_scripts(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    first = _snapshot(fake_host, restart=True)
    second = _snapshot(fake_host, version="3.77.1-99", restart=True)
    assert first and second
    run_checked(fake_host.shell, delete_script(fake_host.paths, [str(first["name"])]), "delete")
    listed = parse_records(run_checked(fake_host.shell, list_script(fake_host.paths), "list"))
    assert [s.name for s in listed] == [second["name"]]
    previous = json.dumps(second)
    fake_host.clear_calls()
    out = fake_host.shell.run(
        "export PULUMI_COMMAND_STDOUT="
        + shlex.quote(previous)
        + "\n"
        + keep_last_output_script(fake_host.paths, keep=1)
    )
    assert out.ok and last_record(out.stdout) == second
    assert fake_host.calls() == []  # the update command never touches Nexus
    with pytest.raises(ValueError):
        delete_script(fake_host.paths, ["../../etc"])


def test_restore_puts_the_snapshot_back_and_keeps_the_current_data(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    original = tree(fake_host.data)
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    # the data changes after the snapshot (a new upload, a migrated database, a deleted file)
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"migrated by 3.80.0")
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000002", b"new")
    (fake_host.data / "etc" / "nexus.properties").unlink()
    changed = tree(fake_host.data)
    fake_host.clear_calls()
    out = run_checked(
        fake_host.shell,
        restore_script(fake_host.paths, str(record["name"])),
        "restore",
    )
    result = json.loads(out.strip().splitlines()[-1])
    assert result["restored"] == record["name"]
    assert tree(fake_host.data) == original  # contents, modes (0600 keystore) and the symlink
    # moved aside, not deleted: everything but the blob contents the snapshot lists, which stay in
    # place; the blob stores' own files (attributes, metadata) as an archive; the new blob's contents
    aside = Path(result["previousData"])
    new_blob = "0b9c2a1e-58f4-4c53-9a57-1c0de0000002"
    moved = tree(aside)
    assert moved.pop("blobs/default/content/vol-07/chap-21/" + new_blob + ".bytes")[2] == b"new"
    with tarfile.open(aside / "blob-store-files.tar") as archive:
        kept = {name.removeprefix("./") for name in archive.getnames()}
    del moved["blob-store-files.tar"]
    assert kept == {
        "default/metadata.properties",
        f"default/content/vol-07/chap-21/{BLOB_1}.properties",
        f"default/content/vol-07/chap-21/{new_blob}.properties",
    }
    assert {k: v for k, v in moved.items() if not k.startswith("blobs")} == {
        k: v for k, v in changed.items() if not k.startswith("blobs")
    }
    # ... where only its owner may read it: it holds the database (password hashes, keys)
    assert Path(result["previousData"]).stat().st_mode & 0o7777 == 0o700
    assert fake_host.calls()[:2] == [
        "ps --format {{.Names}}",  # nobody else has the data directory mounted
        "inspect --type container -f {{.State.Running}} nexus",
    ]
    assert "stop -t 150 nexus" in fake_host.calls()
    assert fake_host.calls()[-1] == "start nexus"


def _ask_restore(host: FakeHost, name: str) -> None:
    run_checked(host.shell, ask_restore_script(host.paths, name), "ask")


def _restore_outcome(host: FakeHost) -> str | None:
    return previous_data(run_checked(host.shell, restore_outcome_script(host.paths), "outcome"))


def test_a_rollback_restore_is_done_by_the_snapshot_step_that_starts_its_version(fake_host: FakeHost) -> None:
    """Asked before `up` (Nexus keeps running, nothing changes), done by the step right after its
    stop, instead of a snapshot; reported once."""
    fake_host.seed_data()
    original = tree(fake_host.data)
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    fake_host.run_container(NEW_ID)  # the upgrade replaced the container
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"migrated by 3.80.0")
    migrated = tree(fake_host.data)
    fake_host.clear_calls()
    _ask_restore(fake_host, str(record["name"]))
    assert tree(fake_host.data) == migrated
    assert not any(call.startswith(("stop", "start")) for call in fake_host.calls())
    # `up` pins the old image: the step restores, prints the snapshot's record, saves nothing new
    assert _snapshot(fake_host, skip_if_running_image=OLD_IMAGE) == record
    assert tree(fake_host.data) == original
    assert len(list(fake_host.backup.glob("*.tar"))) == 1
    assert "stop -t 150 nexus" in fake_host.calls()
    container = fake_host.container()
    assert container is not None and container["running"] is False  # the engine replaces it next
    assert not (fake_host.backup / RESTORE_ASKED).exists() and (fake_host.backup / RESTORE_DONE).exists()
    moved = _restore_outcome(fake_host)
    assert moved is not None and (Path(moved) / "db" / "nexus.mv.db").read_bytes() == b"migrated by 3.80.0"
    assert _restore_outcome(fake_host) is None  # reported once
    assert not (fake_host.backup / RESTORE_DONE).exists()
    # later steps take snapshots again
    fake_host.run_container(OLD_ID)
    assert _snapshot(fake_host, skip_if_running_image=NEW_IMAGE) not in (None, record)


def test_a_restore_asked_for_another_version_is_dropped_and_a_snapshot_taken(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    _ask_restore(fake_host, str(record["name"]))  # asked for 3.77.1
    result = fake_host.shell.run(snapshot_script(fake_host.paths, keep=3, skip_if_running_image=NEW_IMAGE))
    assert result.ok, result.stderr
    assert f"not restoring {record['name']}" in result.stderr
    taken = last_record(result.stdout)
    assert taken is not None and taken["name"] != record["name"]
    assert _restore_outcome(fake_host) is None
    assert not (fake_host.backup / RESTORE_ASKED).exists()


def test_a_restore_no_step_took_is_withdrawn(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    _ask_restore(fake_host, str(record["name"]))
    assert (fake_host.backup / RESTORE_ASKED).exists()
    assert _restore_outcome(fake_host) is None
    assert not (fake_host.backup / RESTORE_ASKED).exists()


def test_an_asked_restore_starts_a_container_that_is_not_replaced(fake_host: FakeHost) -> None:
    """A failed up stopped the old container and never replaced it: the rollback's step restores
    and starts it again (nothing else would)."""
    fake_host.seed_data()
    original = tree(fake_host.data)
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    fake_host.run_container(OLD_ID, running=False)
    _ask_restore(fake_host, str(record["name"]))
    assert _snapshot(fake_host, skip_if_running_image=OLD_IMAGE) == record
    assert tree(fake_host.data) == original
    container = fake_host.container()
    assert container is not None and container["running"] is True


def test_an_asked_restore_that_would_lack_a_blob_fails_the_step_before_anything_stops(
    fake_host: FakeHost,
) -> None:
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    _ask_restore(fake_host, str(record["name"]))
    shutil.rmtree(fake_host.data / ".snapshot-blobs")
    _soft_delete_and_compact(fake_host, BLOB_1)
    fake_host.run_container(NEW_ID)
    before = tree(fake_host.data)
    fake_host.clear_calls()
    result = fake_host.shell.run(snapshot_script(fake_host.paths, keep=3, skip_if_running_image=OLD_IMAGE))
    assert not result.ok and "refusing to restore" in result.stderr
    assert tree(fake_host.data) == before
    assert not any(call.startswith(("stop", "start")) for call in fake_host.calls())
    container = fake_host.container()
    assert container is not None and container["running"] is True


def test_a_failed_restore_puts_the_previous_data_back(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    (fake_host.backup / f"{record['name']}.tar").write_bytes(b"not a tar archive" * 100)
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"current")
    fake_host.data.chmod(0o750)
    current = tree(fake_host.data)
    result = fake_host.shell.run(restore_script(fake_host.paths, str(record["name"])))
    assert not result.ok
    assert "putting the previous data back" in result.stderr
    assert tree(fake_host.data) == current
    assert fake_host.data.stat().st_mode & 0o7777 == 0o750  # its own mode again, not the aside's 0700
    assert not list(fake_host.root.glob("nexus-data.before-restore-*"))
    container = fake_host.container()
    assert container is not None and container["running"] is True


def test_restore_without_a_container_restores_and_says_to_run_up(fake_host: FakeHost) -> None:
    """Disk failure with the container gone: the data comes back, nothing is started.

    ``docker inspect`` of a missing container prints an empty line on stdout before failing (the
    real CLI does; the live Docker test found it), so "missing" must not be appended to that output.
    """
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    original = tree(fake_host.data)
    fake_host.run_container(None)
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"damaged")
    fake_host.clear_calls()
    result = fake_host.shell.run(restore_script(fake_host.paths, str(record["name"])))
    assert result.ok, result.stderr
    assert "no nexus container to start: run scripts/pulumi up" in result.stderr
    assert tree(fake_host.data) == original
    assert not any(call.startswith(("start", "stop")) for call in fake_host.calls())


def test_snapshot_leaves_out_the_data_a_restore_put_aside_in_the_data_directory(fake_host: FakeHost) -> None:
    """A restore onto a mount point keeps the previous data in <dataDir>/.before-restore-<time>;
    the next snapshot must not carry it along (found by the live Docker test, which mounts a disk)."""
    fake_host.seed_data()
    aside = fake_host.data / ".before-restore-20261126T210220Z"
    (aside / "db").mkdir(parents=True)
    (aside / "db" / "nexus.mv.db").write_bytes(b"the data before the restore")
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    with tarfile.open(str(record["archive"])) as archive:
        names = archive.getnames()
    assert "./db/nexus.mv.db" in names
    assert not [name for name in names if ".before-restore-" in name]
    assert aside.is_dir()  # left where it was, for the operator


def test_restore_of_an_unknown_snapshot_changes_nothing(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    fake_host.backup.mkdir()
    result = fake_host.shell.run(restore_script(fake_host.paths, "nexus-data-3.77.1-20251126T210220Z"))
    assert not result.ok and "no snapshot" in result.stderr
    assert fake_host.calls() == []


def test_usage_script_reports_disk_use(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    fake_host.backup.mkdir()
    out = run_checked(fake_host.shell, usage_script(fake_host.paths), "usage")
    assert "Filesystem" in out and str(fake_host.backup) in out


def test_usage_tells_what_only_the_snapshots_keep(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000008", os.urandom(2 * 2**20))
    assert _snapshot(fake_host, restart=True) is not None
    result = fake_host.shell.run(usage_script(fake_host.paths))
    kept = [line for line in result.stdout.splitlines() if "that snapshots still keep" in line]
    assert kept and not kept[0].endswith(("M", "G")), kept  # nothing deleted yet: a few KiB of directories
    _soft_delete_and_compact(fake_host, "0b9c2a1e-58f4-4c53-9a57-1c0de0000008")
    result = fake_host.shell.run(usage_script(fake_host.paths))
    kept = [line for line in result.stdout.splitlines() if "that snapshots still keep" in line]
    assert kept and kept[0].endswith("M"), kept  # the 2 MiB Nexus compacted away


def test_old_id_constant_matches_fixture() -> None:
    assert OLD_ID != NEW_ID


def test_scripts_survive_the_remote_login_shell(fake_host: FakeHost, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through SshShell, with an `ssh` stand-in that hands the command string to a login shell."""
    bin_dir = fake_host.root / "ssh-bin"
    bin_dir.mkdir()
    fake_ssh = bin_dir / "ssh"
    # like sshd: everything after the destination and `--` is one string for the user's shell
    fake_ssh.write_text('#!/bin/sh\nfor last; do :; done\nexec /bin/sh -c "$last"\n')
    fake_ssh.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{fake_host.shell.env['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_STATE", str(fake_host.state_file))
    shell = SshShell("deploy", "nexus-vm.example.com", 2222)
    fake_host.seed_data()
    before = tree(fake_host.data)
    record = last_record(
        run_checked(shell, snapshot_script(fake_host.paths, keep=2, reason='it\'s "quoted"'), "snap")
    )
    assert record is not None and record["reason"] == "it's  quoted "  # JSON-breaking characters dropped
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"changed")
    run_checked(
        shell,
        restore_script(fake_host.paths, str(record["name"])),
        "restore",
    )
    assert tree(fake_host.data) == before
    assert [s.name for s in parse_records(run_checked(shell, list_script(fake_host.paths), "list"))] == [
        record["name"]
    ]


# ---------------------------------------------------------------- blob contents stay out of snapshots


def _contents(host: FakeHost) -> list[str]:
    return sorted(str(p.relative_to(host.data / "blobs")) for p in (host.data / "blobs").rglob("*.bytes"))


def test_a_snapshot_lists_and_links_the_blob_contents_and_holds_none(fake_host: FakeHost) -> None:
    """Its size follows the database and the number of blobs, not their bytes."""
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000003", os.urandom(3 * 2**20))
    bigger = _snapshot(fake_host, restart=True)
    assert record is not None and bigger is not None
    assert bigger["blobFiles"] == 2 and bigger["blobBytes"] == 4096 + 3 * 2**20
    assert int(str(bigger["sizeBytes"])) - int(str(record["sizeBytes"])) < 4096  # one more .properties
    with tarfile.open(str(bigger["archive"])) as archive:
        names = archive.getnames()
    assert not [name for name in names if name.endswith(".bytes")]
    assert f"./blobs/default/content/vol-07/chap-21/{BLOB_1}.properties" in names
    assert "./blobs/default/metadata.properties" in names
    listed = (fake_host.backup / f"{bigger['name']}.blobs").read_text().splitlines()
    assert [line.split("\t")[0] for line in listed] == _contents(fake_host)
    links = fake_host.data / ".snapshot-blobs" / str(bigger["name"])
    for line in listed:
        path, size = line.split("\t")
        linked, original = links / path, fake_host.data / "blobs" / path
        assert linked.stat().st_ino == original.stat().st_ino and original.stat().st_size == int(size)
    assert not [p for p in links.rglob("*") if p.is_file() and p.suffix != ".bytes"]
    assert mode(fake_host.backup / f"{bigger['name']}.blobs") == 0o600
    assert mode(fake_host.data / ".snapshot-blobs") == 0o700


def test_the_space_check_counts_the_archive_not_the_blob_bytes(fake_host: FakeHost) -> None:
    """A ``df`` stand-in reports what is free on the backup disk."""
    fake_host.seed_data()
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000003", os.urandom(4 * 2**20))
    df = fake_host.root / "bin" / "df"
    for free_kib, ok in ((1500, True), (100, False)):
        df.write_text(f"#!/bin/sh\necho 'Filesystem 1024-blocks Used Available Capacity Mounted'\n"
                      f"echo 'backup 9999999 1 {free_kib} 1% /b'\n")  # fmt: skip
        df.chmod(0o755)
        result = fake_host.shell.run(snapshot_script(fake_host.paths, keep=3, restart=True))
        assert result.ok is ok, result.stderr
        if not ok:
            assert "not enough space" in result.stderr and f"{free_kib} KiB free" in result.stderr


def _soft_delete_and_compact(host: FakeHost, blob_id: str) -> None:
    """What Nexus does to a blob whose asset was deleted: ``deleted=true`` in its attributes
    (FileBlobStore.doDelete), then the compact task removes both files (doDeleteHard)."""
    attributes = host.blob_path("default", blob_id, ".properties")
    attributes.write_text(attributes.read_text().replace("deleted=false", "deleted=true"))
    attributes.unlink()
    host.blob_path("default", blob_id).unlink()


def test_a_rollback_after_deletes_and_a_compaction_is_exact(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000004", b"soft-deleted only")
    original = tree(fake_host.data)
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    # the upgrade window: an upload, a soft delete, a compaction, a migrated database
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000005", b"written by the new version")
    soft = fake_host.blob_path("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000004", ".properties")
    soft.write_text(soft.read_text().replace("deleted=false", "deleted=true"))
    _soft_delete_and_compact(fake_host, BLOB_1)
    (fake_host.data / "db" / "nexus.mv.db").write_bytes(b"migrated by 3.80.0")
    out = run_checked(
        fake_host.shell,
        restore_script(fake_host.paths, str(record["name"])),
        "restore",
    )
    assert tree(fake_host.data) == original
    aside = Path(json.loads(out.strip().splitlines()[-1])["previousData"])
    written = "blobs/default/content/vol-07/chap-21/0b9c2a1e-58f4-4c53-9a57-1c0de0000005.bytes"
    assert (aside / written).is_file()  # written after the snapshot: moved aside


def test_a_restore_that_would_lack_a_blob_is_refused_before_anything_stops(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    record = _snapshot(fake_host, restart=True)
    assert record is not None
    shutil.rmtree(fake_host.data / ".snapshot-blobs")  # e.g. removed by hand
    _soft_delete_and_compact(fake_host, BLOB_1)
    before = tree(fake_host.data)
    fake_host.clear_calls()
    result = fake_host.shell.run(restore_script(fake_host.paths, str(record["name"])))
    assert not result.ok
    assert "refusing to restore" in result.stderr and f"{BLOB_1}.bytes" in result.stderr
    assert "Nothing was stopped or changed" in result.stderr
    assert tree(fake_host.data) == before
    assert not any(call.startswith(("stop", "start")) for call in fake_host.calls())
    assert not list(fake_host.backup.glob(".restore-*"))


def _backup(host: FakeHost) -> list[dict[str, object]]:
    out = run_checked(host.shell, backup_script(host.paths, keep=2), "backup")
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_backup_copies_only_new_contents_and_a_disk_failure_restores_from_it(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    snapshot, copy = _backup(fake_host)
    assert copy == {
        "snapshot": snapshot["name"],
        "blobBackup": str(fake_host.backup / "blob-stores"),
        "blobFiles": 1,
        "copiedFiles": 1,
        "copiedBytes": 4096,
    }
    container = fake_host.container()
    assert container is not None and container["running"] is True  # the copy ran with Nexus up
    calls = fake_host.calls()
    assert calls.index("start nexus") < len(calls)  # started again right after the snapshot
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000006", b"x" * 1000)
    original = tree(fake_host.data)
    snapshot, copy = _backup(fake_host)
    assert (copy["blobFiles"], copy["copiedFiles"], copy["copiedBytes"]) == (2, 1, 1000)  # incremental
    # an interrupted copy left a short file: copied again
    (fake_host.backup / "blob-stores" / "default/content/vol-07/chap-21" / f"{BLOB_1}.bytes").write_bytes(b"")
    snapshot, copy = _backup(fake_host)
    assert (copy["copiedFiles"], copy["copiedBytes"]) == (1, 4096)
    # the disk fails: a new, empty data directory
    fake_host.run_container(None)
    shutil.rmtree(fake_host.data)
    fake_host.data.mkdir()
    run_checked(
        fake_host.shell,
        restore_script(fake_host.paths, str(snapshot["name"])),
        "restore",
    )
    assert tree(fake_host.data) == original


def test_pruning_removes_what_only_pruned_snapshots_needed(fake_host: FakeHost) -> None:
    fake_host.seed_data()
    first, _ = _backup(fake_host)
    _soft_delete_and_compact(fake_host, BLOB_1)
    fake_host.add_blob("default", "0b9c2a1e-58f4-4c53-9a57-1c0de0000007", b"later")
    second, _ = _backup(fake_host)
    copies = fake_host.backup / "blob-stores" / "default/content/vol-07/chap-21"
    assert sorted(p.name for p in copies.iterdir()) == sorted(
        [f"{BLOB_1}.bytes", "0b9c2a1e-58f4-4c53-9a57-1c0de0000007.bytes"]
    )
    run_checked(fake_host.shell, delete_script(fake_host.paths, [str(first["name"])]), "delete")
    assert [p.name for p in (fake_host.data / ".snapshot-blobs").iterdir()] == [second["name"]]
    assert [p.name for p in copies.iterdir()] == ["0b9c2a1e-58f4-4c53-9a57-1c0de0000007.bytes"]
    assert not (fake_host.backup / f"{first['name']}.blobs").exists()


def test_without_hard_links_a_snapshot_warns_and_a_restore_takes_the_blob_backup(fake_host: FakeHost) -> None:
    """``<dataDir>/blobs`` on a file system of its own: ``cp -al`` fails (a stand-in here)."""
    fake_host.seed_data()
    cp = fake_host.root / "bin" / "cp"
    cp.write_text('#!/bin/sh\ncase "$1" in -al) echo "cp: Invalid cross-device link" >&2; exit 1 ;; esac\n'
                  'exec /bin/cp "$@"\n')  # fmt: skip
    cp.chmod(0o755)
    result = fake_host.shell.run(snapshot_script(fake_host.paths, keep=3, restart=True))
    assert result.ok and "warning: no hard links to the blob contents" in result.stderr
    record = last_record(result.stdout)
    assert record is not None and record["blobFiles"] == 1
    original = tree(fake_host.data)
    _soft_delete_and_compact(fake_host, BLOB_1)
    restore = restore_script(fake_host.paths, str(record["name"]))
    refused = fake_host.shell.run(restore)
    assert not refused.ok and "refusing to restore" in refused.stderr
    copy = fake_host.backup / "blob-stores" / "default/content/vol-07/chap-21" / f"{BLOB_1}.bytes"
    copy.parent.mkdir(parents=True)
    copy.write_bytes(original[f"blobs/default/content/vol-07/chap-21/{BLOB_1}.bytes"][2])  # type: ignore[arg-type]
    run_checked(fake_host.shell, restore, "restore")
    assert tree(fake_host.data) == original
