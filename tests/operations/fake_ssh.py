"""A stand-in for ``ssh -N -L 127.0.0.1:LOCAL:HOST:PORT user@host`` in the tunnel tests: it forwards
the local port to HOST:PORT itself (no sshd), and records its argv in ``$FAKE_SSH_LOG``. A
destination host named ``unreachable`` fails like ssh does (exit 255, the reason on stderr)."""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def main(argv: list[str]) -> int:
    with open(os.environ["FAKE_SSH_LOG"], "a", encoding="utf-8") as log:
        log.write(" ".join(argv) + "\n")
    if argv[-1].endswith("@unreachable"):
        print("ssh: Could not resolve hostname unreachable: Name or service not known", file=sys.stderr)
        return 255
    bind, local, host, port = argv[argv.index("-L") + 1].split(":")
    server = socket.create_server((bind, int(local)))
    while True:
        client, _ = server.accept()
        upstream = socket.create_connection((host, int(port)))
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
