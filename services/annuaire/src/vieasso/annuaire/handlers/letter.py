"""The association's choice about the associations' letter, made in its space."""

from __future__ import annotations

from vieasso.annuaire.adapters.letter import FORM_VERSION
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.courrier import LetterChoice
from vieasso.common.subjects import LetterChange, letter_choice


async def choose_letter(app: Annuaire, slug: str, *, subscribed: bool) -> None:
    """Record the choice as a fact the newsletter consumes (when, from where, which form)."""
    change = LetterChange.SUBSCRIBED if subscribed else LetterChange.UNSUBSCRIBED
    fact = LetterChoice(
        occurred_at=app.clock.now(),
        association=slug,
        subscribed=subscribed,
        source="espace-association",
        form_version=FORM_VERSION,
    )
    await app.publish(letter_choice(slug, change), fact)
