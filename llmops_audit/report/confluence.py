"""Confluence storage format (the XHTML-based XML Confluence keeps pages in): what `--format confluence` writes
and `llmops-audit publish` sends as a page body.

The verdict comes first (level and gates), then the go-live gates, the next improvements with their
remediation, a table of levels, and per level a task list with one task per item (complete only when the item
reads as done: a sign of a starting-state level that is still present is never a completed task), a status
macro on each item, the evidence (a summary, the detail folded into an expand macro when long) and the
level's metric rows. Every piece of text is escaped for XML (evidence can hold an endpoint's HTML error page),
and only the five XML entities are used, so the body parses as XML once wrapped in an element that declares
the `ac` and `ri` namespaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from xml.sax.saxutils import escape

from llmops_audit.engine.rollup import rollup, scope_row
from llmops_audit.model import AuditReport, FleetReport, GateResult, ItemResult, MetricResult, Status
from llmops_audit.report.common import (
    RenderOptions,
    call_outcomes,
    fmt_breakdown,
    fmt_metric_value,
    gates_verdict,
    level_name,
    period_text,
    verdict_line,
)
from llmops_audit.report.reading import item_reading, level_state, needs_remediation, remediation

# The namespaces a parser needs to read the body (Confluence declares them itself on its pages).
NAMESPACES = {"ac": "http://atlassian.com/content", "ri": "http://atlassian.com/resource/identifier"}

SUMMARY_CHARS = 240  # evidence longer than this (or with more than one entry) is folded into an expand macro

# Characters XML 1.0 cannot carry at all (an escaped form would not parse either): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_TONE_COLOUR = {"good": "Green", "bad": "Red", "unknown": "Yellow", "neutral": "Grey"}
_GATE_COLOUR = {Status.MET: "Green", Status.NOT_MET: "Red", Status.UNKNOWN: "Yellow", Status.WAIVED: "Grey"}


def text(value: object) -> str:
    """Any value as XML character data: escaped, characters XML cannot hold removed, whitespace folded."""
    return escape(_NOT_XML.sub("", " ".join(str(value).split())), {'"': "&quot;"})


def status_macro(title: str, colour: str) -> str:
    return (
        '<ac:structured-macro ac:name="status">'
        f'<ac:parameter ac:name="colour">{colour}</ac:parameter>'
        f'<ac:parameter ac:name="title">{text(title.upper())}</ac:parameter>'
        "</ac:structured-macro>"
    )


def expand_macro(title: str, body: str) -> str:
    """Detail folded behind a title; `body` is storage format already."""
    return (
        '<ac:structured-macro ac:name="expand">'
        f'<ac:parameter ac:name="title">{text(title)}</ac:parameter>'
        f"<ac:rich-text-body>{body}</ac:rich-text-body>"
        "</ac:structured-macro>"
    )


def panel(kind: str, body: str) -> str:
    """An info / note / warning / tip panel macro around storage-format `body`."""
    return f'<ac:structured-macro ac:name="{kind}"><ac:rich-text-body>{body}</ac:rich-text-body></ac:structured-macro>'


def _table(headers: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table; header names are plain text, row cells are storage format already."""
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tbody><tr>{head}</tr>{body}</tbody></table>"


def _summary(value: str, limit: int = SUMMARY_CHARS) -> str:
    """The first `limit` characters of `value`, cut at a word, with an ellipsis when something was cut."""
    flat = " ".join(value.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(" ,;:") + " …"


class _Page:
    """One page being written: task ids are unique across the whole page (several scopes included)."""

    def __init__(self) -> None:
        self.task_id = 0

    def task(self, done: bool, body: str) -> str:
        self.task_id += 1
        return (
            f"<ac:task><ac:task-id>{self.task_id}</ac:task-id>"
            f"<ac:task-status>{'complete' if done else 'incomplete'}</ac:task-status>"
            f"<ac:task-body>{body}</ac:task-body></ac:task>"
        )


def gate_counts(report: AuditReport) -> str:
    """'Go-live gates: 3 pass, 1 fail' (statuses in a fixed order, those with none left out)."""
    order = ("pass", "fail", "unknown", "waived")
    counts = {k: sum(1 for g in report.gates if g.label == k) for k in order}
    shown = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    return f"Go-live gates: {shown}" if shown else "Go-live gates: none evaluated"


def _gate_status(g: GateResult) -> str:
    return status_macro(g.label, _GATE_COLOUR.get(g.status, "Grey"))


def _gates_table(report: AuditReport) -> str:
    rows = []
    for g in report.gates:
        detail = g.reason
        if g.waiver:
            detail += f" Waived by {g.waiver.owner} until {g.waiver.expires}: {g.waiver.reason}"
        cell = text(_summary(detail))
        extra = [*g.data, *g.notes]
        if extra or len(" ".join(detail.split())) > SUMMARY_CHARS:
            inner = f"<p>{text(detail)}</p>" + (
                "<ul>" + "".join(f"<li>{text(d)}</li>" for d in extra) + "</ul>" if extra else ""
            )
            cell += expand_macro("Detail", inner)
        rows.append([text(g.name), _gate_status(g), text(g.measured_text), text(g.threshold_text), cell])
    return _table(["Gate", "Result", "Measured", "Threshold", "Evidence"], rows)


def gates_badge(report: AuditReport) -> str:
    """A status macro for the gates taken together: red when one fails, yellow when one has no data, green
    when every gate passes (or is waived); "" for a report without gates."""
    if not report.gates:
        return ""
    failed = sum(1 for g in report.gates if g.status == Status.NOT_MET)
    unknown = sum(1 for g in report.gates if g.status == Status.UNKNOWN)
    n = len(report.gates)
    if failed:
        return status_macro(f"{failed} of {n} gates fail", "Red")
    if unknown:
        return status_macro(f"{unknown} of {n} gates unknown", "Yellow")
    return status_macro("gates pass", "Green")


def _verdict(report: AuditReport) -> str:
    """The verdict panel: the level with what was asked of it (--min-level, --fail-on-gates), and the gates.
    A PASS badge appears only when something was checked and passed; the gates have their own badge, so a
    level reached never hides a failing gate."""
    v = report.verdict
    failing = any(g.status == Status.NOT_MET for g in report.gates)
    badge = ""
    if v.outcome == "fail":
        badge = status_macro("fail", "Red") + " "
    elif v.checked:
        badge = status_macro("pass", "Green") + " "
    body = f"<p><strong>Verdict:</strong> {badge}{text(verdict_line(report))}</p>"
    gb = gates_badge(report)
    body += f"<p>{gb + ' ' if gb else ''}{text(gate_counts(report))}</p>"
    return panel("warning" if v.outcome == "fail" or failing else "info", body)


def _item_task(report: AuditReport, item: ItemResult, page: _Page) -> str:
    reading = item_reading(report, item)
    body = (
        f"<strong>{text(item.id)}</strong> {text(item.text)} "
        f"{status_macro(reading.label, _TONE_COLOUR[reading.tone])}"
    )
    if needs_remediation(report, item):
        body += f" <em>Remediation:</em> {text(remediation(report, item))}"
    return page.task(reading.done, body)


def _item_detail(item: ItemResult) -> str:
    """The evidence cell of an item: the reason (summarised), and the full detail behind an expand macro
    when there is more to see than the summary."""
    parts: list[str] = []
    extra: list[str] = [*item.evidence]
    if item.missing:
        extra.append(f"Missing permission or data: {', '.join(item.missing)}")
    extra += [f"Note: {n}" for n in item.notes]
    if item.attestation:
        a = item.attestation
        extra.append(
            f"Attested {'yes' if a.answer else 'no'} by {a.by} (expires {a.expires}"
            f"{', expired' if a.expired else ''}): {a.evidence}"
        )
    if item.waiver:
        w = item.waiver
        extra.append(f"Waived by {w.owner} until {w.expires}{' (expired)' if w.expired else ''}: {w.reason}")
    reason = " ".join(item.reason.split())
    parts.append(text(_summary(reason)))
    shown = [e for e in extra if " ".join(e.split()) != reason]
    if shown or len(reason) > SUMMARY_CHARS:
        inner = f"<p>{text(reason)}</p>" if reason else ""
        if shown:
            inner += "<ul>" + "".join(f"<li>{text(e)}</li>" for e in shown) + "</ul>"
        parts.append(expand_macro(f"Evidence for {item.id} ({len(shown)} entries)", inner))
    return "".join(parts)


def _metric_rows(rows: list[MetricResult]) -> str:
    out = []
    for m in rows:
        how = m.derivation if m.value is not None else m.reason
        detail = fmt_breakdown(m)
        full = how + (f" ({detail})" if detail else "") + (f" Note: {m.note}" if m.note else "")
        if m.missing:
            full += f" Missing permission or data: {', '.join(m.missing)}."
        cell = text(_summary(full))
        if len(" ".join(full.split())) > SUMMARY_CHARS:
            cell += expand_macro("How it was measured", f"<p>{text(full)}</p>")
        out.append(
            [text(m.category), text(m.name), text(m.source or m.purpose), text(fmt_metric_value(m)), cell]
        )
    return _table(["Category", "Metric", "AWS source", "Value", "How it was measured"], out)


def _h(depth: int, body: str) -> str:
    n = min(depth, 6)
    return f"<h{n}>{text(body)}</h{n}>"


def _gates_only(report: AuditReport, depth: int) -> str:
    s = report.scope
    return (
        _h(depth, f"Go-live gates: {gates_verdict(report)}")
        + f"<p>Account <code>{text(s.account)}</code> · Region <code>{text(s.region)}</code> · "
        f"Period {text(period_text(report))}</p>"
        + f"<p>{gates_badge(report)} {text(gate_counts(report))}</p>"
        + _gates_table(report)
    )


def _scope(report: AuditReport, page: _Page, depth: int = 1) -> str:
    if report.gates_only:
        return _gates_only(report, depth)
    fw = report.framework
    s = report.scope
    top = fw.level(report.level)
    out: list[str] = [_verdict(report)]
    out.append(_h(depth, f"{fw.title}: Level {report.level} — {level_name(report)}"))
    if top and (top.motto or top.core_question):
        out.append(
            f"<p><em>“{text(top.motto)}”</em> Core question: <strong>{text(top.core_question)}</strong></p>"
        )
    out.append(
        f"<p>Account <code>{text(s.account)}</code> · Region <code>{text(s.region)}</code>"
        + (f" · Workload <code>{text(s.workload)}</code>" if s.workload else "")
        + f" · Period {text(period_text(report))} · Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by "
        f"llmops-audit {text(report.tool_version)}"
        + (" · <strong>demo account</strong>" if s.demo else "")
        + "</p>"
    )
    if report.gates:
        out.append(_h(depth + 1, "Go-live gates"))
        out.append(f"<p>{text(gate_counts(report))}</p>")
        out.append(_gates_table(report))
    nxt = [r for r in report.items if r.id in report.next_improvements]
    if nxt:
        out.append(_h(depth + 1, "Next improvements"))
        lis = []
        for r in nxt:
            li = f"<strong>{text(r.id)}</strong> {text(r.text)}"
            if remediation(report, r):
                li += f" <em>Remediation:</em> {text(remediation(report, r))}"
            lis.append(f"<li>{li}</li>")
        out.append("<ul>" + "".join(lis) + "</ul>")
    if report.levels:
        out.append(_h(depth + 1, "Levels"))
        out.append(
            _table(
                ["Level", "Name", "State"],
                ([text(lv.number), text(lv.name), text(level_state(lv))] for lv in report.levels),
            )
        )
    summaries = {lv.number: lv for lv in report.levels}
    for level in fw.levels:
        out.append(_h(depth + 1, f"Level {level.number} — {level.name}"))
        if level.motto or level.core_question:
            out.append(
                f"<p><em>“{text(level.motto)}”</em> Core question: <strong>{text(level.core_question)}</strong></p>"
            )
        summary = summaries.get(level.number)
        if summary:
            state = level_state(summary)
            out.append(f"<p>{text(state[:1].upper() + state[1:])}</p>")
        items = [r for r in report.items if r.level == level.number]
        if summary and summary.starting_state:
            out.append(
                panel(
                    "note",
                    "<p>This level is the starting state: its items are signs of the initial stage. A sign "
                    "still present is an open task; a sign left behind is a completed one.</p>",
                )
            )
        if items:
            out.append(
                "<ac:task-list>" + "".join(_item_task(report, r, page) for r in items) + "</ac:task-list>"
            )
            out.append(
                _table(
                    ["Item", "Status", "Evidence"],
                    (
                        [
                            text(r.id),
                            status_macro(
                                item_reading(report, r).label, _TONE_COLOUR[item_reading(report, r).tone]
                            ),
                            _item_detail(r),
                        ]
                        for r in items
                    ),
                )
            )
        rows = [m for m in report.metrics if m.level == level.number]
        if rows:
            out.append(_metric_rows(rows))
    out.append(_h(depth + 1, "About this audit"))
    c = report.calls
    about = [f"AWS calls: {c.get('total', 0)} read-only calls ({call_outcomes(report)})."]
    if c.get("denied_actions"):
        about.append(f"Denied permissions: {', '.join(c['denied_actions'])}.")
    about += list(report.notices)
    about.append(
        "Items count toward a level when met, attested by a person, or waived; unknown never counts."
    )
    out.append("<ul>" + "".join(f"<li>{text(a)}</li>" for a in about) + "</ul>")
    return "".join(out)


def render(report: AuditReport, options: RenderOptions | None = None) -> str:
    return _scope(report, _Page()) + "\n"


def _items_met(items_met: dict[int, tuple[int, int]]) -> str:
    return " ".join(f"L{n} {c}/{t}" for n, (c, t) in sorted(items_met.items()))


def render_fleet(fleet: FleetReport, options: RenderOptions | None = None) -> str:
    """Several scopes on one page: the overview and roll-up first, then each scope's report."""
    from llmops_audit.report.fleet import headline

    page = _Page()
    up = rollup(fleet)
    failing = any(r.verdict.outcome == "fail" for r in fleet.reports) or bool(fleet.failures)
    out = [
        panel("warning" if failing else "info", f"<p><strong>Verdict:</strong> {text(headline(fleet))}</p>"),
        _h(1, f"{fleet.framework.title}: {len(fleet.reports)} scopes"),
    ]
    if fleet.shards:
        out.append(f"<p>Shards: {text(', '.join(fleet.shards))}</p>")
    out.append(_h(2, "Overview"))
    rows = []
    for row in map(scope_row, fleet.reports):
        verdict = status_macro(row.verdict, "Green" if row.verdict == "pass" else "Red")
        gates = ", ".join(f"{n} {k}" for k, n in row.gates.items()) or "none"
        rows.append(
            [
                text(row.label),
                f"<code>{text(row.account)}</code>",
                f"<code>{text(row.region)}</code>",
                text(row.workload or "—"),
                text(f"{row.level} {row.level_name}"),
                verdict,
                text(gates),
                text(_items_met(row.items_met)),
            ]
        )
    for f in fleet.failures:
        rows.append(
            [
                text(f.label),
                f"<code>{text(f.account)}</code>",
                f"<code>{text(f.region)}</code>",
                text(f.workload or "—"),
                "—",
                status_macro("not audited", "Grey"),
                "—",
                text(f.reason),
            ]
        )
    out.append(
        _table(
            ["Scope", "Account", "Region", "Workload", "Level", "Verdict", "Gates", "Items met per level"],
            rows,
        )
    )
    out.append(_h(2, "Roll-up"))
    out.append(
        "<p>Levels: " + text(", ".join(f"level {k}: {v}" for k, v in up.levels.items()) or "none") + "</p>"
    )
    if up.gate_failures:
        out.append(
            "<p>Failing gates: "
            + text(", ".join(f"{k} in {v} scope(s)" for k, v in up.gate_failures.items()))
            + "</p>"
        )
    if up.common_gaps:
        out.append(
            "<p>Most common gaps:</p><ul>"
            + "".join(
                f"<li><strong>{text(g.id)}</strong> {text(g.text)} — not met in {g.scopes} of {up.scopes}</li>"
                for g in up.common_gaps
            )
            + "</ul>"
        )
    if fleet.skipped:
        out.append(
            _h(2, "Skipped") + "<ul>" + "".join(f"<li>{text(s)}</li>" for s in fleet.skipped) + "</ul>"
        )
    if fleet.notices:
        out.append("<ul>" + "".join(f"<li>{text(n)}</li>" for n in fleet.notices) + "</ul>")
    for r in fleet.reports:
        out.append(_h(1, f"Scope {r.scope.label}"))
        out.append(_scope(r, page, depth=2))
    return "".join(out) + "\n"
