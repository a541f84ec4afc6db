"""`/agenda` places each event on a day: a recurring one at its next occurrence, one that
began before the period under its first day (the app in-process, clock frozen on
Tuesday 10 March 2026, real nats-server)."""

from __future__ import annotations

import re

import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, applied, submission

pytestmark = pytest.mark.nats


def day_sections(html: str) -> dict[str, str]:
    found = re.findall(r'<h2 id="jour-[\d-]+">(.*?)</h2>(.*?)</section>', html, re.S)
    return dict(found)


async def test_agenda_shows_running_and_recurring_events_on_their_next_day(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(
        agenda,
        js,
        submission(
            slug, "expo", title="Exposition", all_day=True, start="2026-03-01", end="2026-03-20"
        ),
    )
    weekly = "FREQ=WEEKLY;UNTIL=20260630T215959Z"
    club = submission(
        slug,
        "club",
        title="Club",
        start="2026-03-03T18:30:00+01:00",
        end="2026-03-03T20:00:00+01:00",
        rrule=weekly,
        exdates=["2026-03-10T18:30:00+01:00"],
    )
    await applied(agenda, js, club)
    await applied(
        agenda,
        js,
        submission(
            slug,
            "passe",
            title="Passé",
            start="2026-03-02T10:00:00+01:00",
            end="2026-03-02T11:00:00+01:00",
        ),
    )

    response = await agenda.client.get(f"/agenda?association={slug}")

    assert response.status_code == 200
    days = day_sections(response.text)
    assert list(days) == ["Mardi 10 mars 2026", "Mardi 17 mars 2026"]
    assert "Jusqu'au vendredi 20 mars 2026</strong>\n<a" in days["Mardi 10 mars 2026"]
    assert '18 h 30 – 20 h</strong>\n<a href="http' in days["Mardi 17 mars 2026"]
    assert "se répète" in days["Mardi 17 mars 2026"]
    assert "Passé" not in response.text

    later = await agenda.client.get(f"/agenda?association={slug}&from=2026-03-24&to=2026-03-24")
    assert list(day_sections(later.text)) == ["Mardi 24 mars 2026"]
