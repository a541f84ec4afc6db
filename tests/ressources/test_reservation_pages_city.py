"""The city's loan pages over real HTTP on the in-process service and the session's real
nats-server: requests oldest first with the units free for their dates, a partial approval
needs a reason (422 without), a refusal needs one too; then prepared, picked up, returned
with a damaged unit and its fee; a second decision on a decided request is a French 409."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from nats.js import JetStreamContext

from tests.ressources.catalogue_app import Client, running_ressources
from tests.ressources.conftest import own_nats_url
from tests.ressources.reservation_app import (
    CITY,
    SPACE,
    Association,
    association,
    basket,
    city,
    loans_of,
    stock,
)
from tests.support.pages import assert_french_page
from vieasso.ressources.domain.loans import Loan, LoanState
from vieasso.ressources.entrypoints import pages_loans_city
from vieasso.ressources.handlers.steps import sweep_overdue

pytestmark = pytest.mark.nats


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The city's page lists every loan of the platform: this module's loans only."""
    yield from own_nats_url(tmp_path_factory, "nats-city-loans")


async def _asks(client: Client, asso: Association, **quantities: str) -> Loan:
    sent = await client.http.post(SPACE, data=basket(**quantities), headers=asso.headers)
    assert sent.status_code == 303, sent.text
    return loans_of(client, asso.slug)[0]


async def test_only_the_city_reaches_the_loans(nats_url: str, js: JetStreamContext) -> None:
    async with running_ressources(nats_url) as client:
        asso = await association(js, client)
        assert (await client.http.get(CITY)).status_code == 303
        refused = await client.http.get(CITY, headers=asso.headers)
        assert refused.status_code == 303  # no city session: to the city's sign-in
        posted = await client.http.post(f"{CITY}/pret-x/decision", headers=asso.headers)
        assert_french_page(posted, 401)


async def test_partial_approval_needs_a_reason_and_the_association_sees_it(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        asso, other = await association(js, client), await association(js, client)
        headers = await city(js, client)
        loan = await _asks(client, asso, **{f"q-{s.barnum}": "2", "salle": s.room})
        client.clock.advance(timedelta(minutes=1))  # asked after
        later = await _asks(client, other, **{f"q-{s.barnum}": "1"})

        page = assert_french_page(await client.http.get(CITY, headers=headers))
        assert page.index(f"demande-{loan.id}") < page.index(f"demande-{later.id}")  # oldest first
        assert asso.name in page
        assert re.search(rf'id="{loan.id}-accorde-0" name="accorde-0" type="number" min="0" '
                         r'max="2" value="2"', page)  # fmt: skip
        assert "Libres à ces dates" in page

        decide = f"{CITY}/{loan.id}/decision"
        partial = {"accorde-0": "1", "accorde-1": "1"}
        answer = await client.http.post(decide, data=partial, headers=headers)
        html = assert_french_page(answer, 422)
        assert "Indiquez le motif de l&#39;accord partiel" in html
        assert 'value="1"' in html  # what the agent typed is kept
        assert loans_of(client, asso.slug)[0].state is LoanState.REQUESTED

        reason = {"motif": "Un barnum sert à la fête municipale ce jour-là."}
        done = await client.http.post(decide, data=partial | reason, headers=headers)
        assert done.status_code == 303, done.text
        decided = loans_of(client, asso.slug)[0]
        assert decided.state is LoanState.APPROVED
        assert [x.granted for x in decided.lines] == [1, 1]

        seen = assert_french_page(await client.http.get(SPACE, headers=asso.headers))
        assert "accordée en partie" in seen
        assert "Un barnum sert à la fête municipale ce jour-là." in seen

        again = await client.http.post(decide, data={"motif": "x"}, headers=headers)
        assert "ne peut pas passer" in assert_french_page(again, 409)

        for step in ("prepare", "retire"):
            moved = await client.http.post(f"{CITY}/{loan.id}/{step}", headers=headers)
            assert moved.status_code == 303, moved.text
        bad = await client.http.post(
            f"{CITY}/{loan.id}/rendu", data={"endommage-0": "2"}, headers=headers
        )
        assert "pas plus d&#39;endommagées et perdues" in assert_french_page(bad, 422)
        bell = {"endommage-0": "1", "note": "Toile\x07 déchirée"}
        rung = await client.http.post(f"{CITY}/{loan.id}/rendu", data=bell, headers=headers)
        assert "caractères de contrôle" in assert_french_page(rung, 422)
        back = await client.http.post(
            f"{CITY}/{loan.id}/rendu", data={"endommage-0": "1"}, headers=headers
        )
        assert back.status_code == 303, back.text
        returned = loans_of(client, asso.slug)[0]
        assert returned.state is LoanState.RETURNED
        assert returned.returned is not None
        assert returned.returned.fee_eur == 150
        listing = assert_french_page(await client.http.get(CITY, headers=headers))
        assert "forfait dû : 150 €" in listing


async def test_refusal_needs_a_reason(nats_url: str, js: JetStreamContext) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        asso = await association(js, client)
        headers = await city(js, client)
        loan = await _asks(client, asso, **{f"q-{s.barnum}": "1"})
        decide = f"{CITY}/{loan.id}/decision"

        answer = await client.http.post(decide, data={"accorde-0": "0"}, headers=headers)
        assert "Indiquez le motif du refus" in assert_french_page(answer, 422)
        bell = {"accorde-0": "0", "motif": "Stock\x07 réservé."}  # mailed: no control character
        rung = await client.http.post(decide, data=bell, headers=headers)
        assert "caractères de contrôle" in assert_french_page(rung, 422)
        wrong = await client.http.post(decide, data={"accorde-0": "3"}, headers=headers)
        assert "Au plus 1" in assert_french_page(wrong, 422)
        for odd in ("¹", "1e3", "-1"):  # "¹" is a digit to str.isdigit(), not to int()
            typed = await client.http.post(decide, data={"accorde-0": odd}, headers=headers)
            assert "nombre entier" in assert_french_page(typed, 422), odd
        assert loans_of(client, asso.slug)[0].state is LoanState.REQUESTED

        why = {"accorde-0": "0", "motif": "Stock réservé au Forum des associations."}
        assert (await client.http.post(decide, data=why, headers=headers)).status_code == 303
        assert loans_of(client, asso.slug)[0].state is LoanState.REFUSED
        seen = assert_french_page(await client.http.get(SPACE, headers=asso.headers))
        assert "refusée" in seen
        assert "Stock réservé au Forum des associations." in seen


async def test_units_taken_meanwhile_are_a_french_409_not_a_500(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        first, second = await association(js, client), await association(js, client)
        headers = await city(js, client)
        one = await _asks(client, first, **{f"q-{s.barnum}": "3"})
        two = await _asks(client, second, **{f"q-{s.barnum}": "1"})
        ok = await client.http.post(f"{CITY}/{one.id}/decision", headers=headers)
        assert ok.status_code == 303, ok.text
        taken = await client.http.post(f"{CITY}/{two.id}/decision", headers=headers)
        html = assert_french_page(taken, 409)
        assert "0 disponible(s) sur toute la période, 1 demandé(s)" in html
        assert loans_of(client, second.slug)[0].state is LoanState.REQUESTED


async def test_a_loan_not_returned_after_its_last_day_is_listed_overdue(
    nats_url: str, js: JetStreamContext
) -> None:
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        asso = await association(js, client)
        headers = await city(js, client)
        loan = await _asks(client, asso, **{f"q-{s.barnum}": "1"})
        for step in ("decision", "prepare", "retire"):
            moved = await client.http.post(f"{CITY}/{loan.id}/{step}", headers=headers)
            assert moved.status_code == 303, moved.text
        client.clock.advance(timedelta(days=29))  # 3 days after the return day
        assert await sweep_overdue(client.app.state.loans.lending()) == [loan.id]
        headers = await city(js, client)  # the sessions opened a month ago have ended
        asso.headers = (await association(js, client, asso.slug)).headers

        page = assert_french_page(await client.http.get(CITY, headers=headers))
        late = page[page.index('id="retards"') : page.index('id="a-decider"')]
        assert asso.name in late
        assert "retour attendu le samedi 10 avril 2027 (3 jours de retard)" in late
        seen = assert_french_page(await client.http.get(SPACE, headers=asso.headers))
        assert "en retard" in seen
        assert f"{loan.id}/annuler" not in seen  # picked up: no cancelling any more


async def test_the_page_lists_the_oldest_requests_and_counts_the_others(
    nats_url: str, js: JetStreamContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """However long the backlog, each section shows `SHOWN` loans (oldest first) and says
    how many wait: the page stays light (a test run with hundreds of loans made it 250 kB)."""
    monkeypatch.setattr(pages_loans_city, "SHOWN", 2)
    async with running_ressources(nats_url) as client:
        s = await stock(js, client)
        headers = await city(js, client)
        asked = [await _asks(client, await association(js, client), **{f"q-{s.barnum}": "1"})]
        for _ in range(2):
            client.clock.advance(timedelta(minutes=1))  # one request after the other
            asked.append(
                await _asks(client, await association(js, client), **{f"q-{s.barnum}": "1"})
            )
        page = assert_french_page(await client.http.get(CITY, headers=headers))
        mirror = client.app.state.loans.loans.items.values()
        waiting = sum(1 for loan in mirror if loan.state is LoanState.REQUESTED)
        assert f"Demandes à décider ({waiting})" in page
        assert f"les {waiting - 2} suivants apparaissent" in page
        assert page.count('id="demande-') == 2
        assert f"demande-{asked[-1].id}" not in page  # the newest waits its turn
