"""The command line: parse options, wire the stages, map AuditError to an exit code. No audit logic here."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from llmops_audit import __version__
from llmops_audit.errors import AuditError, ExitCode, OutputError, UsageError

EXIT_CODES_HELP = (
    "Exit codes: 0 the audit ran and nothing requested fell short; 1 the audit ran and the workload fell "
    "short (level below --min-level, or a gate failed with --fail-on-gates); 2 the audit could not run "
    "(bad options or definitions, no credentials, unreachable endpoint, unknown region, unwritable output)."
)

app = typer.Typer(
    name="llmops-audit",
    help="Evidence-based LLMOps maturity audit of an AWS account (read-only).\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # never print credentials held in locals
    add_completion=False,
)


class Format(str, Enum):
    terminal = "terminal"
    markdown = "markdown"
    json = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmops-audit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    pass


# ------------------------------------------------------------------ shared option types

Demo = Annotated[
    bool, typer.Option("--demo", help="Audit a seeded in-process mock account (no AWS credentials needed).")
]
Profile = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="AWS profile from the shared config (default: the standard credential chain).",
        envvar=None,
    ),
]
Region = Annotated[
    str | None, typer.Option("--region", help="AWS Region to audit (default: the profile's or AWS_REGION).")
]
LevelsDir = Annotated[
    Path | None,
    typer.Option(
        "--levels",
        help="A directory of your own level files to use instead of the shipped framework.",
        show_default=False,
    ),
]
FrameworkName = Annotated[
    str | None,
    typer.Option("--framework", help="A shipped framework by name (see `llmops-audit frameworks`)."),
]
Period = Annotated[
    str, typer.Option("--period", help="How far back to read metrics and jobs: 24h, 7d, 30d...")
]
Since = Annotated[
    str | None, typer.Option("--since", help="Start of the period (ISO date/time); overrides --period.")
]
Until = Annotated[
    str | None, typer.Option("--until", help="End of the period (ISO date/time; default: now).")
]
FormatOpt = Annotated[
    Format,
    typer.Option("--format", "-f", help="Report format: terminal (rich), markdown (Confluence) or json."),
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to FILE instead of stdout.")
]
Attest = Annotated[
    Path | None,
    typer.Option("--attestations", help="YAML file of people's attestations for items AWS cannot show."),
]
Waivers = Annotated[
    Path | None, typer.Option("--waivers", help="YAML file of waived items or gates (reason, owner, expiry).")
]
Prices = Annotated[
    Path | None, typer.Option("--prices", help="YAML model price table overriding the shipped one.")
]
SaveEvidence = Annotated[
    Path | None,
    typer.Option(
        "--save-evidence", help="Also save the collected evidence (JSON) to FILE, to score again offline."
    ),
]
FromEvidence = Annotated[
    Path | None, typer.Option("--from-evidence", help="Score a saved evidence file instead of calling AWS.")
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")]
NoColor = Annotated[bool, typer.Option("--no-color", help="Plain terminal output.")]
MinLevel = Annotated[
    int | None, typer.Option("--min-level", min=0, help="Exit 1 when the level reached is below N.")
]
Policy = Annotated[
    Path | None,
    typer.Option(
        "--policy",
        help="YAML gate policy (thresholds); default: the seed's gates, see llmops_audit/data/policy.yaml.",
    ),
]
FailOnGates = Annotated[bool, typer.Option("--fail-on-gates", help="Exit 1 when a go-live gate fails.")]
FailOnUnknown = Annotated[
    bool,
    typer.Option("--fail-on-unknown", help="With --fail-on-gates: a gate without data counts as failed."),
]


@dataclass
class RunOptions:
    demo: bool = False
    profile: str | None = None
    region: str | None = None
    levels: Path | None = None
    framework: str | None = None
    period: str = "7d"
    since: str | None = None
    until: str | None = None
    attestations: Path | None = None
    waivers: Path | None = None
    prices: Path | None = None
    save_evidence: Path | None = None
    from_evidence: Path | None = None
    quiet: bool = False
    policy: Path | None = None


def _fail(err: AuditError) -> None:
    # One line, so CI logs and `2> err.txt` keep what went wrong, where, and what to do together.
    typer.echo(f"error: {err.message}" + (f"; {err.hint}" if err.hint else ""), err=True)
    raise typer.Exit(int(err.exit_code))


@contextmanager
def _errors_to_exit() -> Iterator[None]:
    try:
        yield
    except AuditError as err:
        _fail(err)
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        raise typer.Exit(130) from None


class Progress:
    """A spinner on stderr naming the evidence being read (only on a terminal, and not with --quiet)."""

    def __init__(self, quiet: bool) -> None:
        self._status = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console

            self._status = Console(stderr=True).status("Reading AWS evidence…")

    def __enter__(self) -> Progress:
        if self._status:
            self._status.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._status:
            self._status.stop()

    def section(self, name: str) -> None:
        if self._status:
            self._status.update(f"Reading {name}…")


def _framework(opts: RunOptions):  # -> Framework
    from llmops_audit.inputs.definitions import builtin_frameworks, builtin_levels_dir, load_framework

    if opts.levels and opts.framework:
        raise UsageError(
            "--levels and --framework cannot be used together",
            hint="--levels is your own directory; --framework picks a shipped one",
        )
    if opts.levels:
        return load_framework(opts.levels)
    if opts.framework:
        shipped = builtin_frameworks()
        if opts.framework not in shipped:
            raise UsageError(
                f"no framework named '{opts.framework}'",
                hint=f"shipped frameworks: {', '.join(sorted(shipped))}",
            )
        return load_framework(shipped[opts.framework])
    return load_framework(builtin_levels_dir())


def _evidence(
    opts: RunOptions, framework: Any, extra_sections: tuple[str, ...] = (), options: dict | None = None
):
    """Collect (or load) the evidence snapshot for this run."""
    from llmops_audit.aws.access import AwsAccess
    from llmops_audit.evidence.snapshot import EvidenceSnapshot
    from llmops_audit.inputs.period import resolve_period
    from llmops_audit.model import Scope
    from llmops_audit.pipeline import collect_evidence

    now = datetime.now(UTC).replace(microsecond=0)
    if opts.from_evidence:
        if opts.demo or opts.profile or opts.region:
            raise UsageError(
                "--from-evidence scores a saved file; it cannot be combined with --demo, "
                "--profile or --region"
            )
        return EvidenceSnapshot.load(opts.from_evidence)
    start, end = resolve_period(opts.period, opts.since, opts.until, now)
    if opts.demo:
        if opts.profile:
            raise UsageError("--demo uses a mock account; it cannot be combined with --profile")
        from tests.fake_account.env import demo_account

        with demo_account(now=now) as env, Progress(opts.quiet) as progress:
            aws = AwsAccess(env.session, env.region, client_hook=env.canned.attach, max_attempts=2)
            scope = Scope(env.account, env.region, start, end, demo=True)
            return collect_evidence(framework, aws, scope, progress.section, extra_sections, options)

    from llmops_audit.aws.session import caller_account, make_session

    session, region = make_session(opts.profile, opts.region)
    import os

    with Progress(opts.quiet) as progress:
        aws = AwsAccess(session, region)
        progress.section("the caller identity")
        account, partition = caller_account(aws)
        scope = Scope(
            account,
            region,
            start,
            end,
            partition=partition,
            profile=opts.profile,
            endpoint_url=os.environ.get("AWS_ENDPOINT_URL"),
        )
        return collect_evidence(framework, aws, scope, progress.section, extra_sections, options)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(output.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)  # never leave a half-written report behind
    except OSError as exc:
        raise OutputError(
            f"cannot write the report to {output} ({exc.strerror or exc})",
            hint="check that the directory exists and is writable",
        ) from None


def build(opts: RunOptions, *, framework_needed: bool = True):  # -> AuditReport
    """Everything up to the finished report (shared by `assess` and `gates`): definitions, policy, evidence,
    attestations and waivers, scoring, gates."""
    from dataclasses import replace

    from llmops_audit.engine.gates import GATE_IDS, GATE_SECTIONS, evaluate_gates, load_policy
    from llmops_audit.inputs.overrides import load_attestations, load_waivers
    from llmops_audit.metrics.cost import load_prices
    from llmops_audit.pipeline import build_report

    framework = _framework(opts)
    policy = load_policy(opts.policy)
    prices = load_prices(opts.prices)
    custom = [g["custom_metric"] for g in policy.values() if isinstance(g, dict) and g.get("custom_metric")]
    snapshot = _evidence(
        opts,
        framework if framework_needed else _empty(framework),
        GATE_SECTIONS,
        {"gate_custom_metrics": custom, "prices": prices},
    )
    if opts.save_evidence:
        _write(snapshot.to_json(), opts.save_evidence)
    today = date.today()
    item_ids = {i.id for i in framework.items}
    attestations = load_attestations(opts.attestations, item_ids, today) if opts.attestations else None
    waivers = (
        load_waivers(opts.waivers, item_ids | set(GATE_IDS), today, snapshot.scope) if opts.waivers else None
    )
    notices = []
    if snapshot.scope.demo:
        notices.append("This is the demo account: a seeded in-process mock, not your AWS account.")
    for w in (waivers or {}).values():
        if w.expired:
            notices.append(f"Waiver for {w.target} (owner {w.owner}) expired on {w.expires} and is ignored.")
        elif not w.applies:
            notices.append(
                f"Waiver for {w.target} is scoped to {w.scope} and does not apply to this account/Region."
            )
    for a in (attestations or {}).values():
        if a.expired:
            notices.append(f"Attestation of {a.item} by {a.by} expired on {a.expires} and no longer counts.")
    report = build_report(
        framework, snapshot, attestations, waivers, notices=tuple(notices), metric_params={"prices": prices}
    )
    return replace(report, gates=evaluate_gates(snapshot, policy, waivers, prices))


def _empty(framework: Any) -> Any:
    """The framework with no items or metrics: `gates` collects only what the gates need."""
    from dataclasses import replace

    return replace(framework, levels=tuple(replace(lv, items=(), metrics=()) for lv in framework.levels))


@app.command()
def assess(
    demo: Demo = False,
    profile: Profile = None,
    region: Region = None,
    levels: LevelsDir = None,
    framework: FrameworkName = None,
    period: Period = "7d",
    since: Since = None,
    until: Until = None,
    format: FormatOpt = Format.terminal,
    output: Output = None,
    attestations: Attest = None,
    waivers: Waivers = None,
    prices: Prices = None,
    min_level: MinLevel = None,
    policy: Policy = None,
    fail_on_gates: FailOnGates = False,
    fail_on_unknown: FailOnUnknown = False,
    save_evidence: SaveEvidence = None,
    from_evidence: FromEvidence = None,
    quiet: Quiet = False,
    no_color: NoColor = False,
) -> None:
    """Assess the maturity level of the workload in one account and Region, from read-only AWS evidence.

    Reads CloudWatch, Bedrock, Bedrock Agents, CloudTrail, Lambda and the other services the levels name;
    decides each checklist item (met, not met, unknown with the reason, attested, waived) and fills each
    metric row; reports the highest level where most items are met. Progress goes to stderr, the report
    to stdout or --output.
    """
    opts = RunOptions(
        demo,
        profile,
        region,
        levels,
        framework,
        period,
        since,
        until,
        attestations,
        waivers,
        prices,
        save_evidence,
        from_evidence,
        quiet,
        policy,
    )
    with _errors_to_exit():
        if fail_on_unknown and not fail_on_gates:
            raise UsageError("--fail-on-unknown only applies with --fail-on-gates")
        report = build(opts)
        from llmops_audit.engine.verdict import decide_verdict
        from llmops_audit.report import render

        report = decide_verdict(
            report, min_level=min_level, fail_on_gates=fail_on_gates, fail_on_unknown=fail_on_unknown
        )
        color = format is Format.terminal and output is None and sys.stdout.isatty() and not no_color
        _write(render(report, format.value, color=color, width=_width()), output)
        if output is not None and not quiet:
            typer.echo(f"Report written to {output} (level {report.level}).", err=True)
    raise typer.Exit(int(ExitCode.SHORT if report.verdict.get("outcome") == "fail" else ExitCode.OK))


def _width() -> int:
    import shutil

    return max(100, min(shutil.get_terminal_size((140, 40)).columns, 180))


@app.command()
def gates(
    demo: Demo = False,
    profile: Profile = None,
    region: Region = None,
    period: Period = "7d",
    since: Since = None,
    until: Until = None,
    policy: Policy = None,
    waivers: Waivers = None,
    prices: Prices = None,
    format: FormatOpt = Format.terminal,
    output: Output = None,
    fail_on_unknown: FailOnUnknown = False,
    from_evidence: FromEvidence = None,
    quiet: Quiet = False,
    no_color: NoColor = False,
) -> None:
    """Run only the go-live gates (quality, safety, performance, cost) and exit 1 when one fails.

    Thresholds come from --policy (default: the seed's gates: success rate >= 95 %, policy violations
    <= 0.2 %, p95 latency within budget, unit cost within budget + 5 %). A gate without data is unknown,
    never a pass; with --fail-on-unknown it fails too.
    """
    opts = RunOptions(
        demo,
        profile,
        region,
        None,
        None,
        period,
        since,
        until,
        None,
        waivers,
        prices,
        None,
        from_evidence,
        quiet,
        policy,
    )
    with _errors_to_exit():
        report = build(opts, framework_needed=False)
        from llmops_audit.engine.verdict import decide_verdict
        from llmops_audit.report.gates_view import render_gates

        report = decide_verdict(report, fail_on_gates=True, fail_on_unknown=fail_on_unknown)
        color = format is Format.terminal and output is None and sys.stdout.isatty() and not no_color
        _write(render_gates(report, format.value, color=color), output)
    raise typer.Exit(int(ExitCode.SHORT if report.verdict.get("outcome") == "fail" else ExitCode.OK))


@app.command()
def frameworks() -> None:
    """List the shipped frameworks, for --framework NAME."""
    from llmops_audit.inputs.definitions import builtin_frameworks, load_framework

    with _errors_to_exit():
        for name, path in builtin_frameworks().items():
            fw = load_framework(path)
            levels = ", ".join(f"{lv.number} {lv.name}" for lv in fw.levels)
            typer.echo(f"{name:20} {fw.title} ({len(fw.items)} items; levels: {levels})")


@app.command()
def permissions() -> None:
    """Print the least-privilege IAM policy (JSON) the audit needs: every read action its collectors call.

    Attach it to the role or user that runs the audit, or use AWS's ReadOnlyAccess. A missing permission
    never stops the audit: the items that need it come out unknown, naming the action.
    """
    from llmops_audit.aws.permissions import policy_json

    typer.echo(policy_json(), nl=False)


@app.command()
def probes() -> None:
    """List the evidence probes and metric calculators that level files can name."""
    from llmops_audit.metrics import CALCULATORS
    from llmops_audit.probes import PROBES

    typer.echo("Probes (use in an item's `decide:` rule):")
    for pid in sorted(PROBES):
        p = PROBES[pid]
        typer.echo(f"  {pid:45} {p.claim}  [reads: {', '.join(p.needs)}]")
    typer.echo("\nMetric calculators (use in a metric row's `compute:`):")
    for cid in sorted(CALCULATORS):
        typer.echo(f"  {cid:45} [reads: {', '.join(CALCULATORS[cid].needs)}]")


@app.command()
def validate(
    levels: Annotated[Path, typer.Argument(help="A directory of level files (framework.yaml optional).")],
) -> None:
    """Check a directory of level files against the schema and the registered probes, without calling AWS."""
    from llmops_audit.inputs.definitions import load_framework

    with _errors_to_exit():
        fw = load_framework(levels)
    typer.echo(
        f"{levels}: framework '{fw.name}' is valid: {len(fw.levels)} levels, {len(fw.items)} items, "
        f"{len(fw.metrics)} metric rows."
    )


def main() -> None:
    app()
