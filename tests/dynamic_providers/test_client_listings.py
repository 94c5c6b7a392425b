"""The listings a provider process keeps (``KeptListings``): one fetch however many threads ask,
dropped for a server by any write to it, never kept when a write went out meanwhile."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer
from typing import Any

from dynamic_providers.client import KEPT_LISTINGS, Connection, KeptListings, NexusClient
from tests.dynamic_providers.drive import connection
from tests.dynamic_providers.loopback import JsonStatus
from tests.nexus_emulator import NexusEmulator

ROLES = "/v1/security/roles?source=default"


def test_threads_asking_at_once_fetch_once() -> None:
    kept, fetches, release = KeptListings(), [], threading.Event()

    def fetch() -> list[int]:
        fetches.append(1)
        release.wait(5)
        return [len(fetches)]

    with ThreadPoolExecutor(8) as pool:
        answers = [pool.submit(kept.get, ("http://a", "admin", "/x"), fetch) for _ in range(8)]
        release.set()
        assert [answer.result() for answer in answers] == [[1]] * 8
    assert len(fetches) == 1


def test_a_write_drops_what_is_kept_for_its_server_only() -> None:
    kept = KeptListings()
    kept.get(("http://a", "admin", "/x"), lambda: "a-1")
    kept.get(("http://b", "admin", "/x"), lambda: "b-1")
    kept.forget("http://a")
    assert kept.get(("http://a", "admin", "/x"), lambda: "a-2") == "a-2"
    assert kept.get(("http://b", "admin", "/x"), lambda: "b-2") == "b-1"


def test_an_answer_fetched_while_a_write_went_out_is_not_kept() -> None:
    kept = KeptListings()

    def fetch_during_a_write() -> str:
        kept.forget("http://a")  # another thread's write, between the GET and its answer
        return "before the write"

    assert kept.get(("http://a", "admin", "/x"), fetch_during_a_write) == "before the write"
    assert kept.get(("http://a", "admin", "/x"), lambda: "after the write") == "after the write"


def _client(emulator: NexusEmulator) -> NexusClient:
    return NexusClient(Connection.from_props({"connection": connection(emulator)}))


def _listing_gets(emulator: NexusEmulator) -> int:
    return sum((r.method, r.path) == ("GET", "/service/rest/v1/security/roles") for r in emulator.requests())


def test_a_client_write_drops_the_process_listings(nexus_emulator: NexusEmulator) -> None:
    role: dict[str, Any] = {
        "id": "kept-r",
        "name": "kept-r",
        "description": "",
        "privileges": [],
        "roles": [],
    }
    with _client(nexus_emulator) as client:
        before = client.get_listing(ROLES, "id")
        assert "kept-r" not in before
        nexus_emulator.clear_log()
        assert client.get_listing(ROLES, "id") is before  # kept: no request
        assert _listing_gets(nexus_emulator) == 0
        client.post("/v1/security/roles", role)
        assert "kept-r" in client.get_listing(ROLES, "id")  # fetched again after the write
        assert _listing_gets(nexus_emulator) == 1
    # a change made by another process shows to the next process, not this one
    assert nexus_emulator.call("DELETE", "/v1/security/roles/kept-r").status == 204
    with _client(nexus_emulator) as client:
        assert "kept-r" in client.get_listing(ROLES, "id")
        KEPT_LISTINGS.clear()  # a new process
        assert "kept-r" not in client.get_listing(ROLES, "id")


def test_a_paged_listing_is_read_to_its_last_page() -> None:
    pages = {
        "/service/rest/v1/tasks": {"items": [{"id": "a"}, {"id": "b"}], "continuationToken": "p2"},
        "/service/rest/v1/tasks?continuationToken=p2": {"items": [{"id": "c"}], "continuationToken": None},
    }
    asked: list[str] = []

    class Pages(JsonStatus):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            asked.append(self.path)
            body = json.dumps(pages[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with NexusClient(Connection(url=url, username="admin", password="x", max_retry_seconds=1)) as client:
            assert sorted(client.get_listing("/v1/tasks", "id")) == ["a", "b", "c"]
        assert asked == list(pages)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
