"""--deadline: an endpoint that answers STS and then hangs ends the run within the deadline plus a small
margin, with a partial report (what was read, the rest "not read: the deadline passed") and exit code 3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STS_ANSWER = b"""<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/audit</Arn><UserId>AIDAEXAMPLE</UserId>
<Account>123456789012</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"""


def _hanging_after_sts(release: threading.Event) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if b"Action=GetCallerIdentity" in body:
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(STS_ANSWER)))
                self.end_headers()
                self.wfile.write(STS_ANSWER)
                return
            release.wait(60)  # hang (bounded, released when the test ends)

        do_POST = do_GET = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_hanging_endpoint_ends_at_the_deadline_with_a_partial_report(tmp_path: Path) -> None:
    release = threading.Event()
    server = _hanging_after_sts(release)
    try:
        env = {
            **os.environ,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_address[1]}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_MAX_ATTEMPTS": "1",
        }
        out = tmp_path / "report.json"
        started = time.monotonic()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "llmops_audit",
                "assess",
                "--region",
                "us-east-1",
                "--deadline",
                "4s",
                "--format",
                "json",
                "--output",
                str(out),
                "--quiet",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        elapsed = time.monotonic() - started
    finally:
        release.set()
        server.shutdown()
    print(f"run ended after {elapsed:.1f} s with a 4 s deadline")
    assert r.returncode == 3, r.stderr
    assert elapsed < 4 + 6  # start-up and rendering; never the 30 s read timeout per call
    report = json.loads(out.read_text())
    assert report["calls"]["not_read"], "the sections left unread are named"
    assert any("deadline" in n for n in report["notices"])
    assert {i["status"] for i in report["items"]} <= {"unknown", "not_met", "met", "error"}
    assert not any(i["status"] == "met" and not i["evidence"] for i in report["items"])
