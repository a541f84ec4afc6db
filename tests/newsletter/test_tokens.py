"""Signed tokens: single purpose, tamper-evident, expiring where it makes sense."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vieasso.newsletter.domain.tokens import InvalidToken, Purpose, claims, sign, verify

SECRET = b"test-secret"
NOW = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


def test_token_gives_back_its_subscriber() -> None:
    token = sign(SECRET, Purpose.MANAGE, "abc123", NOW + timedelta(days=1))
    assert verify(SECRET, token, Purpose.MANAGE, NOW) == "abc123"


def test_token_for_one_purpose_is_refused_for_another() -> None:
    token = sign(SECRET, Purpose.UNSUBSCRIBE, "abc123", None)
    with pytest.raises(InvalidToken):
        verify(SECRET, token, Purpose.MANAGE, NOW)


def test_tampered_or_foreign_token_is_refused() -> None:
    token = sign(SECRET, Purpose.MANAGE, "abc123", None)
    forged = sign(b"other-secret", Purpose.MANAGE, "abc123", None)
    payload, _, signature = token.partition(".")
    for bad in (forged, payload + "." + signature[::-1], "x.y", "", "...."):
        with pytest.raises(InvalidToken):
            verify(SECRET, bad, Purpose.MANAGE, NOW)


def test_confirmation_token_expires_but_unsubscribe_token_does_not() -> None:
    confirm = sign(SECRET, Purpose.CONFIRM, "abc123", NOW + timedelta(hours=72))
    unsubscribe = sign(SECRET, Purpose.UNSUBSCRIBE, "abc123", None)
    later = NOW + timedelta(days=4000)
    with pytest.raises(InvalidToken):
        verify(SECRET, confirm, Purpose.CONFIRM, later)
    assert verify(SECRET, unsubscribe, Purpose.UNSUBSCRIBE, later) == "abc123"


def test_confirmation_token_carries_the_generation_it_was_mailed_at() -> None:
    token = sign(SECRET, Purpose.CONFIRM, "abc123", NOW + timedelta(hours=1), generation=3)
    assert claims(SECRET, token, Purpose.CONFIRM, NOW) == ("abc123", 3)
    assert verify(SECRET, token, Purpose.CONFIRM, NOW) == "abc123"
    without = sign(SECRET, Purpose.CONFIRM, "abc123", NOW + timedelta(hours=1))
    assert claims(SECRET, without, Purpose.CONFIRM, NOW) == ("abc123", 0)  # made before
