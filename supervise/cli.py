"""The `supervise` command: Flask's CLI group with the operator commands of API.md."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from supervise.errors import DomainError
from supervise.services.access import Actor

SYSTEM = Actor(id=0, username="system", role="admin", district_id=None)


def _create_app(*_args, **_kwargs) -> Flask:
    from supervise import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Operate supervise: database, accounts, imports, checks, the demo."""


def register_commands(app: Flask) -> None:
    """Attach the operator commands to the app's CLI (so `flask --app supervise` has them too)."""
    for command in (create_user, import_grids, import_officers, import_shifts, demo, check, scheduler,
                    purge_command, draw_round, regulation_group, i18n_group, worker):
        app.cli.add_command(command)
    from supervise.cli_trust import TRUST_COMMANDS

    for command in TRUST_COMMANDS:
        app.cli.add_command(command)


def fail_on_domain_error(func):
    """Print a domain error as one clear line on stderr and exit 1, instead of a traceback."""
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            from supervise.extensions import db

            db.session.rollback()
            click.echo(f"error: {exc.code}: {exc.message}", err=True)
            for key, value in (exc.details or {}).items():
                click.echo(f"  {key}: {json.dumps(value, ensure_ascii=False, default=str)}", err=True)
            sys.exit(1)
    return wrapper


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "manager", "inspector", "officer"]))
@click.option("--district", default=None, help="district code (managers without one are city-wide)")
@click.option("--badge-no", default=None)
@click.option("--name", default=None)
@with_appcontext
@fail_on_domain_error
def create_user(username, password, role, district, badge_no, name):
    """Make an account without the API."""
    from supervise.services.reference import create_officer

    created = create_officer(SYSTEM, badge_no=badge_no, name=name or username, district=district, squad=None,
                             username=username, password=password, role=role)
    click.echo(f"created {role} {username} (id {created.user.id})")


@click.command("import-grids")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--datum", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84", show_default=True,
              help="the datum the polygons were drawn in; they are stored in WGS-84")
@with_appcontext
@fail_on_domain_error
def import_grids(path: Path, datum: str):
    """Load grids from GeoJSON, or from CSV/.xlsx with code,district,geometry (GeoJSON or WKT) columns
    (all or nothing; existing codes are updated)."""
    from supervise.jsonload import load_json
    from supervise.services.reference import import_grids as run_import

    if path.suffix.lower() in (".csv", ".xlsx"):
        from supervise.services.imports import import_file

        for key, value in import_file(SYSTEM, "grids", path.read_bytes(), path.name, datum=datum).items():
            click.echo(f"{key}: {value}")
        return
    try:
        document = load_json(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:  # JsonRefused too: too deep, a number too long
        raise click.ClickException(f"{path} is not JSON the service reads: {exc}") from exc
    total = len(document.get("features", [None])) if isinstance(document, dict) else 0
    with click.progressbar(length=total, label="grids") as bar:
        report = run_import(SYSTEM, document, datum, replace=True, progress=bar.update)
    click.echo(f"grids: {len(report.created)} created, {len(report.updated)} updated (from {datum} to WGS-84)")


@click.command("import-officers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@fail_on_domain_error
def import_officers(path: Path):
    """Load officers from CSV (UTF-8 or GBK) or .xlsx: badge_no,name,district,squad,username,password,role
    (all or nothing)."""
    _import_file(path, "officers")


@click.command("import-shifts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
@fail_on_domain_error
def import_shifts(path: Path):
    """Load shifts from CSV (UTF-8 or GBK) or .xlsx: officer,start,end,kind,grid,post[,breaks] (all or
    nothing)."""
    _import_file(path, "shifts")


def _import_file(path: Path, kind: str) -> None:
    """Run an import (CSV in any office encoding, or .xlsx) with a progress bar, then print its summary."""
    from supervise.reports.office_files import UnreadableFile, read_table
    from supervise.services.imports import import_file

    data = path.read_bytes()
    try:
        rows = len(read_table(data, path.name).rows)
    except UnreadableFile:
        rows = 0   # import_file reports the same problem properly
    with click.progressbar(length=rows, label=kind) as bar:
        summary = import_file(SYSTEM, kind, data, path.name, progress=bar.update)
    for key, value in summary.items():
        click.echo(f"{key}: {value}")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="build the demo world and exit")
@with_appcontext
def demo(host: str, port: int, no_serve: bool):
    """Build the demo world (idempotent) in the configured database and serve it."""
    from flask import current_app

    from supervise.demo import build_demo_world

    upgrade_schema()
    for line in build_demo_world():
        click.echo(line)
    if no_serve:
        return
    from apscheduler.schedulers.background import BackgroundScheduler

    from supervise.jobs import TIMEZONE, schedule_ticks, schedule_trust_jobs

    _demo_settings(current_app)
    background = BackgroundScheduler(timezone=TIMEZONE)
    schedule_ticks(background, current_app._get_current_object(), interval_s=60)
    schedule_trust_jobs(background, current_app._get_current_object())
    background.start()
    click.echo(f"serving on http://{host}:{port}/  with the scheduler ticking every minute (Ctrl+C stops)")
    # Not app.run(): Flask ignores it inside its own CLI. The development server, as `supervise run`.
    from werkzeug.serving import run_simple

    try:
        run_simple(host, port, current_app._get_current_object(), use_reloader=False, threaded=True)
    finally:
        background.shutdown(wait=False)


def _demo_settings(app: Flask) -> None:
    """The demo serves plain HTTP on this machine to a person reading a terminal: cookies without
    Secure (unless SUPERVISE_COOKIE_SECURE says otherwise) and log lines as text."""
    import os

    if "SUPERVISE_COOKIE_SECURE" not in os.environ:
        app.config["SESSION_COOKIE_SECURE"] = app.config["COOKIE_SECURE"] = False
    if "SUPERVISE_LOG_FORMAT" not in os.environ:
        from supervise.ops.logs import configure_logging

        configure_logging("text")


def upgrade_schema() -> None:
    """Bring the database to the newest migration (what `supervise db upgrade` does)."""
    from flask_migrate import upgrade

    upgrade()


def _instant(value: str | None):
    from supervise.timeutil import parse_instant, utcnow

    if value is None:
        return utcnow()
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 instant in the years 1900–2999 "
                                 f"(e.g. 2026-11-26T09:00+08:00): {exc}") from None


@click.command("check")
@click.option("--at", "at", default=None, help="judge as of this instant (ISO 8601; naive = Asia/Shanghai)")
@with_appcontext
@fail_on_domain_error
def check(at):
    """Run every check as of an instant and print what it created or withdrew."""
    from supervise.services.checks import run_checks
    from supervise.timeutil import local_iso

    report = run_checks(_instant(at), trigger="cli")
    click.echo(f"checked {report.shifts} shifts as of {local_iso(report.as_of)}: {len(report.created)} flags raised, "
               f"{len(report.withdrawn)} withdrawn, {report.errors} errors")
    for flag in report.created:
        click.echo(f"  + {flag.code:<18} {flag.officer.badge_no:<14} shift {flag.shift_id}: {flag.summary_zh}")
    for flag in report.withdrawn:
        click.echo(f"  - {flag.code:<18} {flag.officer.badge_no:<14} shift {flag.shift_id}: withdrawn")


@click.command("draw-round")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="the Shanghai day of the checks (default: today)")
@click.option("--kind", default="cross_district", show_default=True,
              type=click.Choice(["cross_district", "routine", "special", "key_point", "joint"]))
@click.option("--per-district", type=click.IntRange(1, 100), default=None, help="inspectors drawn per home district")
@click.option("--checks", type=click.IntRange(1, 20), default=3, show_default=True, help="checks per inspector")
@click.option("--seed", type=click.IntRange(0, 2**53), default=None, help="reproduce a draw")
@with_appcontext
@fail_on_domain_error
def draw_round(day, kind, per_district, checks, seed):
    """Draw a round of unannounced spot checks (交叉互检) and print where each inspector goes."""
    from supervise.services.inspections import RoundRequest, draw_inspection_round
    from supervise.timeutil import local_iso, local_today

    round_ = draw_inspection_round(SYSTEM, RoundRequest(
        day=day.date() if day else local_today(), kind=kind, inspectors_per_district=per_district,
        checks_per_inspector=checks, seed=seed))
    click.echo(f"round {round_.id} for {round_.day} ({kind}, seed {round_.seed}): {len(round_.assignments)} checks, "
               f"released {local_iso(round_.release_at)}")
    for a in round_.assignments:
        click.echo(f"  {a.inspector.badge_no or a.inspector.username:<12} -> {a.district.code:<4} "
                   f"{a.officer.badge_no:<14} shift {a.shift_id}")
    for item in round_.unplaced:
        click.echo(f"  not sent: inspector {item['inspector_id']}: {item['reason']}")


@click.command("scheduler")
@click.option("--interval-seconds", default=60, show_default=True, type=click.IntRange(1, 3600))
@click.option("--metrics-port", default=None, type=click.IntRange(1, 65535),
              help="serve this process's Prometheus metrics (tick durations) on 127.0.0.1:PORT")
@click.option("--max-ticks", default=None, type=int, hidden=True, help="stop after this many ticks (tests)")
@with_appcontext
def scheduler(interval_seconds: int, metrics_port: int | None, max_ticks: int | None):
    """Run the one scheduler process (a database lock keeps a second one idle)."""
    from apscheduler.schedulers.blocking import BlockingScheduler
    from flask import current_app

    from supervise.jobs import TIMEZONE, schedule_ticks, schedule_trust_jobs
    from supervise.ops.logs import configure_logging

    configure_logging(current_app.config["LOG_FORMAT"] or "text")
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1")
    blocking = BlockingScheduler(timezone=TIMEZONE)
    schedule_ticks(blocking, current_app._get_current_object(), interval_seconds, max_ticks)
    schedule_trust_jobs(blocking, current_app._get_current_object())
    click.echo(f"scheduler: a tick every {interval_seconds} s ({TIMEZONE}); Ctrl+C stops")
    try:
        blocking.start()
    except (KeyboardInterrupt, SystemExit):
        pass


@click.command("worker")
@click.option("--concurrency", "-c", default=None, type=click.IntRange(1, 256),
              help="pool processes (default: one per core)")
@click.option("--pool", default="prefork", show_default=True, type=click.Choice(["prefork", "solo"]))
@click.option("--hostname", "-n", default=None, help="the worker's node name (default: celery@<host>)")
@with_appcontext
def worker(concurrency: int | None, pool: str, hostname: str | None):
    """Run a Celery worker judging the check batches the scheduler queues (needs SUPERVISE_BROKER_URL)."""
    from flask import current_app

    from supervise import queue
    from supervise.ops.logs import configure_logging

    app = current_app._get_current_object()
    if not queue.enabled(app):
        click.echo("error: no broker configured: set SUPERVISE_BROKER_URL (e.g. amqp://guest:guest@127.0.0.1:5672//)",
                   err=True)
        sys.exit(2)
    configure_logging(app.config["LOG_FORMAT"] or "text")
    celery = queue.configure(app)
    argv = ["worker", "--loglevel", "INFO", "--pool", pool, "--queues", queue.queue_name(app), "--without-gossip",
            "--without-mingle", "--without-heartbeat"]
    if concurrency:
        argv += ["--concurrency", str(concurrency)]
    if hostname:
        argv += ["--hostname", hostname]
    if pool == "solo":
        from supervise.services.checks import analyse_in_process

        analyse_in_process()
    celery.worker_main(argv)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="say what would be removed, remove nothing")
@with_appcontext
def purge_command(dry_run: bool):
    """Apply the retention settings now (the scheduler does it daily at PURGE_AT)."""
    from flask import current_app

    from supervise.services.retention import Retention, purge
    from supervise.timeutil import utcnow

    report = purge(utcnow(), Retention.from_config(current_app.config), dry_run=dry_run)
    click.echo("dry run: nothing removed" if dry_run else "retention purge done")
    for line in report.lines():
        click.echo("  " + line)


@click.group("regulation")
def regulation_group():
    """The supervision regulation: show, publish, replay a draft."""


@regulation_group.command("show")
@with_appcontext
def regulation_show():
    """Print the version in force."""
    from supervise.services.regulation import regulation_in_force

    in_force = regulation_in_force()
    click.echo(f"# version {in_force.version_number}: {in_force.regulation.version_label}")
    click.echo(in_force.regulation.text)


@regulation_group.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--note", default=None)
@with_appcontext
@fail_on_domain_error
def regulation_publish(path: Path, note: str | None):
    """Validate a YAML/JSON document and store it as the next version."""
    from supervise.services.regulation import publish_regulation

    version = publish_regulation(SYSTEM, path.read_text(encoding="utf-8-sig"), note)
    click.echo(f"published regulation version {version.number}: {version.label}")


@regulation_group.command("replay")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--from", "start", required=True, help="first shift start (ISO 8601)")
@click.option("--to", "end", required=True, help="end of the range (ISO 8601)")
@with_appcontext
@fail_on_domain_error
def regulation_replay(path: Path, start: str, end: str):
    """What-if: flags a draft would raise, drop or change on past evidence; writes nothing."""
    from supervise.services.replay import replay

    report = replay(SYSTEM, path.read_text(encoding="utf-8-sig"), _instant(start), _instant(end))
    click.echo(f"draft {report['draft_label']!r} over {report['shifts']} shifts "
               "(against the regulation in force | against the flags on record):")
    click.echo(f"  {'rule':<18} {'district':<8} {'appear':>7} {'disappear':>10} {'change':>7} {'same':>6} | "
               f"{'appear':>7} {'disappear':>10} {'change':>7} {'same':>6}")
    for row in report["rows"]:
        rec = row["record"]
        click.echo(f"  {row['rule']:<18} {row['district']:<8} {row['appear']:>7} {row['disappear']:>10} "
                   f"{row['change']:>7} {row['unchanged']:>6} | {rec['appear']:>7} {rec['disappear']:>10} "
                   f"{rec['change']:>7} {rec['unchanged']:>6}")
    for example in report["examples"]:
        click.echo(f"  e.g. shift {example['shift_id']} {example['rule']} {example['change']}: "
                   f"{example['before'] or '-'} -> {example['after'] or '-'}")
    for example in report["record_examples"]:
        flag = f" (flag #{example['flag_id']})" if example["flag_id"] else ""
        click.echo(f"  on record: shift {example['shift_id']} {example['rule']} {example['change']}{flag}: "
                   f"{example['before'] or '-'} -> {example['after'] or '-'}")


if __name__ == "__main__":
    main()


@click.group("i18n")
def i18n_group():
    """The Chinese catalog of the pages' and messages' text."""


@i18n_group.command("update")
def i18n_update():
    """Add every new message of the code and templates to the zh_Hans catalog (untranslated),
    drop the ones no longer used, and list what still needs a translation."""
    from supervise.i18n_catalog import catalog_path, missing_translations, update_catalog

    added, untranslated = update_catalog()
    click.echo(f"{catalog_path()}: {added} new, {untranslated} untranslated")
    for message in missing_translations():
        click.echo(f"  untranslated: {message}")


@i18n_group.command("check")
def i18n_check():
    """Exit 1 when a message the code uses has no Chinese translation."""
    from supervise.i18n_catalog import missing_translations

    missing = missing_translations()
    for message in missing:
        click.echo(f"untranslated: {message}", err=True)
    sys.exit(1 if missing else 0)
