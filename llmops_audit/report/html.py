"""A static HTML report: one self-contained file (inline CSS, a little inline JS, inline SVG; no CDN, no
external fonts, scripts or images), readable offline and attachable to a ticket.

Verdict first (level and gates), then the go-live gates, the next improvements, and each level's items with
filter buttons by reading (met / not met / unknown / sign present...; report/reading.py gives the words),
each item's evidence (long evidence folded in <details>), its remediation when not met or unknown, and the
level's metric rows. A multi-scope report starts with an overview table and the roll-up, then each scope.

The filter is set through the URL hash (`report.html#filter=not-met`), so a link can open a filtered view;
without JavaScript every item shows. A Content-Security-Policy naming the hashes of the inline style and
script forbids the page any other resource, so a browser refuses it even if one slipped in.

History: `render_with_history(report, past)` adds charts of level, items met per level and gates over time
(`history_charts`, inline SVG) when past reports of the same scope are given. Every text is escaped.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping, Sequence
from html import escape

from llmops_audit.engine.rollup import rollup, scope_row
from llmops_audit.model import AuditReport, FleetReport, GateResult, ItemResult, MetricResult, Status
from llmops_audit.report.common import (
    RenderOptions,
    call_costs,
    call_outcomes,
    calls_by_service,
    fmt_breakdown,
    fmt_metric_value,
    gates_verdict,
    level_name,
    period_text,
    verdict_line,
)
from llmops_audit.report.reading import item_reading, level_state, needs_remediation, remediation

FOLD_AT = 320  # characters of an item's reason shown before the rest is folded behind <details>

CSS = """
:root{--good:#1a7f37;--bad:#c4320a;--unknown:#9a6700;--neutral:#6e40c9;--ink:#1f2328;--dim:#59636e;
--line:#d1d9e0;--bg:#fff;--panel:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:20px;margin:32px 0 8px;border-bottom:1px solid var(--line);
padding-bottom:4px}h3{font-size:17px;margin:20px 0 6px}
.dim{color:var(--dim)}.small{font-size:13px}
[hidden]{display:none!important}
.verdict{border:2px solid var(--line);border-radius:8px;padding:16px 20px;background:var(--panel)}
.verdict.fail{border-color:var(--bad)}.verdict.pass{border-color:var(--good)}
.verdict.unknown{border-color:var(--unknown)}
.verdict .big{font-size:22px;font-weight:700;margin:0 0 6px}
.chips{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}
.chip{display:inline-block;border-radius:12px;padding:1px 10px;font-size:13px;font-weight:600;
border:1px solid currentColor}
.t-good{color:var(--good)}.t-bad{color:var(--bad)}.t-unknown{color:var(--unknown)}.t-neutral{color:var(--neutral)}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{background:var(--panel)}td.num{text-align:right;white-space:nowrap}
.filters{position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line);
z-index:1}
.filters button{font:inherit;font-size:13px;margin:2px;padding:3px 10px;border:1px solid var(--line);
border-radius:14px;background:var(--panel);cursor:pointer}
.filters button[aria-pressed=true]{background:var(--ink);color:#fff;border-color:var(--ink)}
.item{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:6px;padding:8px 12px;
margin:8px 0}
.item.t-good{border-left-color:var(--good)}.item.t-bad{border-left-color:var(--bad)}
.item.t-unknown{border-left-color:var(--unknown)}.item.t-neutral{border-left-color:var(--neutral)}
.item header{display:flex;gap:10px;align-items:baseline;color:var(--ink)}
.item .id{font-weight:700;white-space:nowrap}.item .text{flex:1}
.item p{margin:4px 0;color:var(--ink)}.item ul{margin:4px 0;padding-left:20px;color:var(--ink)}
.fix{background:#fff8c5;border-radius:4px;padding:4px 8px}
details summary{cursor:pointer;color:var(--dim);font-size:13px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.charts figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px}
.charts figcaption{font-weight:600;font-size:14px}
svg text{font:11px system-ui,sans-serif;fill:#59636e}
svg .grid{stroke:#d1d9e0;stroke-width:1}
svg .s0{stroke:#0969da;fill:#0969da}svg .s1{stroke:#1a7f37;fill:#1a7f37}svg .s2{stroke:#c4320a;fill:#c4320a}
svg .s3{stroke:#9a6700;fill:#9a6700}svg .s4{stroke:#6e40c9;fill:#6e40c9}svg .s5{stroke:#59636e;fill:#59636e}
svg polyline[class]{fill:none;stroke-width:2}
.legend span{margin-right:10px;font-size:12px}
.scope{border-top:4px solid var(--line);margin-top:40px}
@media print{.filters{display:none}.item{break-inside:avoid}}
"""

JS = """
(function () {
  var items = document.querySelectorAll('.item');
  var buttons = document.querySelectorAll('[data-filter]');
  var known = {};
  buttons.forEach(function (b) { known[b.dataset.filter] = true; });
  function current() {
    var m = /(?:^#|&)filter=([a-z0-9-]+)/.exec(location.hash);
    return m && known[m[1]] ? m[1] : 'all';
  }
  function apply() {
    var f = current();
    items.forEach(function (el) {
      var t = el.dataset.tone;
      el.hidden = !(f === 'all' || el.dataset.reading === f ||
                    (f === 'attention' && (t === 'bad' || t === 'unknown')));
    });
    buttons.forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.filter === f)); });
    document.querySelectorAll('.level').forEach(function (s) {
      var shown = s.querySelectorAll('.item:not([hidden])').length;
      var none = s.querySelector('.none');
      if (none) { none.hidden = shown > 0 || s.querySelectorAll('.item').length === 0; }
    });
  }
  document.querySelectorAll('.filters').forEach(function (bar) { bar.hidden = false; });
  buttons.forEach(function (b) {
    b.addEventListener('click', function () { location.hash = 'filter=' + b.dataset.filter; });
  });
  window.addEventListener('hashchange', apply);
  apply();
})();
"""

FILTER_ORDER = (
    "met",
    "attested",
    "waived",
    "not met",
    "unknown",
    "error",
    "sign present",
    "sign present (attested)",
    "sign left behind",
)


def e(text: object) -> str:
    """Escaped text (and attribute values)."""
    return escape(str(text), quote=True)


def slug(text: str) -> str:
    """'sign present (attested)' -> 'sign-present-attested': a reading's filter name and data-reading."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _document(title: str, body: str) -> str:
    csp = (
        f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(JS)}; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="llmops-audit">\n'
        f"<title>{e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        f"{body}\n</main>\n<script>{JS}</script>\n</body>\n</html>\n"
    )


# ------------------------------------------------------------------ pieces


def _gate_counts(report: AuditReport) -> dict[str, int]:
    counts: dict[str, int] = {}
    for g in report.gates:
        counts[g.label] = counts.get(g.label, 0) + 1
    return counts


GATE_TONE = {Status.MET: "good", Status.NOT_MET: "bad", Status.WAIVED: "neutral"}


def _gate_chips(report: AuditReport) -> str:
    if not report.gates:
        return '<span class="dim">no go-live gates</span>'
    chips = "".join(
        f'<span class="chip t-{GATE_TONE.get(g.status, "unknown")}" title="{e(g.reason)}">'
        f"{e(g.name)}: {e(g.label)}</span>"
        for g in report.gates
    )
    summary = ", ".join(f"{n} {k}" for k, n in sorted(_gate_counts(report).items()))
    return f"<strong>Go-live gates</strong> ({e(summary)}): {chips}"


def _verdict_tone(report: AuditReport) -> str:
    """The verdict box's colour: failing when the verdict fails or any gate fails (a level reached with a
    failing gate is not fit to go live), unknown when a gate has no data, else passing."""
    statuses = {g.status for g in report.gates}
    if report.verdict.outcome == "fail" or Status.NOT_MET in statuses:
        return "fail"
    if statuses & {Status.UNKNOWN, Status.ERROR}:
        return "unknown"
    return "pass"


def _verdict(report: AuditReport, heading: str) -> str:
    top = report.framework.level(report.level)
    s = report.scope
    total = len(report.framework.levels)
    parts = [
        f'<section class="verdict {_verdict_tone(report)}" aria-label="Verdict" '
        f'data-outcome="{e(report.verdict.outcome)}">',
        f"<{heading}>{e(report.framework.title)}</{heading}>",
        f'<p class="big" data-level="{report.level}">Level {report.level} of {total}: '
        f"{e(level_name(report))}</p>",
        f"<p><strong>Verdict:</strong> {e(verdict_line(report))}</p>",
        f'<div class="chips">{_gate_chips(report)}</div>',
    ]
    if top:
        parts.append(
            f"<p><em>\u201c{e(top.motto)}\u201d</em> Core question: <strong>{e(top.core_question)}</strong></p>"
        )
    parts.append(
        f'<p class="dim small">Account {e(s.account)} · Region {e(s.region)}'
        + (f" · Workload {e(s.workload)}" if s.workload else "")
        + f" · Period {e(period_text(report))} · Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by "
        f"llmops-audit {e(report.tool_version)}"
        + (" · <strong>demo account</strong>" if s.demo else "")
        + "</p>"
    )
    parts.append("</section>")
    return "\n".join(parts)


def _lines(texts: Sequence[str]) -> str:
    return "".join(f"<li>{e(t)}</li>" for t in texts)


def _gates_table(report: AuditReport) -> str:
    if not report.gates:
        return ""
    rows = []
    for g in report.gates:
        rows.append(
            f'<tr><td>{e(g.name)}</td><td class="t-{GATE_TONE.get(g.status, "unknown")}"><strong>'
            f'{e(g.label)}</strong></td><td class="num">{e(g.measured_text)}</td>'
            f'<td class="num">{e(g.threshold_text)}</td><td>{_gate_evidence(g)}</td></tr>'
        )
    return (
        "<table><thead><tr><th>Gate</th><th>Result</th><th>Measured</th><th>Threshold</th><th>Evidence</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _gate_evidence(g: GateResult) -> str:
    out = e(g.reason)
    if g.waiver:
        w = g.waiver
        out += f"<br>Waived by {e(w.owner)} until {e(w.expires)}: {e(w.reason)}"
    extra = [*(f"Data: {d}" for d in g.data), *(f"Note: {n}" for n in g.notes)]
    if extra:
        out += f"<details><summary>Data and notes ({len(extra)})</summary><ul>{_lines(extra)}</ul></details>"
    return out


def _fold(text: str) -> str:
    """A paragraph of `text`, its start shown and the rest behind <details> when it is long."""
    if len(text) <= FOLD_AT:
        return f"<p>{e(text)}</p>"
    cut = text.rfind(" ", 0, FOLD_AT)
    head = text[: cut if cut > FOLD_AT // 2 else FOLD_AT]
    return f"<p>{e(head)} …</p><details><summary>Full reason ({len(text):,} characters)</summary><p>{e(text)}</p></details>"


def _item(report: AuditReport, r: ItemResult, anchor: str) -> str:
    reading = item_reading(report, r)
    out = [
        f'<article class="item t-{reading.tone}" id="{e(anchor)}{e(slug(r.id))}" data-id="{e(r.id)}" '
        f'data-reading="{slug(reading.label)}" data-tone="{reading.tone}" data-status="{e(r.status.value)}">',
        f'<header><span class="id">{e(r.id)}</span><span class="text">{e(r.text)}</span>'
        f'<span class="chip t-{reading.tone}">{e(reading.label)}</span></header>',
        _fold(r.reason),
    ]
    evidence = [x for x in r.evidence if x != r.reason]
    details = [d for f in r.findings for d in f.details]
    if evidence or details:
        n = len(evidence) + len(details)
        out.append(
            f"<details><summary>Evidence ({n} finding{'s' if n != 1 else ''})</summary><ul>"
            + _lines(evidence)
            + _lines(details)
            + "</ul></details>"
        )
    if r.missing:
        out.append(f"<p><strong>Missing permission or data:</strong> {e(', '.join(r.missing))}</p>")
    if r.attestation:
        a = r.attestation
        out.append(
            f"<p>Attested by {e(a.by)} (expires {e(a.expires)}{', expired' if a.expired else ''}): "
            f"{e(a.evidence)}</p>"
        )
    if r.waiver:
        w = r.waiver
        out.append(f"<p>Waived by {e(w.owner)} until {e(w.expires)}: {e(w.reason)}</p>")
    if r.notes:
        out.append(f'<ul class="small">{_lines([f"Note: {n}" for n in r.notes])}</ul>')
    if needs_remediation(report, r):
        out.append(f'<p class="fix"><strong>Remediation:</strong> {e(remediation(report, r))}</p>')
    out.append("</article>")
    return "\n".join(out)


def _metric_rows(rows: Sequence[MetricResult]) -> str:
    body = []
    for m in rows:
        how = m.derivation if m.value is not None else m.reason
        detail = fmt_breakdown(m)
        extra = []
        if detail:
            extra.append(f"Breakdown: {detail}")
        if m.note:
            extra.append(f"Note: {m.note}")
        if m.missing:
            extra.append(f"Missing: {', '.join(m.missing)}")
        cell = e(how)
        if extra:
            cell += f'<br><span class="dim small">{"<br>".join(e(x) for x in extra)}</span>'
        body.append(
            f"<tr><td>{e(m.category)}</td><td>{e(m.name)}</td><td>{e(m.source or m.purpose)}</td>"
            f'<td class="num">{e(fmt_metric_value(m))}</td><td>{cell}</td></tr>'
        )
    return (
        "<table><thead><tr><th>Category</th><th>Metric</th><th>AWS source</th><th>Value</th>"
        "<th>How it was measured / why not</th></tr></thead><tbody>" + "".join(body) + "</tbody></table>"
    )


def _filter_bar(reports: Sequence[AuditReport]) -> str:
    counts: dict[str, int] = {}
    attention = 0
    for report in reports:
        for r in report.items:
            reading = item_reading(report, r)
            counts[reading.label] = counts.get(reading.label, 0) + 1
            attention += reading.tone in ("bad", "unknown")
    total = sum(counts.values())
    labels = [x for x in FILTER_ORDER if x in counts] + sorted(set(counts) - set(FILTER_ORDER))
    buttons = [("all", f"all ({total})"), ("attention", f"needs attention ({attention})")]
    buttons += [(slug(x), f"{x} ({counts[x]})") for x in labels]
    return (
        '<nav class="filters" aria-label="Filter items by status" hidden>Show: '
        + "".join(
            f'<button type="button" data-filter="{e(key)}" aria-pressed="{str(key == "all").lower()}">'
            f"{e(text)}</button>"
            for key, text in buttons
        )
        + "</nav>"
    )


def _about(report: AuditReport) -> list[str]:
    c = report.calls
    lines = [f"AWS calls: {c.get('total', 0)} read-only calls ({call_outcomes(report)})."]
    if c.get("by_service"):
        lines.append(f"Calls per service: {calls_by_service(report)}.")
    if call_costs(report):
        lines.append(f"Metric queries: {call_costs(report)}.")
    if c.get("denied_actions"):
        lines.append(f"Denied permissions: {', '.join(c['denied_actions'])}.")
    if c.get("not_read"):
        lines.append(f"Not read: {', '.join(map(str, c['not_read']))}.")
    lines.append(
        "Items count toward a level when met, attested by a person, or waived; unknown never counts."
    )
    return lines


def _h(level: int) -> str:
    return f"h{min(level, 6)}"


def _body(report: AuditReport, past: Sequence[AuditReport], depth: int = 1, anchor: str = "") -> str:
    """One scope's report (no <html> wrapper); `depth` is its top heading level, `anchor` prefixes ids."""
    h1, h2, h3 = _h(depth), _h(depth + 1), _h(depth + 2)
    out = [_verdict(report, h1)]
    if report.gates_only:
        out += [f"<{h2}>Go-live gates: {e(gates_verdict(report))}</{h2}>", _gates_table(report)]
        return "\n".join(out)
    for n in report.notices:
        out.append(f'<p class="small"><strong>Notice:</strong> {e(n)}</p>')
    charts = history_charts([*past, report])
    if charts:
        out += [f"<{h2}>Over time</{h2}>", charts]
    if report.gates:
        out += [f"<{h2}>Go-live gates</{h2}>", _gates_table(report)]
    nxt = [r for r in report.items if r.id in report.next_improvements]
    if nxt:
        out.append(f"<{h2}>Next improvements</{h2}><ul>")
        for r in nxt:
            fix = remediation(report, r)
            out.append(
                f'<li><a href="#{e(anchor)}{e(slug(r.id))}"><strong>{e(r.id)}</strong></a> {e(r.text)} — '
                f"{e(item_reading(report, r).label)}"
                + (f'<br><span class="fix">{e(fix)}</span>' if fix else "")
                + "</li>"
            )
        out.append("</ul>")
    out += [
        f"<{h2}>Levels</{h2}>",
        "<table><thead><tr><th>Level</th><th>Name</th><th>State</th></tr></thead><tbody>",
    ]
    for lv in report.levels:
        out.append(
            f'<tr><td><a href="#{e(anchor)}level-{lv.number}">{lv.number}</a></td><td>{e(lv.name)}</td>'
            f"<td>{e(level_state(lv))}</td></tr>"
        )
    out.append("</tbody></table>")
    if depth == 1:
        out.append(_filter_bar([report]))
    summaries = {s.number: s for s in report.levels}
    for level in report.framework.levels:
        items = [r for r in report.items if r.level == level.number]
        summary = summaries.get(level.number)
        out.append(f'<section class="level" id="{e(anchor)}level-{level.number}">')
        state = f" ({e(level_state(summary))})" if summary else ""
        out.append(f"<{h2}>Level {level.number} — {e(level.name)}{state}</{h2}>")
        out.append(
            f"<p><em>\u201c{e(level.motto)}\u201d</em> Core question: <strong>{e(level.core_question)}</strong></p>"
        )
        if level.starting_state:
            out.append(
                '<p class="dim small">The starting state: its items are signs of the initial stage. A sign still '
                "present needs work; a sign left behind is progress. This level is never “not reached”.</p>"
            )
        out += [_item(report, r, anchor) for r in items]
        out.append('<p class="none dim" hidden>No item of this level matches the filter.</p>')
        rows = [m for m in report.metrics if m.level == level.number]
        if rows:
            out += [f"<{h3}>Metric rows</{h3}>", _metric_rows(rows)]
        out.append("</section>")
    out += [f"<{h2}>About this audit</{h2}>", f'<ul class="small">{_lines(_about(report))}</ul>']
    return "\n".join(out)


# ------------------------------------------------------------------ history charts


def svg_line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    y_max: float,
    width: int = 340,
    height: int = 170,
    colours: Mapping[str, int] | None = None,
) -> str:
    """An inline SVG line chart: one polyline per series over the x `labels` (run dates), a y axis from 0
    to `y_max` with integer ticks, a <title> tooltip on each point, and a legend. Gaps (None) break a line.
    `colours` maps a series to a palette index (0 blue, 1 green, 2 red, 3 amber, 4 purple, 5 grey); by
    default series take them in order."""
    palette = {name: (colours or {}).get(name, k) % 6 for k, name in enumerate(series)}
    left, right, top, bottom = 38, 32, 10, 34
    pw, ph = width - left - right, height - top - bottom
    n = len(labels)
    y_max = max(y_max, 1.0)

    def x(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph - ph * v / y_max

    step = max(1, int(y_max // 5) or 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{e(title)}"><title>{e(title)}</title>'
    ]
    tick = 0
    while tick <= y_max:
        parts.append(
            f'<line class="grid" x1="{left}" x2="{left + pw}" y1="{y(tick):.1f}" y2="{y(tick):.1f}"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>'
        )
        tick += step
    width_of_label = 6.5 * max((len(t) for t in labels), default=1) + 16  # px at 11px type, with a gap
    shown = min(n, max(2, int(pw // width_of_label) + 1))
    ticks = {round(j * (n - 1) / (shown - 1)) for j in range(shown)} if shown > 1 else {0}
    for i in sorted(ticks):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 16}" text-anchor="middle">{e(labels[i])}</text>')
    for name, values in series.items():
        cls = f"s{palette[name]}"
        runs: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                runs.append([])
                continue
            runs[-1].append(f"{x(i):.1f},{y(v):.1f}")
            parts.append(
                f'<circle class="{cls}" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3"><title>{e(name)} '
                f"{e(labels[i])}: {v:g}</title></circle>"
            )
        parts += [f'<polyline class="{cls}" points="{" ".join(r)}"/>' for r in runs if len(r) > 1]
    legend_y = height - 3
    lx = left
    for name in series:
        parts.append(
            f'<rect class="s{palette[name]}" x="{lx}" y="{legend_y - 8}" width="10" height="4"/>'
            f'<text x="{lx + 14}" y="{legend_y}">{e(name)}</text>'
        )
        lx += 22 + 7 * len(name)
    parts.append("</svg>")
    return "".join(parts)


def history_charts(reports: Sequence[AuditReport]) -> str:
    """Charts of level, items met per level and go-live gates over the given runs (oldest first after
    sorting by generation time), as a <div> of inline SVG figures; "" when fewer than two runs of the
    last report's scope are given. Reports of another scope (account/Region/workload) or gates-only
    reports are left out: a trend compares one scope with itself."""
    if not reports:
        return ""
    label = reports[-1].scope.label
    runs = sorted(
        (r for r in reports if r.scope.label == label and not r.gates_only), key=lambda r: r.generated_at
    )
    if len(runs) < 2:
        return ""
    same_day = len({r.generated_at.date() for r in runs}) < len(runs)
    one_year = len({r.generated_at.year for r in runs}) == 1
    day = "%b %d" if one_year else "%Y-%m-%d"
    labels = [f"{r.generated_at:{day + ' %H:%M' if same_day else day}}" for r in runs]
    top = max(len(r.framework.levels) for r in runs)
    level_chart = svg_line_chart("Level over time", labels, {"level": [float(r.level) for r in runs]}, top)
    numbers = sorted({s.number for r in runs for s in r.levels})
    per_level: dict[str, list[float | None]] = {}
    for n in numbers:
        values: list[float | None] = []
        starting = False
        for r in runs:
            s = next((s for s in r.levels if s.number == n), None)
            values.append(float(s.counted) if s else None)
            starting = starting or bool(s and s.starting_state)
        per_level[f"L{n} signs present" if starting else f"L{n}"] = values
    most = max((s.total for r in runs for s in r.levels), default=1)
    items_chart = svg_line_chart("Items met per level", labels, per_level, most)
    gate_series: dict[str, list[float | None]] = {"pass": [], "fail": [], "unknown": []}
    for r in runs:
        counts = _gate_counts(r)
        for k in gate_series:
            gate_series[k].append(float(counts.get(k, 0)))
    gates_chart = svg_line_chart(
        "Go-live gates",
        labels,
        gate_series,
        max((len(r.gates) for r in runs), default=1),
        colours={"pass": 1, "fail": 2, "unknown": 3},
    )
    return (
        f'<div class="charts" data-runs="{len(runs)}">'
        f"<figure><figcaption>Level</figcaption>{level_chart}</figure>"
        f"<figure><figcaption>Items met per level</figcaption>{items_chart}</figure>"
        f"<figure><figcaption>Go-live gates</figcaption>{gates_chart}</figure></div>"
    )


# ------------------------------------------------------------------ entry points


def render_with_history(
    report: AuditReport, past: Sequence[AuditReport], options: RenderOptions | None = None
) -> str:
    """The single-scope HTML report with charts of the past runs of its scope (see history_charts)."""
    title = f"{report.framework.title}: Level {report.level} — {level_name(report)} ({report.scope.label})"
    return _document(title, _body(report, past))


def render(report: AuditReport, options: RenderOptions | None = None) -> str:
    return render_with_history(report, [], options)


def render_fleet(fleet: FleetReport, options: RenderOptions | None = None) -> str:
    from llmops_audit.report.fleet import headline

    up = rollup(fleet)
    out = [
        '<section class="verdict" aria-label="Verdict">',
        f"<h1>{e(fleet.framework.title)}: {len(fleet.reports)} scopes</h1>",
        f'<p class="big">{e(headline(fleet))}</p>',
    ]
    if fleet.shards:
        out.append(f"<p>Shards: {e(', '.join(fleet.shards))}</p>")
    out.append(
        f'<p class="dim small">Generated {fleet.generated_at:%Y-%m-%d %H:%M} UTC by llmops-audit '
        f"{e(fleet.tool_version)}</p></section>"
    )
    out += [
        "<h2>Overview</h2>",
        "<table><thead><tr><th>Scope</th><th>Account</th><th>Region</th><th>Workload</th><th>Level</th>"
        "<th>Verdict</th><th>Gates</th><th>Items met per level</th></tr></thead><tbody>",
    ]
    for i, row in enumerate(map(scope_row, fleet.reports)):
        gates = ", ".join(f"{n} {k}" for k, n in row.gates.items()) or "none"
        met = " ".join(f"L{n} {c}/{t}" for n, (c, t) in sorted(row.items_met.items()))
        out.append(
            f'<tr><td><a href="#scope-{i}">{e(row.label)}</a></td><td>{e(row.account)}</td>'
            f"<td>{e(row.region)}</td><td>{e(row.workload or '—')}</td><td>{row.level} {e(row.level_name)}</td>"
            f"<td>{e(row.verdict)}</td><td>{e(gates)}</td><td>{e(met)}</td></tr>"
        )
    for f in fleet.failures:
        out.append(
            f"<tr><td>{e(f.label)}</td><td>{e(f.account)}</td><td>{e(f.region)}</td><td>{e(f.workload or '—')}"
            f"</td><td>—</td><td>not audited</td><td>—</td><td>{e(f.reason)}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append("<h2>Roll-up</h2><ul>")
    out.append(
        "<li>Levels: " + e(", ".join(f"level {k}: {v}" for k, v in up.levels.items()) or "none") + "</li>"
    )
    if up.gate_failures:
        out.append(
            "<li>Failing gates: "
            + e(", ".join(f"{k} in {v} scope(s)" for k, v in up.gate_failures.items()))
            + "</li>"
        )
    out.append("</ul>")
    if up.common_gaps:
        out.append("<h3>Most common gaps</h3><ul>")
        out += [
            f"<li><strong>{e(g.id)}</strong> {e(g.text)} — not met in {g.scopes} of {up.scopes}</li>"
            for g in up.common_gaps
        ]
        out.append("</ul>")
    if fleet.failures:
        out.append(
            "<h2>Scopes that could not be audited</h2><table><thead><tr><th>Scope</th><th>Why</th></tr></thead><tbody>"
        )
        out += [f"<tr><td>{e(f.label)}</td><td>{e(f.reason)}</td></tr>" for f in fleet.failures]
        out.append("</tbody></table>")
    if fleet.skipped:
        out.append(f"<h2>Skipped</h2><ul>{_lines(fleet.skipped)}</ul>")
    for n in fleet.notices:
        out.append(f'<p class="small"><strong>Notice:</strong> {e(n)}</p>')
    if any(not r.gates_only for r in fleet.reports):
        out.append(_filter_bar(fleet.reports))
    for i, r in enumerate(fleet.reports):
        out.append(f'<section class="scope" id="scope-{i}"><h2>Scope {e(r.scope.label)}</h2>')
        out.append(_body(r, [], depth=3, anchor=f"s{i}-"))
        out.append("</section>")
    return _document(f"{fleet.framework.title}: {len(fleet.reports)} scopes", "\n".join(out))
