"""The image builder's pure parts: names, runtimes, cache keys, Dockerfiles, the root-file-system steps.

The builds themselves (mmdebstrap, docker import/build) run in the live tests (tests/live_stack.py),
which start the images they make.
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from settings import parse_settings
from tools import build_images as bi


def test_each_version_gets_the_java_it_needs_and_other_runtimes_another_repository() -> None:
    assert bi.default_runtime("3.71.0-06") is bi.JAVA_17
    assert bi.default_runtime("3.62.0-01") is bi.JAVA_11
    assert bi.default_runtime("3.41.1-01") is bi.JAVA_11
    assert bi.nexus_image().name == "nexus-platform/nexus3:3.71.0-06"
    assert bi.nexus_image("3.62.0-01").name == "nexus-platform/nexus3:3.62.0-01"
    assert bi.nexus_image("3.62.0-01", bi.JAVA_17).name == "nexus-platform/nexus3-java17:3.62.0-01"
    assert bi.haproxy_image().name == "nexus-platform/haproxy:2.6"
    for spec in (bi.nexus_image(), bi.haproxy_image()):
        assert spec.repository.startswith("nexus-platform/")  # never Sonatype's or HAProxy's names


def test_a_stack_can_point_at_the_built_images() -> None:
    nexus = bi.nexus_image("3.62.0-01", bi.JAVA_17)
    settings = parse_settings(
        {
            "domain": "example.test",
            "nexus": {"image": nexus.repository, "version": nexus.tag},
            "haproxy": {"image": bi.haproxy_image().name},
        }
    )
    assert f"{settings.nexus.image}:{settings.nexus.version}" == nexus.name
    assert settings.haproxy.image == "nexus-platform/haproxy:2.6"


def test_the_cache_key_follows_every_input() -> None:
    spec = bi.nexus_image()
    base = bi.input_hash(spec, "a" * 64, ["openjdk-17-jre-headless=17.0.21.1+2-1~deb12u1"])
    assert base == bi.input_hash(spec, "a" * 64, ["openjdk-17-jre-headless=17.0.21.1+2-1~deb12u1"])
    assert len(base) == 16
    others = {
        bi.input_hash(spec, "b" * 64, ["openjdk-17-jre-headless=17.0.21.1+2-1~deb12u1"]),
        bi.input_hash(spec, "a" * 64, ["openjdk-17-jre-headless=17.0.22+1-1~deb12u1"]),
        bi.input_hash(bi.nexus_image(runtime=bi.JAVA_11), "a" * 64, []),
        bi.input_hash(bi.haproxy_image(), None, []),
    }
    assert base not in others and len(others) == 4


def test_dockerfiles_set_what_import_cannot() -> None:
    haproxy = bi.dockerfile("sha256:abc", bi.haproxy_image(), "k1").splitlines()
    assert haproxy[0] == "FROM sha256:abc"
    assert {"STOPSIGNAL SIGUSR1", "USER 99:99", f"LABEL {bi.LABEL_INPUT}=k1"} <= set(haproxy)
    assert 'CMD ["haproxy", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]' in haproxy
    nexus = bi.dockerfile("sha256:abc", bi.nexus_image(), "k2")
    assert "USER 200:200" in nexus and "VOLUME /nexus-data" in nexus
    assert "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64" in nexus
    assert "JAVA_HOME=/opt/java/openjdk" in bi.dockerfile("x", bi.nexus_image("3.62.0-01"), "k3")


def test_entrypoints_are_valid_sh_and_the_nexus_one_maps_the_vm_params(tmp_path: Path) -> None:
    for text in (bi.NEXUS_ENTRYPOINT, bi.HAPROXY_ENTRYPOINT):
        subprocess.run(["/bin/sh", "-n", "-c", text], check=True)
    # run it with a stand-in launcher that prints what it was given
    launcher = tmp_path / "nexus"
    launcher.write_text('#!/bin/sh\necho "$KARAF_DATA|$EXTRA_JAVA_OPTS|$*"\n')
    launcher.chmod(0o755)
    script = bi.NEXUS_ENTRYPOINT.replace(f"{bi.NEXUS_HOME}/bin/nexus", str(launcher))
    out = subprocess.run(
        ["/bin/sh", "-c", script],
        env={"PATH": os.environ["PATH"], "INSTALL4J_ADD_VM_PARAMS": "-Xms1g -Xmx1g"},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "/nexus-data|-Xms1g -Xmx1g|server"


def test_the_haproxy_entrypoint_runs_master_worker_in_the_foreground(tmp_path: Path) -> None:
    fake = tmp_path / "haproxy"
    fake.write_text('#!/bin/sh\necho "$*"\n')
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}"}
    for args, expected in (
        (["haproxy", "-f", "x.cfg"], "-W -db -f x.cfg"),
        (["-f", "y.cfg"], "-W -db -f y.cfg"),
    ):
        out = subprocess.run(
            ["/bin/sh", "-c", bi.HAPROXY_ENTRYPOINT, "entrypoint", *args],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        assert out.strip() == expected


def test_the_distribution_is_laid_out_like_the_official_image(tmp_path: Path) -> None:
    version = "3.71.0-06"
    archive = tmp_path / "dist.zip"
    prefix = f"nexus-base-template-{version}/"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, mode in (("bin/nexus", 0o755), ("etc/nexus-default.properties", 0o644),
                           ("nexus3/log/x", 0o644), ("lib/boot/a.jar", 0o600)):  # fmt: skip
            info = zipfile.ZipInfo(prefix + name)
            info.external_attr = (stat.S_IFREG | mode) << 16
            zipped.writestr(info, b"x")
    root = tmp_path / "root"
    bi.unpack_nexus(archive, root, version)
    home = root / "opt/sonatype/nexus"
    assert (home / "bin/nexus").stat().st_mode & 0o111 == 0o111
    assert (home / "etc/nexus-default.properties").is_file()
    assert not (home / "nexus3").exists()  # the sample work directory: /nexus-data instead
    assert stat.S_IMODE((home / "lib/boot").stat().st_mode) == 0o755


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_add_user_renumbers_the_package_user_and_its_files(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/bash\nhaproxy:x:104:105::/var/lib/haproxy:/usr/sbin/nologin\n"
    )
    (etc / "group").write_text("root:x:0:\nhaproxy:x:105:\n")
    owned = tmp_path / "var" / "lib" / "haproxy"
    owned.mkdir(parents=True)
    os.chown(owned, 104, 105)
    other = tmp_path / "var" / "lib" / "other"
    other.mkdir()
    os.chown(other, 105, 104)  # numbers of someone else: unchanged
    bi.add_user(tmp_path, "haproxy", 99, "/var/lib/haproxy")
    assert "haproxy:x:99:99:haproxy:/var/lib/haproxy:/usr/sbin/nologin" in (etc / "passwd").read_text()
    assert "haproxy:x:99:" in (etc / "group").read_text().splitlines()
    assert "root:x:0:0:root:/root:/bin/bash" in (etc / "passwd").read_text()
    assert (owned.stat().st_uid, owned.stat().st_gid) == (99, 99)
    assert (other.stat().st_uid, other.stat().st_gid) == (105, 104)


def test_bad_arguments_are_explained() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="not a Nexus version"):
        bi.parse_nexus("latest")
    with pytest.raises(argparse.ArgumentTypeError, match="unknown Java runtime 'java8'"):
        bi.parse_nexus("3.62.0-01:java8")
    assert bi.parse_nexus("3.62.0-01:java17").name == "nexus-platform/nexus3-java17:3.62.0-01"
