"""Confluence: the storage format (`--format confluence`) parsed as XML, and `llmops-audit publish` against a
small HTTP server on 127.0.0.1 that checks each request as Confluence's REST API v2 reference defines it."""

from __future__ import annotations

import base64
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from llmops_audit.cli import app
from llmops_audit.model import AuditReport, FleetReport, Status
from llmops_audit.report import render
from llmops_audit.report.common import verdict_line
from llmops_audit.report.confluence import NAMESPACES, SUMMARY_CHARS
from llmops_audit.report.json import render as render_json
from llmops_audit.report.reading import item_reading, needs_remediation, remediation
from tests.helpers import demo_snapshot, error_line, report_of

AC = "{" + NAMESPACES["ac"] + "}"
runner = CliRunner()


def parse(storage: str) -> ET.Element:
    """The body as Confluence reads it: XML, once wrapped in an element declaring ac and ri."""
    decl = " ".join(f'xmlns:{k}="{v}"' for k, v in NAMESPACES.items())
    return ET.fromstring(f"<root {decl}>{storage}</root>")


def tasks(root: ET.Element) -> list[tuple[str, str, ET.Element]]:
    """(task id, status, body) of every task on the page."""
    out = []
    for t in root.iter(f"{AC}task"):
        tid, status, body = (t.find(f"{AC}{k}") for k in ("task-id", "task-status", "task-body"))
        assert tid is not None and status is not None and body is not None
        out.append((tid.text or "", status.text or "", body))
    return out


def macros(root: ET.Element, name: str) -> list[ET.Element]:
    return [m for m in root.iter(f"{AC}structured-macro") if m.get(f"{AC}name") == name]


def params(macro: ET.Element) -> dict[str, str]:
    return {p.get(f"{AC}name", ""): p.text or "" for p in macro.findall(f"{AC}parameter")}


def task_of(root: ET.Element, item_id: str) -> tuple[str, ET.Element]:
    """The one task whose body starts with the item id (in <strong>)."""
    found = [(s, b) for _, s, b in tasks(root) if (b.findtext("strong") or "") == item_id]
    assert len(found) == 1, (item_id, len(found))
    return found[0]


@pytest.fixture(scope="module")
def demo() -> AuditReport:
    return report_of(demo_snapshot())


# ---------------------------------------------------------------- storage format


def test_one_task_per_item_with_its_status_macro(demo: AuditReport) -> None:
    root = parse(render(demo, "confluence"))
    found = tasks(root)
    assert len(found) == len(demo.items) == 30
    assert len({tid for tid, _, _ in found}) == len(found)  # task ids unique on the page
    assert all(tid.isdigit() for tid, _, _ in found)
    colours = {"good": "Green", "bad": "Red", "unknown": "Yellow", "neutral": "Grey"}
    for item in demo.items:
        status, body = task_of(root, item.id)
        reading = item_reading(demo, item)
        assert status == ("complete" if reading.done else "incomplete"), item.id
        (macro,) = macros(body, "status")
        assert params(macro) == {"colour": colours[reading.tone], "title": reading.label.upper()}
    # the demo has met, not met and unknown items: each status macro colour is exercised
    titles = {params(m)["title"] for m in macros(root, "status")}
    assert {"MET", "NOT MET", "UNKNOWN", "SIGN LEFT BEHIND"} <= titles


def test_verdict_comes_first_with_level_and_gates(demo: AuditReport) -> None:
    root = parse(render(demo, "confluence"))
    first = root[0]
    assert first.tag == f"{AC}structured-macro" and first.get(f"{AC}name") in ("info", "warning")
    words = " ".join("".join(first.itertext()).split())
    assert verdict_line(demo) in words
    failing = sum(1 for g in demo.gates if g.status == Status.NOT_MET)
    assert failing == 2 and "Go-live gates: 2 pass, 2 fail" in words
    # a level reached never hides failing gates: the panel warns and names them with a red macro
    assert first.get(f"{AC}name") == "warning"
    assert {"colour": "Red", "title": "2 OF 4 GATES FAIL"} in [params(m) for m in macros(first, "status")]
    # nothing was asked (no --min-level/--fail-on-gates): no PASS badge on the verdict
    assert "PASS" not in [params(m)["title"] for m in macros(first, "status")]


def test_verdict_fail_is_red(demo: AuditReport) -> None:
    failed = report_of(demo_snapshot(), min_level=5, fail_on_gates=True)
    first = parse(render(failed, "confluence"))[0]
    assert {"colour": "Red", "title": "FAIL"} in [params(m) for m in macros(first, "status")]


def test_starting_state_signs_present_are_never_complete(demo: AuditReport) -> None:
    level1 = [i for i in demo.items if i.level == 1]
    # the demo left most signs behind and has none present
    assert sum(i.status == Status.NOT_MET for i in level1) >= 4
    assert not any(i.status.counts_for_level for i in level1)
    # the same report where every sign of the starting state is still present (and one is attested)
    present = tuple(
        replace(i, status=Status.ATTESTED if i.id == "L1.1" else Status.MET) if i.level == 1 else i
        for i in demo.items
    )
    report = replace(demo, items=present)
    root = parse(render(report, "confluence"))
    for item in level1:
        status, body = task_of(root, item.id)
        assert status == "incomplete", item.id
        (macro,) = macros(body, "status")
        assert params(macro)["colour"] == "Red" and params(macro)["title"].startswith("SIGN PRESENT")
        if remediation(report, item):
            assert "Remediation:" in "".join(body.itertext())
    # left behind (the demo): complete, green
    root = parse(render(demo, "confluence"))
    for item in level1:
        status, body = task_of(root, item.id)
        left_behind = item.status == Status.NOT_MET
        assert status == ("complete" if left_behind else "incomplete")
        expected = (
            {"colour": "Green", "title": "SIGN LEFT BEHIND"}
            if left_behind
            else {"colour": "Yellow", "title": "UNKNOWN"}
        )
        assert params(macros(body, "status")[0]) == expected
    # the level reads as the starting state, never "not reached"
    levels = next(
        t for t in root.iter("table") if [th.text for th in t.iter("th")] == ["Level", "Name", "State"]
    )
    states = {tr[0].text: tr[2].text for tr in levels.iter("tr") if tr.find("td") is not None}
    assert states["1"] == "starting state: 0 of 6 signs still present"
    assert (states["5"] or "").endswith("not reached")  # other levels are reached or not


def test_remediation_for_each_item_not_met_or_unknown(demo: AuditReport) -> None:
    root = parse(render(demo, "confluence"))
    shown = 0
    for item in demo.items:
        _, body = task_of(root, item.id)
        words = " ".join("".join(body.itertext()).split())
        if needs_remediation(demo, item):
            assert f"Remediation: {' '.join(remediation(demo, item).split())}" in words, item.id
            shown += 1
        else:
            assert "Remediation:" not in words, item.id
    assert shown >= 5  # the demo has several items not met or unknown


def test_evidence_is_escaped_for_xml(demo: AuditReport) -> None:
    page = "<html><body><script>alert('x')</script>&nbsp;502 Bad Gateway</body></html>"
    item = replace(demo.items[3], reason=page, evidence=(page, "ctrl\x00\x1bchars"), notes=("a < b & c",))
    report = replace(demo, items=(*demo.items[:3], item, *demo.items[4:]))
    storage = render(report, "confluence")
    root = parse(storage)  # parses: nothing planted broke out of its text node
    assert not any(e.tag in ("script", "html", "body") for e in root.iter())
    assert "<script>" not in storage and "&lt;script&gt;" in storage
    everything = "".join(root.itertext())
    assert "<script>alert('x')</script>" in everything  # shown to the reader as text
    assert "a < b & c" in everything and "ctrlchars" in everything


def test_long_evidence_is_folded_into_an_expand_macro(demo: AuditReport) -> None:
    long_one = next(i for i in demo.items if len(" ".join(i.reason.split())) > SUMMARY_CHARS)
    root = parse(render(demo, "confluence"))
    expands = {params(m)["title"]: m for m in macros(root, "expand")}
    title = next(t for t in expands if t.startswith(f"Evidence for {long_one.id} "))
    inner = " ".join("".join(expands[title].itertext()).split())
    assert " ".join(long_one.reason.split()) in inner  # the detail, whole, inside
    for e in long_one.evidence:
        assert " ".join(e.split()) in inner
    # the summary before it is cut to SUMMARY_CHARS
    cell = next(
        td for tr in root.iter("tr") for td in tr.findall("td") if any(m is expands[title] for m in td.iter())
    )
    assert len((cell.text or "").strip()) <= SUMMARY_CHARS + 2 and (cell.text or "").strip().endswith("…")


def test_metric_rows_and_gates_are_tables(demo: AuditReport) -> None:
    root = parse(render(demo, "confluence"))
    heads = [(tuple(th.text for th in t.iter("th")), t) for t in root.iter("table")]
    metric_tables = [t for h, t in heads if h[:4] == ("Category", "Metric", "AWS source", "Value")]
    assert len(metric_tables) == len({m.level for m in demo.metrics})  # one per level with rows
    metric_rows = [tr for t in metric_tables for tr in t.iter("tr") if tr.find("td") is not None]
    assert len(metric_rows) == len(demo.metrics) == 40
    (gates,) = [t for h, t in heads if h == ("Gate", "Result", "Measured", "Threshold", "Evidence")]
    rows = [tr for tr in gates.iter("tr") if tr.find("td") is not None]
    assert [tr.find("td").text for tr in rows] == [g.name for g in demo.gates]  # type: ignore[union-attr]
    results = [params(macros(tr, "status")[0])["title"] for tr in rows]
    assert results == [g.label.upper() for g in demo.gates]


def test_several_scopes_on_one_page(demo: AuditReport) -> None:
    other = replace(demo, scope=replace(demo.scope, region="eu-west-1"))
    fleet = FleetReport(
        tool_version=demo.tool_version,
        schema_version="2.0",
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        framework=demo.framework,
        reports=(demo, other),
    )
    root = parse(render(fleet, "confluence"))
    found = tasks(root)
    assert len(found) == 2 * len(demo.items)
    assert len({tid for tid, _, _ in found}) == len(found)  # unique across scopes
    headings = [h.text for h in root.iter("h1")]
    assert headings[1:] == [f"Scope {demo.scope.label}", f"Scope {other.scope.label}"]


def test_gates_only_report() -> None:
    report = report_of(demo_snapshot(), gates_only=True)
    root = parse(render(report, "confluence"))
    assert not tasks(root)
    assert [params(m)["title"] for m in macros(root, "status")][1:] == [g.label.upper() for g in report.gates]


# ---------------------------------------------------------------- publish


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeConfluence:
    """Answers from `routes`: (method, path) -> (status, JSON document, extra headers)."""

    routes: dict[tuple[str, str], tuple[int, Any, dict[str, str]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    base: str = ""


@pytest.fixture
def confluence(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeConfluence]:
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    fake = FakeConfluence()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            fake.seen.append(
                Seen(
                    self.command,
                    parts.path,
                    parse_qs(parts.query),
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw) if raw else None,
                )
            )
            status, doc, extra = fake.routes.get(
                (self.command, parts.path), (404, {"errors": [{"status": 404, "title": "Not Found"}]}, {})
            )
            data = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in extra.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    fake.base = f"http://127.0.0.1:{server.server_address[1]}/wiki"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


TOKEN = "ATATT3xFfGF0-test-token-9f8e7d"
USER = "auditor@example.com"
SPACE = {"results": [{"id": "98765", "key": "ENG", "name": "Engineering", "type": "global"}], "_links": {}}


@pytest.fixture
def report_file(tmp_path: Path, demo: AuditReport) -> Path:
    path = tmp_path / "audit.json"
    path.write_text(render_json(demo))
    return path


def _publish(args: list[str], *, user: str | None = USER, token: str | None = TOKEN) -> Any:
    env = {"CONFLUENCE_TOKEN": token, "CONFLUENCE_USER": user}
    return runner.invoke(app, ["publish", *args], env=env)


def _no_token_anywhere(result: Any) -> None:
    basic = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    for stream in (result.stdout, result.stderr):
        assert TOKEN not in stream and basic not in stream


def _check_headers(seen: Seen, auth: str, *, has_body: bool) -> None:
    assert seen.headers["authorization"] == auth
    assert seen.headers["accept"] == "application/json"
    if has_body:
        assert seen.headers["content-type"] == "application/json"
    else:
        assert "content-type" not in seen.headers and seen.body is None


BASIC = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()


def test_publish_creates_a_page(confluence: FakeConfluence, report_file: Path, demo: AuditReport) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (200, SPACE, {})
    confluence.routes[("POST", "/wiki/api/v2/pages")] = (
        200,
        {
            "id": "555001",
            "status": "current",
            "title": "Support bot audit",
            "spaceId": "98765",
            "parentId": "4242",
            "version": {"number": 1},
            "_links": {"webui": "/spaces/ENG/pages/555001/Support+bot+audit", "base": "https://x.test/wiki"},
        },
        {},
    )
    result = _publish(
        [
            str(report_file),
            "--url",
            confluence.base,
            "--space",
            "ENG",
            "--parent-id",
            "4242",
            "--title",
            "Support bot audit",
        ]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "created Confluence page 555001 'Support bot audit' (version 1): "
        "https://x.test/wiki/spaces/ENG/pages/555001/Support+bot+audit"
    )
    _no_token_anywhere(result)
    space, create = confluence.seen
    assert (space.method, space.path, space.query) == ("GET", "/wiki/api/v2/spaces", {"keys": ["ENG"]})
    _check_headers(space, BASIC, has_body=False)
    assert (create.method, create.path) == ("POST", "/wiki/api/v2/pages")
    _check_headers(create, BASIC, has_body=True)
    assert set(create.body) == {"spaceId", "status", "title", "parentId", "body"}
    assert create.body["spaceId"] == "98765"  # the numeric id, not the key
    assert (create.body["status"], create.body["title"], create.body["parentId"]) == (
        "current",
        "Support bot audit",
        "4242",
    )
    assert create.body["body"]["representation"] == "storage"
    root = parse(create.body["body"]["value"])
    assert len(tasks(root)) == len(demo.items)
    # a report read back from JSON still shows remediation (from the shipped level files)
    gap = next(i for i in demo.items if needs_remediation(demo, i))
    _, body = task_of(root, gap.id)
    assert " ".join(remediation(demo, gap).split()) in " ".join("".join(body.itertext()).split())


def test_publish_updates_a_page_with_the_next_version(confluence: FakeConfluence, report_file: Path) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (200, SPACE, {})
    confluence.routes[("GET", "/wiki/api/v2/pages/777")] = (
        200,
        {
            "id": "777",
            "status": "current",
            "title": "LLM audit",
            "spaceId": "98765",
            "version": {"number": 4},
        },
        {},
    )
    confluence.routes[("PUT", "/wiki/api/v2/pages/777")] = (
        200,
        {"id": "777", "title": "LLM audit", "spaceId": "98765", "version": {"number": 5}, "_links": {}},
        {},
    )
    result = _publish(
        [str(report_file), "--url", confluence.base + "/", "--space", "ENG", "--page-id", "777"], user=None
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "updated Confluence page 777 'LLM audit' (version 5)"
    _no_token_anywhere(result)
    assert [(s.method, s.path) for s in confluence.seen] == [
        ("GET", "/wiki/api/v2/spaces"),
        ("GET", "/wiki/api/v2/pages/777"),
        ("PUT", "/wiki/api/v2/pages/777"),
    ]
    bearer = f"Bearer {TOKEN}"  # no CONFLUENCE_USER: a bearer token (a Data Center PAT, an OAuth token)
    _check_headers(confluence.seen[1], bearer, has_body=False)
    put = confluence.seen[2]
    _check_headers(put, bearer, has_body=True)
    assert set(put.body) == {"id", "status", "title", "body", "version"}
    assert (put.body["id"], put.body["status"], put.body["title"]) == ("777", "current", "LLM audit")
    assert put.body["version"]["number"] == 5  # the page's version 4, plus one
    assert put.body["version"]["message"].startswith("llmops-audit ")
    assert put.body["body"]["representation"] == "storage" and tasks(parse(put.body["body"]["value"]))


def test_publish_http_error_is_one_line_exit_2_without_the_token(
    confluence: FakeConfluence, report_file: Path
) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (200, SPACE, {})
    # a server that echoes what it was sent: the token must still never reach the terminal
    confluence.routes[("POST", "/wiki/api/v2/pages")] = (
        400,
        {
            "errors": [
                {
                    "status": 400,
                    "code": "INVALID_REQUEST_PARAMETER",
                    "title": f"A page with this title already exists\nin this space (auth {BASIC})",
                    "detail": None,
                }
            ]
        },
        {},
    )
    result = _publish(
        [
            str(report_file),
            "--url",
            confluence.base,
            "--space",
            "ENG",
            "--parent-id",
            "4242",
            "--title",
            "Dup",
        ]
    )
    assert result.exit_code == 2
    line = error_line(result)
    assert line.startswith(
        "error: Confluence answered HTTP 400 to POST /wiki/api/v2/pages: A page with this title already exists "
        "in this space"
    )
    assert "[redacted]" in line
    _no_token_anywhere(result)
    assert result.stdout == ""


def test_publish_rejected_credentials(confluence: FakeConfluence, report_file: Path) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (
        401,
        {"errors": [{"status": 401, "code": "UNAUTHORIZED", "title": "Unauthorized; scope does not match"}]},
        {},
    )
    result = _publish([str(report_file), "--url", confluence.base, "--space", "ENG", "--page-id", "1"])
    assert result.exit_code == 2
    line = error_line(result)
    assert "HTTP 401 to GET /wiki/api/v2/spaces: Unauthorized; scope does not match" in line
    assert "CONFLUENCE_USER" in line  # the hint says what to check
    _no_token_anywhere(result)
    assert len(confluence.seen) == 1  # nothing is written after a refused read


def test_publish_refuses_a_page_of_another_space(confluence: FakeConfluence, report_file: Path) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (200, SPACE, {})
    confluence.routes[("GET", "/wiki/api/v2/pages/9")] = (
        200,
        {"id": "9", "title": "HR policy", "spaceId": "11111", "version": {"number": 2}},
        {},
    )
    result = _publish([str(report_file), "--url", confluence.base, "--space", "ENG", "--page-id", "9"])
    assert result.exit_code == 2
    assert "page 9 is not in space 'ENG'" in error_line(result)
    assert [s.method for s in confluence.seen] == ["GET", "GET"]  # no PUT


def test_publish_does_not_follow_a_redirect(confluence: FakeConfluence, report_file: Path) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (
        302,
        {},
        {"Location": confluence.base.replace("/wiki", "/elsewhere/api/v2/spaces?keys=ENG")},
    )
    result = _publish([str(report_file), "--url", confluence.base, "--space", "ENG", "--page-id", "1"])
    assert result.exit_code == 2
    assert "HTTP 302" in error_line(result) and "not followed" in error_line(result)
    assert [s.path for s in confluence.seen] == ["/wiki/api/v2/spaces"]  # the Authorization went nowhere else


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--page-id", "1"], {"token": None}, "error: CONFLUENCE_TOKEN is not set"),
        (["--page-id", "1"], {"token": "bad token\n"}, "error: CONFLUENCE_TOKEN holds characters"),
        (["--page-id", "x1"], {}, "error: --page-id must be a numeric page id"),
        (
            ["--page-id", "1", "--parent-id", "2"],
            {},
            "error: --page-id updates a page and --parent-id creates",
        ),
        (["--parent-id", "2"], {}, "error: say which page to write"),
    ],
)
def test_publish_bad_input_fails_before_any_request(
    confluence: FakeConfluence,
    report_file: Path,
    args: list[str],
    env: dict[str, Any],
    message: str,
) -> None:
    result = _publish([str(report_file), "--url", confluence.base, "--space", "ENG", *args], **env)
    assert result.exit_code == 2
    assert error_line(result).startswith(message)
    assert "bad token" not in result.stderr
    assert confluence.seen == []


def test_publish_refuses_plain_http_off_loopback(report_file: Path) -> None:
    result = _publish(
        [str(report_file), "--url", "http://wiki.example.com/wiki", "--space", "ENG", "--page-id", "1"]
    )
    assert result.exit_code == 2
    assert error_line(result).startswith("error: refusing to send a Confluence token over plain http")


def test_publish_not_a_report(confluence: FakeConfluence, tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"hello": 1}')
    result = _publish([str(bad), "--url", confluence.base, "--space", "ENG", "--page-id", "1"])
    assert result.exit_code == 2
    assert error_line(result).startswith("error: ")
    assert confluence.seen == []


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("https://example.atlassian.net", "https://example.atlassian.net/wiki"),  # Cloud serves under /wiki
        ("https://example.atlassian.net/wiki/", "https://example.atlassian.net/wiki"),
        (
            "https://api.atlassian.com/ex/confluence/abc/wiki",
            "https://api.atlassian.com/ex/confluence/abc/wiki",
        ),
        ("http://[::1]:8090/wiki", "http://[::1]:8090/wiki"),  # plain http only to loopback
    ],
)
def test_publish_url_is_the_api_base(url: str, base: str) -> None:
    from llmops_audit.publish import Target, _check_target

    assert _check_target(Target(url, "ENG", page_id="1")) == base


def test_publish_error_with_debug_prints_no_token(confluence: FakeConfluence, report_file: Path) -> None:
    confluence.routes[("GET", "/wiki/api/v2/spaces")] = (403, {"message": f"forbidden for {TOKEN}"}, {})
    env = {"CONFLUENCE_TOKEN": TOKEN, "CONFLUENCE_USER": USER}
    args = [
        "--debug",
        "publish",
        str(report_file),
        "--url",
        confluence.base,
        "--space",
        "ENG",
        "--page-id",
        "1",
    ]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 2
    assert error_line(result).startswith(
        "error: Confluence answered HTTP 403 to GET /wiki/api/v2/spaces: forbidden"
    )
    _no_token_anywhere(result)
