"""`supervise audit …` and `supervise outbox …`: the audit trail and the webhook outbox."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("audit")
def audit_group():
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@with_appcontext
def audit_verify():
    """Walk the hash chain and compare each record with its row; exit 1 at the first broken link."""
    from supervise.services.audit import verify

    verdict = verify()
    if verdict.ok:
        click.echo(f"audit trail intact: {verdict.records} records, head #{verdict.head_seq} {verdict.head_hash}")
        return
    click.echo(f"audit trail BROKEN at record #{verdict.broken.seq}: {verdict.broken.reason}", err=True)
    sys.exit(1)


@audit_group.command("head")
@with_appcontext
def audit_head():
    """Print the newest record's number and hash (keep it elsewhere to prove later that nothing changed)."""
    from supervise.services.audit import head

    seq, digest = head()
    click.echo(f"audit head #{seq} {digest}")


@click.group("outbox")
def outbox_group():
    """The webhook outbox."""


@outbox_group.command("send")
@with_appcontext
def outbox_send():
    """Send what is due now (the scheduler does this every 30 s)."""
    from supervise.services.outbox import send_due

    report = send_due()
    click.echo(f"claimed {report.claimed}, sent {report.sent}, failed {report.failed}, dead {report.dead}")


@outbox_group.command("list")
@click.option("--status", default=None, type=click.Choice(["pending", "sent", "dead"]))
@with_appcontext
def outbox_list(status: str | None):
    """The newest 100 messages with their status, attempts and last error."""
    from sqlalchemy import select

    from supervise.extensions import db
    from supervise.models import OutboxMessage

    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(100)
    if status:
        query = query.where(OutboxMessage.status == status)
    for m in db.session.scalars(query):
        click.echo(f"#{m.id} {m.status:<7} {m.target:<16} {m.event:<13} attempts {m.attempts} "
                   f"{m.last_error or ''}")


@outbox_group.command("retry")
@with_appcontext
def outbox_retry():
    """Queue every dead message again."""
    from supervise.services.outbox import retry_dead

    click.echo(f"{retry_dead()} dead messages queued again")


TRUST_COMMANDS = (audit_group, outbox_group)
