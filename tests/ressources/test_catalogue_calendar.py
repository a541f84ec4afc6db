"""Closed days: French public holidays from the `holidays` library, Sundays, and the city's
own closed days."""

from __future__ import annotations

from datetime import date

from vieasso.ressources.domain.calendar import Calendar, ClosedDay


def test_easter_monday_and_bastille_day_2027_are_closed_a_plain_tuesday_is_open() -> None:
    calendar = Calendar()
    assert calendar.closed(date(2027, 3, 29))
    assert calendar.reason(date(2027, 3, 29)) == "Jour férié : Lundi de Pâques"
    assert calendar.reason(date(2027, 7, 14)) == "Jour férié : Fête nationale"
    assert not calendar.closed(date(2027, 3, 30))  # Tuesday after Easter Monday
    assert calendar.reason(date(2027, 3, 30)) is None


def test_sundays_and_the_city_s_own_days_are_closed() -> None:
    bridge = ClosedDay(day=date(2027, 5, 7), reason="Pont de l'Ascension")
    calendar = Calendar([bridge])
    assert calendar.reason(date(2027, 3, 28)) == "Dimanche"
    assert calendar.reason(date(2027, 5, 7)) == "Fermeture : Pont de l'Ascension"
    assert not Calendar().closed(date(2027, 5, 7))


def test_upcoming_lists_holidays_and_closures_in_order_without_the_sundays() -> None:
    bridge = ClosedDay(day=date(2027, 5, 7), reason="Pont de l'Ascension")
    upcoming = Calendar([bridge]).upcoming(date(2027, 3, 15), limit=5)
    assert [(c.day, c.reason) for c in upcoming] == [
        (date(2027, 3, 29), "Jour férié : Lundi de Pâques"),
        (date(2027, 5, 1), "Jour férié : Fête du Travail"),
        (date(2027, 5, 6), "Jour férié : Ascension"),
        (date(2027, 5, 7), "Fermeture : Pont de l'Ascension"),
        (date(2027, 5, 8), "Jour férié : Fête de la Victoire"),
    ]
