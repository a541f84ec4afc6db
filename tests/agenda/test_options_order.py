"""The pages' choice lists are a function of the options, not of the order a process holds
them in (issue 18): two venues or associations of one name keep one order on every replica."""

from __future__ import annotations

from vieasso.agenda.adapters.labels import by_label


def test_options_of_one_label_are_ordered_by_code_whatever_order_they_come_in() -> None:
    options = [("salle-b", "Salle"), ("atelier", "Atelier"), ("salle-a", "Salle")]
    expected = [("atelier", "Atelier"), ("salle-a", "Salle"), ("salle-b", "Salle")]
    assert by_label(options) == expected
    assert by_label(reversed(options)) == expected
    named = [("club-2", "club d'échecs"), ("club-1", "Club d'échecs")]
    assert by_label(named, casefold=True) == by_label(reversed(named), casefold=True)
    assert [code for code, _ in by_label(named, casefold=True)] == ["club-1", "club-2"]
