"""What the reservation page offers for some dates (pure, no broker): free units over the
whole period with the buffer days, notice and length rules, closed pickup or return days, and
a room's half-days each free or why not."""

from __future__ import annotations

from datetime import UTC, date, datetime

from vieasso.common.messages.ressources import Half
from vieasso.ressources.domain.calendar import Calendar, ClosedDay
from vieasso.ressources.domain.catalogue import EquipmentModel, Notice, Room
from vieasso.ressources.domain.loans import Period
from vieasso.ressources.domain.offer import closed_in, offer_model, offer_room
from vieasso.ressources.domain.periods import Allocation, evening, morning

NOW = datetime(2027, 3, 15, 9, tzinfo=UTC)
TODAY = NOW.date()
BARNUM = EquipmentModel(
    id="barnum", name="Barnum", category="barnums", stock=3, max_loan_days=4, buffer_days=1,
    storage_place="Centre technique", notice=Notice(min_days=21, max_days=92), updated_at=NOW,
)  # fmt: skip
ROOM = Room(
    id="salle", name="Salle", venue_id="lieu", capacity=30, updated_at=NOW,
    opening={6: (Half.MORNING,)}, notice=Notice(min_days=0, max_days=365),
)  # fmt: skip


def held(loan_id: str, quantity: int, first: date, last: date) -> Allocation:
    return Allocation(loan_id=loan_id, quantity=quantity, first=morning(first), last=evening(last))


def test_units_held_on_any_day_or_buffer_day_of_the_period_are_not_free() -> None:
    period = Period(starts_on=date(2027, 4, 14), ends_on=date(2027, 4, 15))
    taken = [
        held("a", 1, date(2027, 4, 12), date(2027, 4, 14)),  # overlaps the first day
        held("b", 2, date(2027, 4, 16), date(2027, 4, 16)),  # our buffer day (the 16th)
        held("c", 3, date(2027, 4, 18), date(2027, 4, 19)),  # after our buffer: no matter
    ]
    offered = offer_model(BARNUM, taken, period, TODAY, Calendar())
    assert offered.free == 1
    assert offered.reasons == ()
    assert offered.bookable


def test_notice_length_and_closed_days_say_why_in_french() -> None:
    soon = Period(starts_on=date(2027, 3, 20), ends_on=date(2027, 3, 26))
    assert offer_model(BARNUM, [], soon, TODAY, Calendar()).reasons == (
        "Trop tôt : au moins 21 jours avant",
        "Prêté 4 jours au plus",
    )
    far = Period(starts_on=date(2027, 7, 1), ends_on=date(2027, 7, 1))
    assert offer_model(BARNUM, [], far, TODAY, Calendar()).reasons == (
        "Trop loin : au plus 92 jours avant",
    )
    city = Calendar([ClosedDay(day=date(2027, 5, 7), reason="Pont de l'Ascension")])
    bridge = Period(starts_on=date(2027, 5, 5), ends_on=date(2027, 5, 7))
    offered = offer_model(BARNUM, [], bridge, TODAY, city)
    assert offered.reasons == ("Retour impossible le 07/05/2027 (Fermeture : Pont de l'Ascension)",)
    assert not offered.bookable
    assert closed_in(city, bridge) == [
        (date(2027, 5, 6), "Jour férié : Ascension"),
        (date(2027, 5, 7), "Fermeture : Pont de l'Ascension"),
    ]


def test_a_room_lists_each_half_day_free_or_why_not() -> None:
    saturday = date(2027, 4, 10)
    period = Period(starts_on=saturday, ends_on=date(2027, 4, 11), first_half=Half.MORNING)
    taken = [Allocation(loan_id="x", quantity=1, first=morning(saturday), last=morning(saturday))]
    offered = offer_room(ROOM, taken, period, TODAY, Calendar())
    assert [(h.slot.day, h.slot.half, h.why_not) for h in offered.half_days] == [
        (saturday, Half.MORNING, "Déjà réservée"),
        (saturday, Half.AFTERNOON, "Salle fermée"),
        (date(2027, 4, 11), Half.MORNING, "Dimanche"),
        (date(2027, 4, 11), Half.AFTERNOON, "Dimanche"),
    ]
    assert offered.free == 0
    free = offer_room(ROOM, [], Period(starts_on=saturday, ends_on=saturday,
                                       last_half=Half.MORNING), TODAY, Calendar())  # fmt: skip
    assert free.bookable
