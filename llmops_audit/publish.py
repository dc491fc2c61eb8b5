"""`llmops-audit publish`: a JSON report, rendered in Confluence storage format, written to a Confluence Cloud
page through the REST API v2. This is the tool's only write, and it goes to Confluence, never to AWS: it is
kept out of llmops_audit/aws/ (the read-only access layer) on purpose.

- Space: GET /wiki/api/v2/spaces?keys=KEY gives the numeric space id the v2 API needs.
- Create (--parent-id ID --title T): POST /wiki/api/v2/pages with spaceId, status "current", title, parentId
  and body {representation: "storage", value}.
- Update (--page-id ID): GET /wiki/api/v2/pages/{id} for its version.number (and title, and space: a page of
  another space than --space is refused), then PUT /wiki/api/v2/pages/{id} with id, status, title, body and
  version {number: n + 1, message}.

Credentials come from the environment only: CONFLUENCE_TOKEN, with CONFLUENCE_USER (the account's email) for
Cloud basic auth with an API token, or alone as a bearer token (a Data Center personal access token, or a
Cloud OAuth token). The token is never printed: not in errors, not with --debug; a redirect is refused rather
than followed (urllib would send the Authorization header on to wherever it points); plain http is allowed
only to a loopback address.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmops_audit import __version__
from llmops_audit.errors import AuditError, ExitCode, UsageError

TIMEOUT_S = 30.0
_MAX_ERROR_CHARS = 300
_ID = re.compile(r"^[0-9]{1,20}$")
_SPACE_KEY = re.compile(r"^[A-Za-z0-9_~.-]{1,255}$")  # personal spaces are ~accountid


class PublishError(AuditError):
    """Confluence could not be written: unreachable, refused the credentials, or answered with an error."""

    exit_code = ExitCode.CANNOT_RUN


@dataclass(frozen=True)
class Target:
    url: str  # the site's Confluence base, e.g. https://example.atlassian.net/wiki
    space: str
    page_id: str | None = None
    parent_id: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Published:
    action: str  # created | updated
    page_id: str
    title: str
    version: int
    link: str  # the page's address, when Confluence gave one

    @property
    def line(self) -> str:
        where = f": {self.link}" if self.link else ""
        return f"{self.action} Confluence page {self.page_id} '{self.title}' (version {self.version}){where}"


def _check_target(t: Target) -> str:
    """The API base (…/wiki) after checking every option, before anything is read or sent."""
    if t.page_id and t.parent_id:
        raise UsageError(
            "--page-id updates a page and --parent-id creates one: give one of them",
            hint="--page-id ID, or --parent-id ID --title T",
        )
    if not t.page_id and not (t.parent_id and t.title):
        raise UsageError(
            "say which page to write: --page-id ID (update) or --parent-id ID --title T (create)",
            hint="see `llmops-audit publish --help`",
        )
    for name, value in (("--page-id", t.page_id), ("--parent-id", t.parent_id)):
        if value is not None and not _ID.match(value):
            raise UsageError(f"{name} must be a numeric page id, not '{value[:40]}'")
    if t.title is not None and not t.title.strip():
        raise UsageError("--title must not be empty")
    if not _SPACE_KEY.match(t.space):
        raise UsageError(f"--space must be a space key (letters, digits), not '{t.space[:40]}'")
    parts = urllib.parse.urlsplit(t.url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UsageError(
            f"--url must be the Confluence site's address, not '{t.url[:80]}'",
            hint="e.g. --url https://example.atlassian.net/wiki",
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError(
            "--url must hold no credentials, query or fragment",
            hint="the token comes from CONFLUENCE_TOKEN only",
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise UsageError(
            f"refusing to send a Confluence token over plain http to {parts.hostname}",
            hint="use the https:// address of the site",
        )
    path = parts.path.rstrip("/") or "/wiki"  # Cloud serves Confluence under /wiki
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def authorization(env: Mapping[str, str]) -> str:
    """The Authorization header value from CONFLUENCE_TOKEN (+ CONFLUENCE_USER for basic auth)."""
    token = env.get("CONFLUENCE_TOKEN", "")
    user = env.get("CONFLUENCE_USER", "")
    if not token:
        raise UsageError(
            "CONFLUENCE_TOKEN is not set",
            hint="export CONFLUENCE_TOKEN (a Cloud API token, with CONFLUENCE_USER=your email; "
            "or a Data Center personal access token alone)",
        )
    if not _header_safe(token) or (user and not _header_safe(user)):
        # never echo the value: say only which variable is wrong
        name = "CONFLUENCE_TOKEN" if not _header_safe(token) else "CONFLUENCE_USER"
        raise UsageError(f"{name} holds characters an HTTP header cannot carry (spaces, newlines, non-ASCII)")
    if user:
        return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode("ascii")
    return f"Bearer {token}"


def _header_safe(value: str) -> bool:
    return value.isascii() and value.isprintable() and " " not in value


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise PublishError(
            f"Confluence answered HTTP {code} to {req.get_method()} {urllib.parse.urlsplit(req.full_url).path}, "
            f"a redirect to {urllib.parse.urlsplit(newurl).netloc or newurl[:80]}; it was not followed",
            hint="pass the site's final address with --url (https://SITE.atlassian.net/wiki)",
        )


class Client:
    """The few Confluence REST v2 calls `publish` makes, with one-line errors that never hold the token."""

    def __init__(self, base: str, auth: str) -> None:
        self.base = base
        self._auth = auth
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:  # never the header
        return f"Client({self.base!r})"

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = self.base + path
        data = json.dumps(body).encode("utf-8") if body is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        req.add_header("Authorization", self._auth)
        req.add_header("User-Agent", f"llmops-audit/{__version__}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        shown = urllib.parse.urlsplit(url).path
        try:
            with self._opener.open(req, timeout=TIMEOUT_S) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raise PublishError(
                f"Confluence answered HTTP {err.code} to {method} {shown}: {self._message(err)}",
                hint=_HINTS.get(err.code),
            ) from None
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            raise PublishError(
                f"cannot reach Confluence at {urllib.parse.urlsplit(url).netloc}: {self._clean(str(reason))}",
                hint="check --url and the network (HTTPS_PROXY is honoured)",
            ) from None
        try:
            doc = json.loads(raw or b"{}")
        except ValueError:
            raise PublishError(
                f"Confluence answered {method} {shown} with something that is not JSON "
                f"({self._clean(raw[:80].decode('utf-8', 'replace'))})",
                hint="check that --url is the Confluence site (…/wiki)",
            ) from None
        if not isinstance(doc, dict):
            raise PublishError(f"Confluence answered {method} {shown} with an unexpected JSON document")
        return doc

    def _message(self, err: urllib.error.HTTPError) -> str:
        """Confluence's own words: v2 {"errors": [{"title", "detail"}]}, v1 {"message"}, else the reason."""
        try:
            raw = err.read(64 * 1024)
            doc = json.loads(raw)
        except (OSError, ValueError):
            doc = None
        parts: list[str] = []
        if isinstance(doc, dict):
            for e in doc.get("errors") or []:
                if isinstance(e, dict):
                    words = [str(e[k]) for k in ("title", "detail") if e.get(k)]
                    if words:
                        parts.append(": ".join(words))
            if not parts and doc.get("message"):
                parts.append(str(doc["message"]))
        return self._clean("; ".join(parts) or str(err.reason or "no message"))

    def _clean(self, value: str) -> str:
        """One line, bounded, with the credentials (and their encodings) taken out."""
        line = " ".join(value.split())
        secret = self._auth.split(" ", 1)[-1]
        for s in {secret, *_decoded(secret)}:
            if len(s) >= 4:
                line = line.replace(s, "[redacted]")
        return line[:_MAX_ERROR_CHARS] + ("…" if len(line) > _MAX_ERROR_CHARS else "")


def _decoded(secret: str) -> list[str]:
    try:
        pair = base64.b64decode(secret, validate=True).decode("utf-8")
    except ValueError:
        return []
    return [pair, *pair.split(":", 1)[1:]]


_HINTS = {
    400: "Confluence refused the page; the message above says why",
    401: "check CONFLUENCE_TOKEN and CONFLUENCE_USER (Cloud: your email and an API token)",
    403: "the account lacks permission to see or edit that space or page",
    404: "check --url, --space, --page-id and --parent-id (and that the account can see them)",
    409: "the page changed while publishing (or the title is taken in the space); run publish again",
    429: "Confluence is rate limiting; try again later",
}


def _space_id(client: Client, key: str) -> str:
    doc = client.call("GET", "/api/v2/spaces?" + urllib.parse.urlencode({"keys": key}))
    for s in doc.get("results") or []:
        if isinstance(s, dict) and str(s.get("key", "")).lower() == key.lower() and s.get("id") is not None:
            return str(s["id"])
    raise PublishError(
        f"no Confluence space with key '{key}' (or the account cannot see it)",
        hint="check --space against the space's key in its address (/wiki/spaces/KEY/...)",
    )


def _link(doc: dict[str, Any], base: str) -> str:
    raw = doc.get("_links")
    links: dict[str, Any] = raw if isinstance(raw, dict) else {}
    webui = str(links.get("webui") or "")
    if not webui:
        return ""
    return str(links.get("base") or base) + webui if webui.startswith("/") else webui


def _version(doc: dict[str, Any], fallback: int) -> int:
    v = doc.get("version")
    n = v.get("number") if isinstance(v, dict) else None
    return n if isinstance(n, int) and not isinstance(n, bool) else fallback


def _with_remediation(report: Any) -> Any:
    """A report read back from JSON carries no remediation text (it lives in the level files): take it
    from the shipped framework of the same name, for the items it defines, so the page shows it."""
    from dataclasses import replace

    from llmops_audit.inputs.definitions import builtin_frameworks, load_framework
    from llmops_audit.model import FleetReport

    shipped = builtin_frameworks()
    fw = report.framework
    if fw.name not in shipped or any(i.remediation for i in fw.items):
        return report
    texts = {i.id: i.remediation for i in load_framework(shipped[fw.name]).items}
    levels = tuple(
        replace(lv, items=tuple(replace(i, remediation=texts.get(i.id, "")) for i in lv.items))
        for lv in fw.levels
    )
    filled = replace(fw, levels=levels)
    if isinstance(report, FleetReport):
        return replace(
            report,
            framework=filled,
            reports=tuple(replace(r, framework=filled) for r in report.reports),
        )
    return replace(report, framework=filled)


def _default_title(report: Any) -> str:
    from llmops_audit.model import FleetReport

    if isinstance(report, FleetReport):
        return f"{report.framework.title}: {len(report.reports)} scopes"
    return f"{report.framework.title}: {report.scope.label}"


def publish(report_path: Path, target: Target, env: Mapping[str, str] | None = None) -> Published:
    """Render the report and create or update the page. Every check (options, credentials' presence, the
    report file) is made before the first request."""
    from llmops_audit.model import FleetReport
    from llmops_audit.report import render
    from llmops_audit.report.load import load_report

    base = _check_target(target)
    auth = authorization(os.environ if env is None else env)
    report = _with_remediation(load_report(report_path))
    body = {"representation": "storage", "value": render(report, "confluence")}
    level = f"{len(report.reports)} scopes" if isinstance(report, FleetReport) else f"level {report.level}"
    message = f"llmops-audit {__version__}: {level}, report of {report.generated_at:%Y-%m-%d %H:%M} UTC"

    client = Client(base, auth)
    space_id = _space_id(client, target.space)
    if target.page_id is None:
        title = target.title or _default_title(report)
        doc = client.call(
            "POST",
            "/api/v2/pages",
            {
                "spaceId": space_id,
                "status": "current",
                "title": title,
                "parentId": target.parent_id,
                "body": body,
            },
        )
        return Published("created", str(doc.get("id", "")), title, _version(doc, 1), _link(doc, base))

    page_path = f"/api/v2/pages/{target.page_id}"
    current = client.call("GET", page_path)
    if str(current.get("spaceId", space_id)) != space_id:
        raise PublishError(
            f"page {target.page_id} is not in space '{target.space}' (its space id is {current.get('spaceId')})",
            hint="check --page-id and --space",
        )
    number = _version(current, 0)
    if number < 1:
        raise PublishError(f"Confluence gave no version number for page {target.page_id}")
    title = target.title or str(current.get("title") or _default_title(report))
    doc = client.call(
        "PUT",
        page_path,
        {
            "id": target.page_id,
            "status": "current",
            "title": title,
            "body": body,
            "version": {"number": number + 1, "message": message},
        },
    )
    return Published("updated", target.page_id, title, _version(doc, number + 1), _link(doc, base))
