"""The benchmark's AWS: moto's ThreadedMotoServer on 127.0.0.1 (a free port), behind a thin WSGI front.

    python -m benchmarks.server [--latency-ms L]     # prints "PORT <n>", serves until stdin closes

It runs in a child process of benchmarks/run.py, so the audit's wall time, CPU and peak memory are the
audit's own (a server in the same process would share its interpreter lock and its heap), as with AWS.

The front, in front of moto's own WSGI app:
  - `POST /__bench/arm` starts a measured run: from then on every request waits `--latency-ms` before moto
    answers it (on the server's request thread, so concurrent requests wait concurrently, as round trips
    to AWS do), and is recorded: signing key id, Region and service (from the SigV4 Authorization header),
    operation, and a digest of method, path, query, X-Amz-Target and body (what makes two requests "the
    same call"). Seeding happens before `arm`: it is neither slowed nor counted.
  - `GET /__bench/requests` returns the records as JSON.
Anything else goes to moto unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import threading
import time
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/aws4_request")
_ACTION = re.compile(rb"(?:^|&)Action=([A-Za-z0-9]+)")
_RPC_OPERATION = re.compile(r"/operation/([A-Za-z0-9]+)$")


def operation_of(environ: dict[str, Any], body: bytes) -> str:
    """The API operation of a request, whatever its protocol: JSON (X-Amz-Target), query (Action=),
    RPC v2 CBOR (/service/S/operation/Op); for REST protocols, the method and the path's first segment."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    path = environ.get("PATH_INFO", "")
    rpc = _RPC_OPERATION.search(path)
    if rpc:
        return rpc.group(1)
    action = _ACTION.search(body) or _ACTION.search(environ.get("QUERY_STRING", "").encode())
    if action:
        return action.group(1).decode()
    first = path.strip("/").split("/", 1)[0]
    return f"{environ.get('REQUEST_METHOD', 'GET')} /{first}"


class Front:
    """WSGI middleware: fixed latency and a record of every request while a measured run is armed."""

    def __init__(self, app: Any, latency_s: float) -> None:
        self.app = app
        self.latency_s = latency_s
        self.armed = False
        self.records: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/__bench/"):
            return self._control(path, start_response)
        if not self.armed:
            return self.app(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        found = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        key_id, region, service = found.groups() if found else ("", "", "")
        digest = hashlib.sha256()
        for part in (
            environ.get("REQUEST_METHOD", ""),
            path,
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_X_AMZ_TARGET", ""),
        ):
            digest.update(part.encode() + b"\0")
        digest.update(body)
        record = {
            "key_id": key_id,
            "region": region,
            "service": service,
            "operation": operation_of(environ, body),
            "request": digest.hexdigest(),
        }
        with self._lock:
            self.records.append(record)
        if self.latency_s:
            time.sleep(self.latency_s)
        return self.app(environ, start_response)

    def _control(self, path: str, start_response: Any) -> list[bytes]:
        if path == "/__bench/arm":
            with self._lock:
                self.records = []
                self.armed = True
            out = b"{}"
        else:
            with self._lock:
                out = json.dumps(self.records).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
        return [out]


class FrontedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose WSGI app is wrapped in Front (the rest is moto's own serving code)."""

    def __init__(self, latency_s: float) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: a free port
        self.front: Front | None = None
        self._latency_s = latency_s

    def _server_entry(self) -> None:
        self.front = Front(DomainDispatcherApplication(create_backend_app), self._latency_s)
        self._server = make_server(
            self._ip_address, self._port, self.front, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    # moto's GetMetricData lacks the pNN statistics the audit asks for; the demo account's shim adds them
    from tests.fake_account.env import enable_moto_percentiles

    enable_moto_percentiles()
    server = FrontedMotoServer(args.latency_ms / 1000)
    server.start()
    print(f"PORT {server.get_host_and_port()[1]}", flush=True)
    sys.stdin.read()  # until the parent closes our stdin (or exits)
    server.stop()


if __name__ == "__main__":
    main()
