"""Request rules and fairness (pure), and the season's maximum through the handler."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import random_slug
from tests.ressources.conftest import NOW, Catalogue, day
from vieasso.common.messages.ressources import Half, ResourceKind
from vieasso.ressources.domain.catalogue import EntryState, EquipmentModel, Notice, Room
from vieasso.ressources.domain.errors import IllegalTransition, RequestRefused
from vieasso.ressources.domain.fairness import FairnessRules, municipal_warning, season_of
from vieasso.ressources.domain.loans import Loan, LoanLine, LoanState, Period
from vieasso.ressources.domain.requests import LoanRequest, RequestLine, check_request, sundays
from vieasso.ressources.handlers.requests import request_loan
from vieasso.ressources.handlers.unit import Lending

MODEL = EquipmentModel(
    id="barnum",
    name="Barnum",
    category="barnums",
    stock=3,
    storage_place="CTM",
    notice=Notice(min_days=21, max_days=92),
    updated_at=NOW,
)
ROOM = Room(id="salle", name="Salle Battant", venue_id="battant", capacity=40, updated_at=NOW)


def errors_for(request: LoanRequest, *entries: EquipmentModel | Room) -> dict[str, str]:
    known = {(e.kind, e.id): e for e in entries}
    return dict(check_request(request, known, NOW.date(), sundays))


def ask(start: int, end: int, *lines: RequestLine, **halves: Half) -> LoanRequest:
    return LoanRequest(starts_on=day(start), ends_on=day(end), lines=lines, **halves)


def test_notice_is_three_weeks_to_three_months_by_default() -> None:
    line = RequestLine(resource_id="barnum")
    assert errors_for(ask(10, 11, line), MODEL) == {
        "starts_on": "« Barnum » se réserve au moins 21 jours à l'avance."
    }
    assert errors_for(ask(100, 101, line), MODEL) == {
        "starts_on": "« Barnum » se réserve au plus 92 jours à l'avance."
    }
    assert errors_for(ask(22, 23, line), MODEL) == {}  # a Tuesday and a Wednesday


def test_rooms_only_on_their_opening_half_days_and_archived_entries_not_at_all() -> None:
    room = RequestLine(resource_id="salle", kind=ResourceKind.ROOM)
    open_room = ROOM.model_copy(update={"notice": Notice(min_days=0, max_days=365)})
    saturday_afternoon = ask(33, 33, room, first_half=Half.AFTERNOON)
    assert errors_for(saturday_afternoon, open_room) == {}
    saturday_to_sunday = ask(33, 34, room)
    assert (
        "n'est pas ouverte le 04/04/2027 (matin)"
        in errors_for(saturday_to_sunday, open_room)["starts_on"]
    )
    archived = open_room.model_copy(update={"state": EntryState.ARCHIVED})
    assert errors_for(saturday_afternoon, archived) == {
        "lines.0.resource_id": "« Salle Battant » n'est plus prêté."
    }
    assert errors_for(ask(33, 33, RequestLine(resource_id="inconnu")), open_room) == {
        "lines.0.resource_id": "Cette ressource n'est pas au catalogue."
    }


def test_dates_out_of_the_century_and_reversed_periods_are_refused() -> None:
    line = RequestLine(resource_id="barnum")
    far = LoanRequest(starts_on=date(2150, 1, 1), ends_on=date(2150, 1, 2), lines=(line,))
    century = "Choisissez une date entre 2000 et 2099."
    assert errors_for(far, MODEL) == {"starts_on": century, "ends_on": century}
    assert errors_for(ask(30, 29, line), MODEL) == {"ends_on": "La fin doit venir après le début."}


def test_season_and_municipal_event_warning() -> None:
    assert season_of(date(2027, 8, 31), 9) == 2026
    assert season_of(date(2027, 9, 1), 9) == 2027
    rules = FairnessRules(0, 1, frozenset({date(2027, 6, 21)}))
    warning = municipal_warning(
        rules, Period(starts_on=date(2027, 6, 20), ends_on=date(2027, 6, 22))
    )
    assert warning is not None
    assert "21/06/2027" in warning
    assert (
        municipal_warning(rules, Period(starts_on=date(2027, 6, 22), ends_on=date(2027, 6, 23)))
        is None
    )


def test_an_illegal_step_is_refused_in_french() -> None:
    loan = Loan(
        id="pret-1",
        association_slug="asso",
        lines=(LoanLine(resource_id="barnum", kind=ResourceKind.EQUIPMENT, requested=1),),
        period=Period(starts_on=day(30), ends_on=day(31)),
        created_at=NOW,
        updated_at=NOW,
    )
    with pytest.raises(IllegalTransition, match="« demandé » : il ne peut pas passer à « rendu »"):
        loan.move(LoanState.RETURNED, NOW, "ville")


async def test_the_seasons_maximum_refuses_one_more_request(
    lending: Lending, catalogue: Catalogue
) -> None:
    model = await catalogue.model(3)
    lending.fairness = FairnessRules(2, 1, frozenset({day(5)}))
    slug = random_slug("asso")
    request = ask(4, 5, RequestLine(resource_id=model.id))
    first = await request_loan(lending, slug, request)
    assert any("événement municipal" in w for w in first.warnings)
    await request_loan(lending, slug, request)
    with pytest.raises(RequestRefused) as refused:
        await request_loan(lending, slug, request)
    assert refused.value.errors[0][0] == "saison"
    assert "2 au plus par association" in refused.value.errors[0][1]
    assert (await request_loan(lending, random_slug("asso"), request)).state is LoanState.REQUESTED
