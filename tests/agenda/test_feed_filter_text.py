"""Regression (found by schemathesis, tests/reliability): an `association` filter holding
control characters made the RSS/Atom renderer fail (500), and an unknown association's
text was echoed into the feed title."""

from __future__ import annotations

import feedparser
import icalendar
import pytest

from tests.agenda.conftest import Running

pytestmark = pytest.mark.nats

HOSTILE = "\u008a\u00ee\x1a\x10<script>x</script>"


@pytest.mark.parametrize("ext", ["rss", "atom", "ics", "jsonld"])
async def test_unknown_association_filter_gets_the_city_feed_title_and_no_error(
    agenda: Running, ext: str
) -> None:
    response = await agenda.client.get(f"/feeds/agenda.{ext}", params={"association": HOSTILE})
    assert response.status_code == 200, response.text
    assert "<script" not in response.text
    assert "x</script>" not in response.text
    if ext in ("rss", "atom"):
        assert not feedparser.parse(response.content).bozo
    if ext == "ics":
        calendar = icalendar.Calendar.from_ical(response.content)
        assert str(calendar["X-WR-CALNAME"]) == "Agenda associatif de Besançon"
