"""A throwaway GPG signing keypair, made by the machine's ``gpg``, for apt (and yum) repositories.

Nexus signs an apt hosted repository's metadata with the keypair its create gets (the
ASCII-armoured private key, as ``gpg --export-secret-keys --armor`` writes it). Each key lives in a
home directory of its own, removed with its agent once the key is exported.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.layers import unavailable

# gpg-agent's socket lives in the home directory: a short path keeps it under the socket limit.
_HOME_PREFIX = "gpg-"


@dataclass(frozen=True)
class SigningKey:
    private_armoured: str
    public_armoured: str
    passphrase: str
    fingerprint: str


def _gpg(home: Path, *args: str, passphrase: str) -> str:
    completed = subprocess.run(
        [
            "gpg",
            "--homedir",
            str(home),
            "--batch",
            "--pinentry-mode",
            "loopback",
            "--passphrase",
            passphrase,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"gpg {' '.join(args[:1])} failed: {completed.stderr.strip()[-500:]}")
    return completed.stdout


def signed_by(key: SigningKey, signed_text: bytes) -> bool:
    """Does ``signed_text`` (a clear-signed document, e.g. an apt InRelease) carry a good signature
    of ``key``? Checked by gpg against that public key alone."""
    home = Path(tempfile.mkdtemp(prefix=_HOME_PREFIX))
    try:
        imported = subprocess.run(
            ["gpg", "--homedir", str(home), "--batch", "--import"],
            input=key.public_armoured.encode(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert imported.returncode == 0, imported.stderr
        verified = subprocess.run(
            ["gpg", "--homedir", str(home), "--batch", "--status-fd", "1", "--verify"],
            input=signed_text,
            capture_output=True,
            timeout=60,
            check=False,
        )
        return verified.returncode == 0 and f"VALIDSIG {key.fingerprint}" in verified.stdout.decode()
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False
        )
        shutil.rmtree(home, ignore_errors=True)


def make_signing_key(
    passphrase: str, user_id: str = "nexus-platform test <apt@example.invalid>"
) -> SigningKey:
    """A new RSA signing key (no expiry) protected by ``passphrase``."""
    if shutil.which("gpg") is None:
        unavailable("gpg is not installed (Debian package gnupg): an apt repository needs a signing key")
    home = Path(tempfile.mkdtemp(prefix=_HOME_PREFIX))
    try:
        _gpg(home, "--quick-gen-key", user_id, "rsa2048", "sign", "never", passphrase=passphrase)
        listing = _gpg(home, "--with-colons", "--list-secret-keys", passphrase=passphrase)
        fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
        return SigningKey(
            private_armoured=_gpg(
                home, "--armor", "--export-secret-keys", fingerprint, passphrase=passphrase
            ),
            public_armoured=_gpg(home, "--armor", "--export", fingerprint, passphrase=passphrase),
            passphrase=passphrase,
            fingerprint=fingerprint,
        )
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False
        )
        shutil.rmtree(home, ignore_errors=True)
