"""The command line: options -> an AuditRequest and an evidence source -> pipeline.run -> a renderer and an exit code.

No audit logic here: the report is assembled in llmops_audit/pipeline.py.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmops_audit import __version__
from llmops_audit.errors import AuditError, AwsAccessError, ExitCode, UsageError

if TYPE_CHECKING:
    from llmops_audit.evidence.snapshot import EvidenceSnapshot
    from llmops_audit.evidence.sources import EvidenceSource
    from llmops_audit.inputs.scopes import ScopeOptions
    from llmops_audit.model import AuditReport, FleetReport, Framework
    from llmops_audit.pipeline import AuditRequest

EXIT_CODES_HELP = (
    "Exit codes: 0 the audit ran and nothing requested fell short; 1 the audit ran and the workload fell "
    "short (level below --min-level, or a gate failed with --fail-on-gates); 2 the audit could not run "
    "(bad options or definitions, no credentials, unreachable endpoint, unknown region, unwritable output); "
    "3 a partial run: --deadline passed before everything was read, or some scopes of a multi-scope run could "
    "not be audited (the report holds what was read and names what was not)."
)

app = typer.Typer(
    name="llmops-audit",
    help="Evidence-based LLMOps maturity audit of an AWS account (read-only).\n\n" + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,  # never print credentials held in locals
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _format_enum() -> type[Enum]:
    """The --format choices, from the one registry of renderers."""
    from llmops_audit.report import FORMATS

    return Enum("Format", {name: name for name in FORMATS}, type=str)  # type: ignore[return-value]


Format = _format_enum()


def _version(value: bool) -> None:
    if value:
        from llmops_audit.pipeline import REPORT_SCHEMA_VERSION

        typer.echo(f"llmops-audit {__version__} (report schema {REPORT_SCHEMA_VERSION})")
        raise typer.Exit()


_DEBUG = False


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="On an unexpected error, print the traceback (never credentials)."),
    ] = False,
) -> None:
    global _DEBUG
    _DEBUG = debug


# ------------------------------------------------------------------ shared option types

Demo = Annotated[
    bool,
    typer.Option(
        "--demo", help="Score the recorded demo account shipped with the tool (no AWS credentials needed)."
    ),
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
    str | None,
    typer.Option("--period", help="How far back to read metrics and jobs: 24h, 7d (default), 30d..."),
]
Since = Annotated[
    str | None, typer.Option("--since", help="Start of the period (ISO date/time); overrides --period.")
]
Until = Annotated[
    str | None, typer.Option("--until", help="End of the period (ISO date/time; default: now).")
]
FormatOpt = Annotated[
    Format,  # type: ignore[valid-type]  # an Enum made from the FORMATS registry at import
    typer.Option("--format", "-f", help="Report format (see `assess --help` for the list)."),
]
FormatsOpt = Annotated[
    list[Format] | None,  # type: ignore[valid-type]
    typer.Option(
        "--format",
        "-f",
        help="Report format (repeatable, each with its --output): terminal (rich), markdown (Confluence "
        "paste), json, and the others `--help` lists.",
    ),
]


def _target(value: str, *, prefix: bool = False) -> Path:
    """A path option's value: `s3://bucket/key` (checked now, before any AWS call) or a local path."""
    from llmops_audit.aws.s3_writer import target

    try:
        return target(value, prefix=prefix, what="")
    except AuditError as err:
        raise typer.BadParameter(err.message + (f" ({err.hint})" if err.hint else "")) from None


def _history_target(value: str) -> Path:
    return _target(value, prefix=True)


OutputsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to FILE (atomically) or s3://BUCKET/KEY instead of stdout; - is stdout. With "
        "several --format, one --output each, in the same order (one format may go without, to stdout).",
        parser=_target,
    ),
]
Output = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to FILE (atomically) or s3://BUCKET/KEY instead of stdout; - is stdout.",
        parser=_target,
    ),
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
HistoryDir = Annotated[
    Path | None,
    typer.Option(
        "--history",
        help="Also store each scope's JSON report in DIR or s3://BUCKET/PREFIX/ (timestamped, never "
        "overwriting) and say what changed since the scope's last run stored in DIR; see `llmops-audit diff` "
        "and `llmops-audit trend`.",
        show_default=False,
        parser=_history_target,
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
Deadline = Annotated[
    str,
    typer.Option(
        "--deadline",
        help="Stop reading AWS after this long (90s, 20m, 1h) and report what was read; exit 3 if it passed.",
    ),
]
Regions = Annotated[
    str | None,
    typer.Option(
        "--regions",
        help="Audit several Regions: us-east-1,eu-west-1, or `all` (the account's enabled Regions, skipping "
        "those with no Bedrock or AgentCore use unless --include-unused). Writes a multi-scope report.",
        rich_help_panel="Scopes",
    ),
]
IncludeUnused = Annotated[
    bool,
    typer.Option(
        "--include-unused",
        help="With --regions all, also audit Regions with no Bedrock or AgentCore use.",
        rich_help_panel="Scopes",
    ),
]
RoleArn = Annotated[
    str | None,
    typer.Option("--role-arn", help="Assume this IAM role to read its account.", rich_help_panel="Scopes"),
]
ExternalId = Annotated[
    str | None,
    typer.Option(
        "--external-id", help="The external id the role's trust policy asks for.", rich_help_panel="Scopes"
    ),
]
OrgRole = Annotated[
    str | None,
    typer.Option(
        "--org-role",
        help="List the AWS Organization's accounts (run from the management or a delegated administrator "
        "account) and assume the role NAME in each. Writes a multi-scope report.",
        rich_help_panel="Scopes",
    ),
]
Accounts = Annotated[
    str | None,
    typer.Option(
        "--accounts",
        help="With --org-role: only these accounts or OUs (comma-separated ids: 123456789012, ou-ab12-cd34ef56).",
        rich_help_panel="Scopes",
    ),
]
ExcludeAccounts = Annotated[
    str | None,
    typer.Option(
        "--exclude-accounts", help="With --org-role: skip these accounts or OUs.", rich_help_panel="Scopes"
    ),
]
WorkloadOpt = Annotated[
    str | None,
    typer.Option(
        "--workload",
        help="Audit one workload: only resources tagged KEY=VALUE (e.g. app=support-bot, or "
        "awsApplication=ARN); account-wide evidence is shown as shared.",
        rich_help_panel="Scopes",
    ),
]
WorkloadsBy = Annotated[
    str | None,
    typer.Option(
        "--workloads-by",
        help="Audit one workload per distinct value of tag KEY. Writes a multi-scope report.",
        rich_help_panel="Scopes",
    ),
]
ShardOpt = Annotated[
    str | None,
    typer.Option(
        "--shard",
        help="Audit a stable slice I/N of the scopes (0 <= I < N); combine the shards with `llmops-audit merge`.",
        rich_help_panel="Scopes",
    ),
]
MaxWorkers = Annotated[
    int | None,
    typer.Option("--max-workers", help="Scopes read at the same time (default 4).", rich_help_panel="Scopes"),
]
# Read limits (llmops_audit/collectors/caps.py): a limit that bounds a read is reported as a notice.
MaxLambdas = Annotated[
    int | None,
    typer.Option(
        "--max-lambdas",
        min=1,
        help="LLM Lambda functions read in detail (default 50).",
        rich_help_panel="Read limits",
    ),
]
MaxLogGroups = Annotated[
    int | None,
    typer.Option(
        "--max-log-groups", min=1, help="Log groups listed (default 250).", rich_help_panel="Read limits"
    ),
]
MaxMetricSeries = Annotated[
    int | None,
    typer.Option(
        "--max-metric-series",
        min=1,
        help="CloudWatch metric series queried (default 5000).",
        rich_help_panel="Read limits",
    ),
]
MaxLogEvents = Annotated[
    int | None,
    typer.Option(
        "--max-log-events",
        min=1,
        help="Log events read per log group (default 1000).",
        rich_help_panel="Read limits",
    ),
]
FailOnPartial = Annotated[
    bool,
    typer.Option(
        "--fail-on-partial",
        help="Exit 3 when any AWS read failed (denied, throttled, error): the verdict rests on less evidence.",
    ),
]
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
    period: str | None = None
    since: str | None = None
    until: str | None = None
    attestations: Path | None = None
    waivers: Path | None = None
    prices: Path | None = None
    save_evidence: Path | None = None
    history: Path | None = None
    from_evidence: Path | None = None
    quiet: bool = False
    policy: Path | None = None
    min_level: int | None = None
    fail_on_gates: bool = False
    fail_on_unknown: bool = False
    deadline: str = "30m"
    regions: str | None = None
    include_unused: bool = False
    role_arn: str | None = None
    external_id: str | None = None
    org_role: str | None = None
    accounts: str | None = None
    exclude_accounts: str | None = None
    workload: str | None = None
    workloads_by: str | None = None
    shard: str | None = None
    max_workers: int | None = None
    caps: dict[str, int] = field(default_factory=dict)  # --max-… read limits (collectors/caps.py names)

    def scope_options(self) -> ScopeOptions:
        """The scope options, parsed and checked (one-line errors, before any AWS call)."""
        from llmops_audit.inputs import scopes as p
        from llmops_audit.inputs.scopes import ScopeOptions

        options = ScopeOptions(
            profile=self.profile,
            region=self.region,
            regions=p.parse_regions(self.regions),
            role_arn=p.parse_role_arn(self.role_arn),
            external_id=p.parse_external_id(self.external_id),
            org_role=p.parse_role_name(self.org_role),
            accounts=p.AccountFilter(
                p.parse_accounts("--accounts", self.accounts),
                p.parse_accounts("--exclude-accounts", self.exclude_accounts),
            ),
            workload=p.parse_workload(self.workload),
            workloads_by=p.parse_tag_key(self.workloads_by),
            include_unused=self.include_unused,
            shard=p.parse_shard(self.shard),
            max_workers=p.parse_max_workers(self.max_workers),
        )
        options.check()
        return options

    @property
    def scoped(self) -> bool:
        """Whether a scope option was given (then the live run goes through llmops_audit/fleet.py)."""
        return any(
            (self.regions, self.role_arn, self.org_role, self.workload, self.workloads_by, self.shard)
        ) or bool(self.accounts or self.exclude_accounts or self.external_id or self.include_unused)


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


def _framework(opts: RunOptions) -> Framework:
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


def _check_offline_options(opts: RunOptions) -> None:
    """--demo and --from-evidence score recorded evidence: options that would change a live read are refused."""
    offline = "--from-evidence" if opts.from_evidence else "--demo" if opts.demo else None
    if opts.from_evidence and opts.demo:
        raise UsageError("--from-evidence and --demo cannot be used together", hint="pick one source")
    if offline:
        clash = [
            name
            for name, value in (
                ("--profile", opts.profile),
                ("--region", opts.region),
                ("--period", opts.period),
                ("--since", opts.since),
                ("--until", opts.until),
                ("--regions", opts.regions),
                ("--role-arn", opts.role_arn),
                ("--org-role", opts.org_role),
                ("--workload", opts.workload),
                ("--workloads-by", opts.workloads_by),
                ("--shard", opts.shard),
                *((f"--max-{k.replace('_', '-')}", v) for k, v in opts.caps.items()),
            )
            if value
        ]
        if clash:
            raise UsageError(
                f"{offline} scores evidence already recorded; {', '.join(clash)} cannot change it",
                hint=f"drop {', '.join(clash)}, or audit a live account without {offline}",
            )


def _source(opts: RunOptions) -> EvidenceSource:
    """Live AWS, a saved snapshot or the recorded demo: checked before anything is read from AWS."""
    from llmops_audit.evidence.sources import DemoSource, LiveAwsSource, SavedSnapshotSource

    _check_offline_options(opts)
    if opts.from_evidence or opts.demo:
        return SavedSnapshotSource(opts.from_evidence) if opts.from_evidence else DemoSource()
    return LiveAwsSource(opts.profile, opts.region)


def _request(opts: RunOptions, *, gates_only: bool = False) -> AuditRequest:
    """Read and validate every input file and option, before any AWS call."""
    from llmops_audit.inputs.overrides import load_attestations, load_waivers
    from llmops_audit.inputs.period import parse_deadline, resolve_period
    from llmops_audit.inputs.policy import GATE_IDS, load_policy
    from llmops_audit.inputs.prices import load_prices
    from llmops_audit.pipeline import AuditRequest

    if opts.fail_on_unknown and not opts.fail_on_gates:
        raise UsageError("--fail-on-unknown only applies with --fail-on-gates")
    now = datetime.now(UTC).replace(microsecond=0)
    framework = _framework(opts)
    top = max((lv.number for lv in framework.levels), default=0)
    if opts.min_level is not None and opts.min_level > top:
        raise UsageError(
            f"--min-level {opts.min_level} is above the top level of framework '{framework.name}' ({top})",
            hint=f"pass --min-level between 0 and {top}",
        )
    policy = load_policy(opts.policy)
    prices = load_prices(opts.prices)
    start, end = resolve_period(opts.period or "7d", opts.since, opts.until, now)
    deadline_s = parse_deadline(opts.deadline)
    today = now.date()
    item_ids = {i.id for i in framework.items}
    attestations = load_attestations(opts.attestations, item_ids, today) if opts.attestations else {}
    waivers = load_waivers(opts.waivers, item_ids | set(GATE_IDS), today) if opts.waivers else ()
    return AuditRequest(
        framework=framework,
        policy=policy,
        prices=prices,
        start=start,
        end=end,
        generated_at=now,
        attestations=attestations,
        waivers=waivers,
        gates_only=gates_only,
        min_level=opts.min_level,
        fail_on_gates=opts.fail_on_gates,
        fail_on_unknown=opts.fail_on_unknown,
        deadline_s=deadline_s,
        caps=dict(opts.caps),
    )


def _check_outputs(opts: RunOptions, output: Path | list[Path] | None) -> None:
    """Every output path is usable, and no two outputs (or an output and an input) share one."""
    from llmops_audit.report.files import check_distinct, check_target

    outputs = output if isinstance(output, list) else [output] if output is not None else []
    named: dict[str, Path | None] = {
        ("--output" if len(outputs) == 1 else f"--output #{i}"): o for i, o in enumerate(outputs, 1)
    }
    check_distinct({**named, "--save-evidence": opts.save_evidence, "--from-evidence": opts.from_evidence})
    for o in outputs:
        check_target(o, "report")
    if opts.save_evidence is not None:
        check_target(opts.save_evidence, "saved evidence")
    if opts.history is not None:
        from llmops_audit.report.history import check_dir

        check_dir(opts.history)
    from llmops_audit.aws.s3_writer import configure
    from llmops_audit.report.files import reset_s3_failures

    configure(opts.profile, opts.region)  # the writer of s3:// targets (no client until a report is put)
    reset_s3_failures()


def _audit(
    opts: RunOptions, output: Path | list[Path] | None = None, *, gates_only: bool = False
) -> AuditReport | FleetReport:
    """Options -> request and source -> pipeline.run (or, with scope options, fleet.Fleet.run), with progress
    on stderr and --save-evidence. Every option and input file is checked before the first AWS call."""
    from llmops_audit.pipeline import run
    from llmops_audit.progress import RunProgress
    from llmops_audit.report.files import write_text

    _check_offline_options(opts)
    _check_outputs(opts, output)
    scopes = opts.scope_options()
    request = _request(opts, gates_only=gates_only)
    live = not (opts.demo or opts.from_evidence)
    if live and (opts.scoped or scopes.many):
        from llmops_audit.fleet import Fleet

        if opts.save_evidence and scopes.many:
            raise UsageError(
                "--save-evidence saves one scope's evidence and cannot be used with several scopes",
                hint="drop --save-evidence, or audit one account and Region",
            )
        with RunProgress(opts.quiet) as progress:
            fleet = Fleet(scopes, progress)
            result = fleet.run(request)
            if scopes.many:
                progress.summary(_fleet_summary(result))
                return result
            if result.failures:  # one scope asked for, and it could not be audited: that is the error
                f = result.failures[0]
                raise AwsAccessError(f"{f.label}: {f.reason}")
            progress.summary(_summary(result.reports[0]))
            return result.reports[0]
    source = _source(opts)
    save = opts.save_evidence

    def keep(snapshot: EvidenceSnapshot) -> None:
        if save:
            write_text(save, snapshot.to_json(), "saved evidence")

    with RunProgress(opts.quiet) as progress:
        report = run(request, source, on_section=progress.one, on_evidence=keep)
        if live:
            progress.summary(_summary(report))
    return report


def _failed_reads(calls: dict[str, Any]) -> int:
    return sum(n for k, n in (calls.get("by_outcome") or {}).items() if k not in ("ok", "not_found"))


def _summary(report: AuditReport) -> str:
    """The one line on stderr at the end of a live run."""
    c = report.calls
    line = f"{report.scope.label}: level {report.level}, verdict {report.verdict.outcome}; {c.get('total', 0)} AWS calls"
    failed = _failed_reads(c)
    if failed:
        line += f", {failed} failed reads"
        if c.get("denied_actions"):
            line += f" (denied: {', '.join(c['denied_actions'][:3])}{'…' if len(c['denied_actions']) > 3 else ''})"
    return line


def _fleet_summary(fleet: FleetReport) -> str:
    from llmops_audit.report.fleet import headline

    calls = sum(r.calls.get("total", 0) for r in fleet.reports)
    failed = sum(_failed_reads(r.calls) for r in fleet.reports)
    return f"{headline(fleet)}; {calls} AWS calls" + (f", {failed} failed reads" if failed else "")


def _pairs(
    formats: list[Any] | None, outputs: list[Path] | None, default: Any
) -> list[tuple[Any, Path | None]]:
    """--format/--output pairs, in order: one output per format, except that one format (the last) may go
    without an output, to stdout. Checked before any AWS call."""
    formats = list(formats or [default])
    outputs = list(outputs or [])
    if len(formats) == 1 and len(outputs) <= 1:
        return [(formats[0], outputs[0] if outputs else None)]
    if len(set(f.value for f in formats)) < len(formats):
        raise UsageError("a --format is given twice", hint="give each format once, each with its --output")
    if len(outputs) not in (len(formats), len(formats) - 1):
        raise UsageError(
            f"{len(formats)} --format options need {len(formats)} --output options (or one fewer, for stdout); "
            f"got {len(outputs)}",
            hint="e.g. -f json -o audit.json -f markdown -o audit.md -f terminal",
        )
    stdout = [o for o in outputs if str(o) == "-"]
    if len(stdout) + (len(outputs) < len(formats)) > 1:
        raise UsageError("only one format can go to stdout", hint="give the others an --output FILE")
    return [(f, outputs[i] if i < len(outputs) else None) for i, f in enumerate(formats)]


def _emit(report: AuditReport | FleetReport, fmt: Any, output: Path | None, no_color: bool) -> None:
    import os

    from llmops_audit.report import render
    from llmops_audit.report.common import RenderOptions
    from llmops_audit.report.files import is_stdout, write_text

    # NO_COLOR (https://no-color.org): any non-empty value turns colour off, as --no-color does
    no_color = no_color or bool(os.environ.get("NO_COLOR"))
    color = fmt.value == "terminal" and is_stdout(output) and sys.stdout.isatty() and not no_color
    write_text(output, render(report, fmt.value, RenderOptions(color=color, width=_width())), "report")


def _emit_html_with_history(report: AuditReport, history: Path, output: Path | None) -> None:
    """The HTML report with charts of level, items met and gates over the scope's stored runs."""
    from llmops_audit.errors import DefinitionError
    from llmops_audit.model import AuditReport as Single
    from llmops_audit.report import history as stored
    from llmops_audit.report.files import write_text
    from llmops_audit.report.html import render_with_history
    from llmops_audit.report.load import load_report

    past: list[AuditReport] = []
    for path in stored.past_reports(history, report.scope):
        try:
            loaded = load_report(path)
        except DefinitionError:
            continue  # an unreadable stored file is named by the "since last run" notice
        if isinstance(loaded, Single) and loaded.framework.name == report.framework.name:
            past.append(loaded)
    write_text(output, render_with_history(report, past), "report")


def _exit_code(report: AuditReport | FleetReport, fail_on_partial: bool = False) -> int:
    from llmops_audit.model import FleetReport

    if fail_on_partial:  # any read that failed (denied, throttled, error) makes the run partial
        reports = report.reports if isinstance(report, FleetReport) else (report,)
        if any(_failed_reads(r.calls) for r in reports):
            return int(ExitCode.PARTIAL)
    if isinstance(report, FleetReport):
        if not report.reports and report.failures:
            return int(ExitCode.CANNOT_RUN)  # no scope could be audited at all
        if report.partial:
            return int(ExitCode.PARTIAL)  # some scopes failed or were cut short: the report says which
        return int(
            ExitCode.SHORT if any(r.verdict.outcome == "fail" for r in report.reports) else ExitCode.OK
        )
    if report.calls.get("not_read"):
        return int(ExitCode.PARTIAL)  # a verdict on evidence that was not all read is not a verdict
    return int(ExitCode.SHORT if report.verdict.outcome == "fail" else ExitCode.OK)


@app.command()
def assess(
    demo: Demo = False,
    profile: Profile = None,
    region: Region = None,
    levels: LevelsDir = None,
    framework: FrameworkName = None,
    period: Period = None,
    since: Since = None,
    until: Until = None,
    format: FormatsOpt = None,
    output: OutputsOpt = None,
    attestations: Attest = None,
    waivers: Waivers = None,
    prices: Prices = None,
    min_level: MinLevel = None,
    policy: Policy = None,
    fail_on_gates: FailOnGates = False,
    fail_on_unknown: FailOnUnknown = False,
    deadline: Deadline = "30m",
    save_evidence: SaveEvidence = None,
    history: HistoryDir = None,
    from_evidence: FromEvidence = None,
    quiet: Quiet = False,
    no_color: NoColor = False,
    regions: Regions = None,
    include_unused: IncludeUnused = False,
    role_arn: RoleArn = None,
    external_id: ExternalId = None,
    org_role: OrgRole = None,
    accounts: Accounts = None,
    exclude_accounts: ExcludeAccounts = None,
    workload: WorkloadOpt = None,
    workloads_by: WorkloadsBy = None,
    shard: ShardOpt = None,
    max_workers: MaxWorkers = None,
    max_lambdas: MaxLambdas = None,
    max_log_groups: MaxLogGroups = None,
    max_metric_series: MaxMetricSeries = None,
    max_log_events: MaxLogEvents = None,
    fail_on_partial: FailOnPartial = False,
) -> None:
    """Assess the maturity level of LLM workloads from read-only AWS evidence.

    By default one account (the credentials') and one Region. With --regions, --org-role,
    --workloads-by or --shard, several scopes (account x Region x workload) in one report: an overview
    first, then each scope.

    Reads CloudWatch, Bedrock, Bedrock Agents, CloudTrail, Lambda and the other services the levels name;
    decides each checklist item (met, not met, unknown with the reason, attested, waived) and fills each
    metric row; reports the highest level where most items are met. Progress goes to stderr, the report
    to stdout or --output.
    """
    opts = RunOptions(
        demo=demo,
        profile=profile,
        region=region,
        levels=levels,
        framework=framework,
        period=period,
        since=since,
        until=until,
        attestations=attestations,
        waivers=waivers,
        prices=prices,
        save_evidence=save_evidence,
        history=history,
        from_evidence=from_evidence,
        quiet=quiet,
        deadline=deadline,
        policy=policy,
        min_level=min_level,
        fail_on_gates=fail_on_gates,
        fail_on_unknown=fail_on_unknown,
        regions=regions,
        include_unused=include_unused,
        role_arn=role_arn,
        external_id=external_id,
        org_role=org_role,
        accounts=accounts,
        exclude_accounts=exclude_accounts,
        workload=workload,
        workloads_by=workloads_by,
        shard=shard,
        max_workers=max_workers,
        caps={
            k: v
            for k, v in (
                ("lambdas", max_lambdas),
                ("log_groups", max_log_groups),
                ("metric_series", max_metric_series),
                ("log_events", max_log_events),
            )
            if v
        },
    )
    with _errors_to_exit():
        pairs = _pairs(format, output, Format.terminal)  # type: ignore[attr-defined]
        report = _audit(opts, [o for _, o in pairs if o is not None])
        if history is not None:
            from llmops_audit.report import history as stored

            report = stored.annotate(history, report)  # "Since last run: ..." on each scope
        from llmops_audit.report.files import defer_s3_failures

        failures = defer_s3_failures()  # a failed S3 write: report on stdout, other outputs still written
        for fmt, target in pairs:
            if fmt.value == "html" and history is not None and not isinstance(report, FleetReportType):
                _emit_html_with_history(report, history, target)  # charts of the scope's past runs
            else:
                _emit(report, fmt, target, no_color)
        if history is not None:
            kept = stored.store(history, report)
            if not quiet:
                typer.echo(f"History: {len(kept)} report(s) stored under {history}.", err=True)
        for _, target in pairs:
            if target is None or str(target) == "-" or quiet or not failures.written(target):
                continue
            what = (
                f"{len(report.reports)} scopes"
                if isinstance(report, FleetReportType)
                else f"level {report.level}"
            )
            typer.echo(f"Report written to {target} ({what}).", err=True)
        failures.raise_first()  # one line and exit 2 when an S3 write failed (its report is on stdout)
    raise typer.Exit(_exit_code(report, fail_on_partial))


@app.command()
def merge(
    reports: Annotated[
        list[Path],
        typer.Argument(help="JSON reports written by `assess --format json` (shards, or any scopes)."),
    ],
    format: FormatOpt = Format.json,  # type: ignore[attr-defined]
    output: Output = None,
    no_color: NoColor = False,
) -> None:
    """Combine reports (the shards of an `assess --shard I/N` run) into one multi-scope report.

    Scopes are ordered and de-duplicated by account/Region/workload (a scope in two files is an error),
    and the overview and roll-up are computed over all of them. Exits as `assess` would on the merged
    report (3 when a shard reported scopes it could not audit).
    """
    with _errors_to_exit():
        from llmops_audit.report.merge import merge_reports

        _check_outputs(RunOptions(), output)
        merged = merge_reports(reports)
        _emit(merged, format, output, no_color)
    raise typer.Exit(_exit_code(merged))


_PUBLISH_HELP = (
    "Publish a JSON report to a Confluence Cloud page, in storage format (REST API v2).\n\n"
    "--page-id ID updates that page (a new version: its version number plus one); "
    "--parent-id ID --title T creates a page under ID.\n\n"
    "The token comes from the environment only, never from an option, and is never printed: "
    "CONFLUENCE_TOKEN with CONFLUENCE_USER (your email) for a Cloud API token, "
    "or CONFLUENCE_TOKEN alone as a bearer token. Any failure is one line on stderr and exit 2."
)


@app.command(help=_PUBLISH_HELP)
def publish(
    report: Annotated[
        Path, typer.Argument(help="A JSON report written by `assess --format json` (one scope or several).")
    ],
    url: Annotated[
        str, typer.Option("--url", help="The Confluence site, e.g. https://example.atlassian.net/wiki.")
    ],
    space: Annotated[str, typer.Option("--space", help="The space key (its numeric id is looked up).")],
    page_id: Annotated[
        str | None, typer.Option("--page-id", help="Update this page: a new version of it.")
    ] = None,
    parent_id: Annotated[
        str | None, typer.Option("--parent-id", help="Create a page under this page (with --title).")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="The page title (required with --parent-id).")
    ] = None,
) -> None:
    """Publish a JSON report to a Confluence Cloud page (help: _PUBLISH_HELP)."""
    with _errors_to_exit():
        from llmops_audit.publish import Target
        from llmops_audit.publish import publish as publish_page

        done = publish_page(report, Target(url, space, page_id, parent_id, title))
    typer.echo(done.line)


# ------------------------------------------------------------------ history: diff and trend

ChangeFormat = Enum("ChangeFormat", {n: n for n in ("terminal", "markdown", "json")}, type=str)  # type: ignore[misc]
ChangeFormatOpt = Annotated[
    ChangeFormat,
    typer.Option("--format", "-f", help="terminal (rich), markdown or json."),
]


def _emit_text(render: Any, value: Any, fmt: Any, output: Path | None, no_color: bool, what: str) -> None:
    import os

    from llmops_audit.report.common import RenderOptions
    from llmops_audit.report.files import is_stdout, write_text

    color = (
        fmt.value == "terminal"
        and is_stdout(output)
        and sys.stdout.isatty()
        and not no_color
        and not os.environ.get("NO_COLOR")
    )
    write_text(output, render(value, RenderOptions(color=color, width=_width())), what)


@app.command()
def diff(
    old: Annotated[
        Path, typer.Argument(help="The earlier JSON report (`assess --format json`, or --history).")
    ],
    new: Annotated[Path, typer.Argument(help="The later JSON report.")],
    metric_threshold: Annotated[
        str,
        typer.Option(
            "--metric-threshold", help="Show metric values that moved by more than this (relative)."
        ),
    ] = "10%",
    fail_on_regression: Annotated[
        bool,
        typer.Option(
            "--fail-on-regression",
            help="Exit 1 when the level went down, an item stopped counting or a gate stopped passing.",
        ),
    ] = False,
    format: ChangeFormatOpt = ChangeFormat.terminal,  # type: ignore[attr-defined]
    output: Output = None,
    no_color: NoColor = False,
) -> None:
    """Show what changed between two JSON reports: level, items (regressions first), gates, metric values.

    Scopes are matched by label (account/Region, or account/Region/workload); scopes added or removed are
    listed. A regression is a level that went down, an item that counted and no longer does (for level 1,
    a sign of the starting state that is present again), or a gate that passed and no longer does. Exit 0,
    or 1 on a regression with --fail-on-regression, 2 when a file cannot be read.
    """
    from llmops_audit.report import diff as changes

    with _errors_to_exit():
        threshold = changes.parse_threshold(metric_threshold)
        _check_outputs(RunOptions(), output)
        result = changes.load_pair(old, new, threshold)
        _emit_text(changes.RENDERERS[format.value], result, format, output, no_color, "diff")
    raise typer.Exit(int(ExitCode.SHORT) if fail_on_regression and result.regressions else 0)


@app.command()
def trend(
    directory: Annotated[Path, typer.Argument(help="The directory given to `assess --history`.")],
    scope: Annotated[
        str | None,
        typer.Option(
            "--scope",
            help="Only this scope: account/Region or account/Region/workload, as the reports name it.",
        ),
    ] = None,
    last: Annotated[
        int | None, typer.Option("--last", min=1, help="Only the last N runs of each scope.")
    ] = None,
    format: ChangeFormatOpt = ChangeFormat.terminal,  # type: ignore[attr-defined]
    output: Output = None,
    no_color: NoColor = False,
) -> None:
    """Show level, items met per level and gates over the runs stored with `assess --history DIR`.

    One table per scope (and framework): a sparkline per level over the runs (for level 1, the signs of
    the starting state still present), then one row per run.
    """
    from llmops_audit.report import trend as over_time

    with _errors_to_exit():
        _check_outputs(RunOptions(), output)
        series = over_time.load_series(directory, scope, last)
        _emit_text(over_time.RENDERERS[format.value], series, format, output, no_color, "trend")


from llmops_audit.model import FleetReport as FleetReportType  # noqa: E402 - light: plain dataclasses


def _width() -> int:
    """Columns for the terminal report: COLUMNS when set, else the terminal's (stdout's, or stderr's when
    stdout is piped to `less` or `head`), else 80; kept within 60 to 180."""
    import os

    if os.environ.get("COLUMNS", "").isdigit():
        return max(60, min(int(os.environ["COLUMNS"]), 180))
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                return max(60, min(os.get_terminal_size(stream.fileno()).columns, 180))
        except (OSError, ValueError, AttributeError):
            continue
    return 80


@app.command()
def gates(
    demo: Demo = False,
    profile: Profile = None,
    region: Region = None,
    period: Period = None,
    since: Since = None,
    until: Until = None,
    policy: Policy = None,
    waivers: Waivers = None,
    prices: Prices = None,
    format: FormatOpt = Format.terminal,  # type: ignore[attr-defined]
    output: Output = None,
    fail_on_unknown: FailOnUnknown = False,
    deadline: Deadline = "30m",
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
        demo=demo,
        profile=profile,
        region=region,
        period=period,
        since=since,
        until=until,
        waivers=waivers,
        prices=prices,
        from_evidence=from_evidence,
        quiet=quiet,
        deadline=deadline,
        policy=policy,
        fail_on_gates=True,
        fail_on_unknown=fail_on_unknown,
    )
    with _errors_to_exit():
        report = _audit(opts, output, gates_only=True)
        _emit(report, format, output, no_color)
    raise typer.Exit(_exit_code(report))


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
def permissions(
    org_role: Annotated[
        str | None,
        typer.Option(
            "--org-role",
            help="Print instead the trust policy of the role NAME that `assess --org-role NAME` assumes.",
        ),
    ] = None,
    trusted_account: Annotated[
        str | None,
        typer.Option("--trusted-account", help="With --org-role: the account id the audit runs from."),
    ] = None,
    external_id: Annotated[
        str | None, typer.Option("--external-id", help="With --org-role: require this sts:ExternalId.")
    ] = None,
    organization_id: Annotated[
        str | None,
        typer.Option(
            "--organization-id", help="With --org-role: only principals of this Organization (o-…)."
        ),
    ] = None,
    report_bucket: Annotated[
        str | None,
        typer.Option(
            "--report-bucket",
            help="Add the report writer's statement (Sid ReportWriter): s3:PutObject on BUCKET[/PREFIX]/*, "
            "for --output or --history s3://… (the one write the tool makes).",
        ),
    ] = None,
) -> None:
    """Print the least-privilege IAM policy (JSON) the audit needs: every read action its collectors call.

    Attach it to the role or user that runs the audit, or use AWS's ReadOnlyAccess. A missing permission
    never stops the audit: the items that need it come out unknown, naming the action. With --org-role
    NAME --trusted-account ID, print the trust policy of the role deployed in each account
    (deploy/cloudformation/ has a StackSet for it); the auditing principal then also needs
    sts:AssumeRole on that role, which only llmops_audit/aws/assume.py calls. With --report-bucket
    BUCKET[/PREFIX], the policy also holds the report writer's statement: s3:PutObject there, the one
    write the tool makes (for --output or --history s3://…), with the credentials of the run.
    """
    from llmops_audit.aws.permissions import policy_json, trust_policy_json
    from llmops_audit.inputs.scopes import parse_external_id, parse_role_name

    with _errors_to_exit():
        if org_role is None:
            if trusted_account or external_id or organization_id:
                raise UsageError("--trusted-account, --external-id and --organization-id need --org-role")
            try:
                typer.echo(policy_json(report_bucket), nl=False)
            except ValueError as exc:
                raise UsageError(str(exc), hint="give --report-bucket BUCKET or BUCKET/PREFIX") from None
            return
        if report_bucket is not None:
            raise UsageError("--report-bucket adds to the audit's policy and cannot be used with --org-role")
        name = parse_role_name(org_role)
        if not trusted_account:
            raise UsageError(
                "--org-role needs --trusted-account",
                hint="pass the 12-digit id of the account the audit runs from",
            )
        try:
            text = trust_policy_json(
                trusted_account, external_id=parse_external_id(external_id), organization_id=organization_id
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        typer.echo(text, nl=False)
        typer.echo(
            f"Trust policy of role {name}. The auditing principal in {trusted_account} also needs "
            f"sts:AssumeRole on arn:aws:iam::*:role/{name}, and organizations:ListAccounts to list the accounts.",
            err=True,
        )


@app.command()
def probes() -> None:
    """List the evidence probes and metric calculators that level files can name."""
    from llmops_audit.metrics import CALCULATORS
    from llmops_audit.probes import PROBES
    from llmops_audit.probes.params import signature

    typer.echo("Probes (use in an item's `decide:` rule):")
    for pid in sorted(PROBES):
        p = PROBES[pid]
        typer.echo(f"  {pid:45} {p.claim}  [reads: {', '.join(p.needs)}]")
        if p.params:
            typer.echo(f"  {'':45} params: {signature(p.params)}")
    typer.echo("\nMetric calculators (use in a metric row's `compute:`):")
    for cid in sorted(CALCULATORS):
        typer.echo(f"  {cid:45} [reads: {', '.join(CALCULATORS[cid].needs)}]")
        if CALCULATORS[cid].params:
            typer.echo(f"  {'':45} params: {signature(CALCULATORS[cid].params)}")


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


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_SECRETS = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}|(?i:(secret|token|password|signature)[=:]\s*)\S+")


def _redact(text: str) -> str:
    """Never print what looks like a key id, secret or token, even inside an exception's text."""
    return _SECRETS.sub("[redacted]", text)


def _reflow(doc: str | None) -> str | None:
    """A docstring as help text: paragraphs joined into single lines (the help wraps them to the terminal),
    blank lines kept between paragraphs."""
    if not doc:
        return doc
    import inspect

    paragraphs = inspect.cleandoc(doc).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs)


for _command in app.registered_commands:
    if _command.callback is not None and _command.help is None:
        _command.help = _reflow(_command.callback.__doc__)


def main() -> None:
    """Entry point. Every way out is an exit code and, on failure, exactly one line on stderr."""
    from typer.exceptions import Abort, TyperException

    # A terminal that cannot show a character gets a replacement, never a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(errors="replace")
    try:
        code = app(standalone_mode=False)
    except (Abort, KeyboardInterrupt):
        typer.echo("error: interrupted", err=True)
        code = 130
    except TyperException as exc:  # Click's usage errors (typer vendors Click): one line too
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help(), err=True)  # `llmops-audit` alone: the help
        else:
            command = ctx.command_path if ctx is not None else "llmops-audit"
            message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
            typer.echo(f"error: {_one_line(message)}; see `{command} --help`", err=True)
        code = int(getattr(exc, "exit_code", ExitCode.CANNOT_RUN) or ExitCode.CANNOT_RUN)
    except Exception as exc:  # a bug: still one line and exit 2, so CI never reads it as "fell short"
        if _DEBUG:
            import traceback

            typer.echo(_redact(traceback.format_exc()), err=True)
        typer.echo(
            f"error: internal error ({type(exc).__name__}: {_redact(_one_line(str(exc)))[:200]}); "
            "rerun with --debug for the traceback and report it",
            err=True,
        )
        code = int(ExitCode.CANNOT_RUN)
    raise SystemExit(code if isinstance(code, int) else 0)
