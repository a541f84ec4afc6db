"""`vieasso-newsletter send-digest`: build the edition due now and send it, with progress.

`--audience associations` does the same for the associations' letter (monthly).
`--dry-run` shows what the edition would contain and who would get it, and writes nothing;
`--preview EMAIL` sends one mail to EMAIL (what that subscriber would get, or everything;
for the associations' letter, everything) outside any edition. Several `send-digest` and
the service may send at once: they share the work queue and the ledger.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from vieasso.common.messages.newsletter import Frequency, LetterAudience
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.content import Selector
from vieasso.newsletter.domain.delivery import LedgerState
from vieasso.newsletter.domain.edition import Edition, EditionState, Series
from vieasso.newsletter.domain.subscriber import Preferences
from vieasso.newsletter.handlers.rendered import EditionMail
from vieasso.newsletter.service import Newsletter, standalone

POLL = 0.5


def run(which: Frequency | Series, *, dry_run: bool, preview: str | None) -> int:
    console = Console()
    settings = NewsletterSettings()
    try:
        return asyncio.run(_run(settings, which, dry_run, preview, console))
    except TimeoutError:
        console.print(f"[red]NATS injoignable ({settings.nats_url}) : rien n'a été envoyé.[/red]")
        return 2


async def _run(
    settings: NewsletterSettings,
    which: Frequency | Series,
    dry_run: bool,
    preview: str | None,
    console: Console,
) -> int:
    series = Series.of(which)
    async with standalone(settings) as newsletter:
        if dry_run or preview:
            return await _look(newsletter, series, preview, console)
        # Earlier runs' deliveries (a resumed edition), then this process's, for the bar.
        eid, _ = await newsletter.editions.period(series, newsletter.clock.now())
        earlier = sum(n for state, n in (await newsletter.ledger.tally(eid)).items() if state.final)
        ours = [0]

        def count(state: LedgerState) -> None:
            ours[0] += state.final

        newsletter.deliverer.progress.append(count)
        newsletter.start_sender()  # sends as soon as the build queues the first batch
        edition = await newsletter.editions.build(series)
        console.print(
            f"Édition {edition.id} : {edition.recipients} destinataire(s), "
            f"{edition.items} élément(s), {edition.distinct_contents} contenu(s) distinct(s)."
        )
        if edition.state is not EditionState.SENT:
            edition = await _wait(newsletter, edition, console, lambda: earlier + ours[0])
        _summary(console, edition)
        return 0


async def _wait(
    newsletter: Newsletter, edition: Edition, console: Console, done: Callable[[], int]
) -> Edition:
    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    )  # fmt: skip
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("envois", total=edition.recipients, completed=done())
        while True:
            found = await newsletter.editions.store.get(edition.id)
            if found is not None and found[0].state is EditionState.SENT:
                progress.update(task, completed=edition.recipients)
                return found[0]
            progress.update(task, completed=min(done(), edition.recipients))
            await newsletter.editions.finish_if_done(edition.id)
            await asyncio.sleep(POLL)


def _summary(console: Console, edition: Edition) -> None:
    table = Table(title=f"Édition {edition.id} — {edition.subject}")
    for column in ("envoyés", "rejets définitifs", "échecs", "ignorés", "incertains"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            str(n)
            for n in (
                edition.delivered,
                edition.bounced,
                edition.failed,
                edition.skipped,
                edition.uncertain,
            )
        )
    )
    console.print(table)


async def _look(
    newsletter: Newsletter, series: Series, preview: str | None, console: Console
) -> int:
    now = newsletter.clock.now()
    eid, start = await newsletter.editions.period(series, now)
    content = newsletter.editions.content(start, now, series.audience)
    if preview is None:
        plan = await newsletter.editions.plan_for(series, content)
        console.print(
            f"Édition {eid} (du {start:%d/%m/%Y %H:%M} au {now:%d/%m/%Y %H:%M} UTC) — rien "
            f"n'est écrit ni envoyé (--dry-run)."
        )
        console.print(
            f"{len(content.associations)} association(s), {len(content.missions)} mission(s), "
            f"{len(content.events)} événement(s) ; {len(plan.deliveries)} destinataire(s), "
            f"{plan.distinct_contents} contenu(s) distinct(s)."
        )
        return 0
    letter = series.audience is LetterAudience.ASSOCIATIONS
    found = None if letter else await newsletter.store.find(preview)
    if letter:
        items = tuple(range(len(content.items)))
    else:
        preferences = found[0].preferences if found else Preferences(frequency=series.frequency)
        items = Selector(content, newsletter.settings.digest_max_items).select(preferences)
    if not items:
        console.print("Rien à envoyer : aucun élément ne correspond.")
        return 0
    s = newsletter.settings
    mails = newsletter.editions.mails
    edition = Edition(
        id=eid,
        frequency=series.frequency,
        audience=series.audience,
        state=EditionState.BUILDING,
        period_start=start,
        period_end=now,
        created_at=now,
        subject="[Aperçu] " + mails.subject(series, now),
    )
    mail = EditionMail(
        edition=edition,
        content=content,
        rendered=mails.render(edition, content),
        sender=mails.sender(edition),
    )
    recipient = found[0].id if found else "apercu"
    if letter:
        raw = newsletter.letter.message(mail, recipient, preview, items)
    else:
        raw = newsletter.deliverer.message(mail, recipient, preview, items)
    reply = await newsletter.pool.send(s.mail_from_address, preview, raw)
    console.print(f"Aperçu de {len(items)} élément(s) envoyé : {reply.code} {reply.message}")
    return 0 if reply.code < 400 else 1  # noqa: PLR2004
