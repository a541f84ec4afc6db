"""The test browser is French: a date field reads day, month, year (« Jour », « Mois »,
« Année »), as a person in Besançon sees it and as the screenshots should show it.

Playwright's `locale` only changes what pages read (`navigator.language`, `Accept-Language`);
Chromium draws its date fields in its own interface language, which it takes from the
environment (`LANGUAGE`) and finds only with Debian's `chromium-l10n` installed."""

from __future__ import annotations

import pytest

from tests.web.browser import Browser

pytestmark = pytest.mark.e2e


def test_date_fields_read_day_month_year_in_french(browser: Browser) -> None:
    visitor = browser.visitor("locale")
    visitor.page.set_content('<label>Premier jour <input type="date" value="2027-04-10"></label>')
    cdp = visitor.context.new_cdp_session(visitor.page)
    nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    fields = [
        (node["name"]["value"].split()[-1], node["value"]["value"])  # "Jour Jour": label twice
        for node in nodes
        if node.get("role", {}).get("value") == "spinbutton"
    ]
    assert fields == [("Jour", 10), ("Mois", 4), ("Année", 2027)]
    visitor.shot("champ-date")
