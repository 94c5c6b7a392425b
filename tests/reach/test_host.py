"""How the scripts reach the Docker host: local sh, or ssh with the script as one argument."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
from pathlib import Path

import jinja2
import pytest

from reach.host import (
    RUNNER_MAX_CHARS,
    SCRIPT_END,
    SCRIPT_MARK,
    TEMPLATE_DIR,
    LocalShell,
    ShellError,
    SshShell,
    SshTarget,
    as_root,
    parse_ssh_host,
    pem_file,
    private_key_file,
    render_script,
    run_checked,
    script_digest,
    script_fragment,
    scripts_stdin,
    shell_for,
    stdin_runner,
    stdin_scripts,
)


def test_local_engine_runs_sh_with_the_docker_host() -> None:
    shell = shell_for("unix:///var/run/docker.sock")
    assert isinstance(shell, LocalShell)
    assert shell.env == {"DOCKER_HOST": "unix:///var/run/docker.sock"}
    assert run_checked(shell, 'printf %s "$DOCKER_HOST"', "echo") == "unix:///var/run/docker.sock"


def test_ssh_command_construction() -> None:
    shell = shell_for("ssh://deploy@nexus-vm.example.com:2222", identity_file="/tmp/key")
    assert isinstance(shell, SshShell)
    script = "set -eu\necho 'it''s' \"$HOME\"; docker stop -t 120 nexus\n"
    argv = shell.argv(script)
    assert argv[:8] == ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-p", "2222", "-i"]
    assert argv[8:11] == ["/tmp/key", "-o", "IdentitiesOnly=yes"]
    assert argv[11:13] == ["deploy@nexus-vm.example.com", "--"]
    # the remote login shell sees `sh -c <one quoted word>`: the script arrives unchanged
    remote = shlex.split(argv[13])
    assert remote == ["sh", "-c", script]


def test_ssh_without_key_uses_the_agent_and_port_22() -> None:
    shell = shell_for("ssh://root@10.0.0.5")
    assert isinstance(shell, SshShell)
    argv = shell.argv("true")
    assert "-i" not in argv and argv[argv.index("-p") + 1] == "22"


def test_tcp_engine_has_no_shell() -> None:
    with pytest.raises(ValueError, match="offers no shell"):
        shell_for("tcp://10.0.0.5:2376")


def test_private_key_file_is_private_and_removed() -> None:
    with private_key_file("-----BEGIN KEY-----\nabc\n-----END KEY-----") as path:
        assert path is not None
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert Path(path).read_text().endswith("-----END KEY-----\n")
    assert not os.path.exists(path)
    with private_key_file(None) as none:
        assert none is None


def test_failures_carry_the_stderr_tail() -> None:
    with pytest.raises(ShellError, match="boom"):
        run_checked(LocalShell(), "echo boom >&2; exit 3", "thing")


def test_as_root_wraps_the_script_for_sudo() -> None:
    wrapped = as_root("echo 'it''s'")
    assert wrapped.startswith('S=; [ "$(id -u)" -eq 0 ] || S="sudo -n"; exec $S sh -c ')
    result = subprocess.run(["/bin/sh", "-c", wrapped.replace("exec $S ", "exec ")], capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert result.stdout == "its\n"


@pytest.mark.parametrize(
    ("docker_host", "target"),
    [
        ("ssh://ops@docker.example.test", SshTarget("ops", "docker.example.test", 22)),
        ("ssh://ops@10.0.0.5:2222", SshTarget("ops", "10.0.0.5", 2222)),
        ("unix:///var/run/docker.sock", None),
        ("tcp://docker.example.test:2376", None),
        ("ssh://docker.example.test", None),  # no user: not a target the scripts can use
        ("ssh://ops@host/path", None),
    ],
)
def test_parse_ssh_host(docker_host: str, target: SshTarget | None) -> None:
    assert parse_ssh_host(docker_host) == target


def test_pem_file_holds_the_certificate_until_the_block_ends() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n"
    with pem_file(pem) as path:
        assert path is not None and path.endswith(".pem")
        assert Path(path).read_text() == pem
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not Path(path).exists()
    with pem_file(None) as none:
        assert none is None


def test_render_script_quotes_values_and_refuses_missing_ones(tmp_path: Path) -> None:
    script = render_script(
        "haproxy-teardown.sh.j2",
        cfg="/etc/haproxy/it's here.cfg", pem="/p.pem", env="/e", env_mode="/m", default_mode="644",
        remove=False, stats_password_env="X",
    )  # fmt: skip
    assert "cfg='/etc/haproxy/it'\"'\"'s here.cfg'" in script
    result = subprocess.run(["/bin/sh", "-c", script], capture_output=True, text=True, check=True)
    assert "/etc/haproxy/it's here.cfg" in result.stdout  # the value, as the shell sees it
    with pytest.raises(jinja2.UndefinedError, match="remove"):
        render_script(
            "haproxy-teardown.sh.j2", cfg="/c", pem="/p", env="/e", env_mode="/m", default_mode="644",
            stats_password_env="X",
        )  # fmt: skip


FRAGMENTS = sorted(str(path.relative_to(TEMPLATE_DIR)) for path in TEMPLATE_DIR.rglob("*.sh"))


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_every_script_fragment_is_valid_sh(fragment: str) -> None:
    check = subprocess.run(
        ["/bin/sh", "-n"], input=script_fragment(fragment), capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATE_DIR.glob("*.sh.j2")))
def test_every_shell_template_renders_to_valid_sh(template: str) -> None:
    values: dict[str, object] = {
        "cfg": "/c", "pem": "/p", "env": "/e", "env_mode": "/m", "default_mode": "644",
        "config_mark": "#--- mark", "settle_seconds": 3, "stats_password_env": "STATS", "remove": True,
        "as_root_prefix": 'S=; [ "$(id -u)" -eq 0 ] || S="sudo -n"; ', "data": "/d", "backup": "/b",
        "uid": 200, "nofile": 65536, "socket": "/var/run/docker.sock", "proc": "/proc",
    }  # fmt: skip
    script = render_script(template, **values)
    check = subprocess.run(["/bin/sh", "-n"], input=script, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stderr


# -- command resources: the runner reads its script from stdin -------------------------------------

SCRIPTS = {
    "create": (
        "set -eu\n"
        "echo create\n"
        "cat <<'END'\n  kept as is: $HOME \\\\ `x`\nEND\n"
        "IFS= read -r first\n"
        'echo "data: $first"\n'
        'echo "rest: $(cat)"\n'
        "exit 3\n"
    ),
    "update": "echo update; cat\n",
}
DATA = "line one\nline two\n-----BEGIN CERTIFICATE-----\n"


@pytest.mark.parametrize("shell", ["/bin/sh", "/bin/bash"])
def test_the_runner_evaluates_its_section_and_leaves_the_data_on_stdin(shell: str) -> None:
    stdin = scripts_stdin(SCRIPTS, DATA)
    digest = script_digest(SCRIPTS)
    create = subprocess.run(
        [shell, "-c", stdin_runner("create", digest)],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert create.returncode == 3, create.stderr  # the script's own exit status
    assert create.stdout == (
        "create\n  kept as is: $HOME \\\\ `x`\ndata: line one\nrest: line two\n-----BEGIN CERTIFICATE-----\n"
    )
    update = subprocess.run(
        [shell, "-c", stdin_runner("update", digest)],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (update.returncode, update.stdout) == (0, "update\n" + DATA)


def test_without_the_end_line_the_runner_runs_nothing() -> None:
    cut = scripts_stdin(SCRIPTS, DATA).split(SCRIPT_MARK + SCRIPT_END)[0]
    result = subprocess.run(
        ["/bin/sh", "-c", stdin_runner("create", "x")], input=cut, capture_output=True, text=True, check=False
    )
    assert result.returncode == 1 and result.stdout == ""
    assert "the script did not arrive on stdin" in result.stderr


def test_runner_stdin_and_digest() -> None:
    runner = stdin_runner("create", script_digest(SCRIPTS))
    assert len(runner) <= RUNNER_MAX_CHARS and "echo create" not in runner
    assert runner.endswith(f"# {script_digest(SCRIPTS)}")
    assert stdin_scripts(scripts_stdin(SCRIPTS, DATA)) == (SCRIPTS, DATA)
    assert script_digest({**SCRIPTS, "update": "echo other\n"}) != script_digest(SCRIPTS)
    with pytest.raises(ValueError, match="starting with"):
        scripts_stdin({"create": f"echo\n{SCRIPT_MARK}end\n"})
    with pytest.raises(ValueError, match="plain name"):
        stdin_runner("create; rm -rf /", "x")
