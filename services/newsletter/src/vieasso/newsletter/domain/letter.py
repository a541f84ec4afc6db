"""The associations' letter: which items of an edition each association gets.

Its sections, in the order mails list them (`EditionContent`):

- **new associations**: validated since the last letter and close to the recipient (a theme
  in common, or the same quartier), never the recipient itself;
- **entraide**: offers and needs of other associations published since the last letter and
  still open, for the associations that opted in, close to them (`entraide_close_to`);
- **events for associations** (audience `associations`: meetings, trainings, the Forum):
  every recipient gets them; among them, by date, the **deadlines of the aid schemes** in
  the coming 60 days that may suit the recipient (`aid_for`).

Extension points: the later issues' sections (aid-scheme deadlines from ``services/aides``,
offers and needs between associations from ``services/ressources``) each add a kind of
item to the index (`ContentIndex.letter_content`), a heading (`LETTER_HEADINGS`) and a rule
in `RULES` saying which associations get an item; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vieasso.newsletter.domain.content import EditionContent, Item
from vieasso.newsletter.domain.subscriber import Topic

ENTRAIDE = Topic.MISSIONS
"""The letter never carries volunteer missions (the residents' digest does): its second
section, in that slot, is the annonces between associations (ressources, issue 17)."""

LETTER_HEADINGS = {
    Topic.ASSOCIATIONS: "Nouvelles associations près de vous",
    ENTRAIDE: "Entraide : offres et besoins d’associations proches de vous",
    Topic.EVENEMENTS: "Rendez-vous et dates limites d’aides pour les associations",
}


@dataclass(frozen=True, slots=True)
class Profile:
    """What the letter knows of a recipient association (from the directory)."""

    slug: str
    themes: frozenset[str]
    quartier: str | None
    entraide: bool = False  # opted in to the annonces close to it
    employs_staff: bool | None = None


Rule = Callable[[Item, Profile], bool]


def close_to(item: Item, profile: Profile) -> bool:
    """A theme in common or the same quartier; an association is never told about itself."""
    if item.key == f"a:{profile.slug}":
        return False
    if item.themes & profile.themes:
        return True
    return profile.quartier is not None and item.quartier == profile.quartier


def entraide_close_to(item: Item, profile: Profile) -> bool:
    """Opted in, not its own annonce, a theme in common or the same quartier."""
    if not profile.entraide or item.key.startswith(f"n:{profile.slug}/"):
        return False
    return close_to(item, profile)


def aid_for(item: Item, profile: Profile) -> bool:
    """An aid's plain criteria, as the aides' matching reads them: a theme in common (or
    open to every theme), its quartier, employer or not. What the directory does not say
    is not held against the association (the aides service says « à vérifier »)."""
    if item.themes and profile.themes and not item.themes & profile.themes:
        return False
    if item.quartiers and profile.quartier and profile.quartier not in item.quartiers:
        return False
    staff, employs = item.employs_staff, profile.employs_staff
    return staff is None or employs is None or staff == employs


def for_associations(item: Item, profile: Profile) -> bool:
    """Events for associations: every recipient; aid deadlines: those the aid may suit."""
    return aid_for(item, profile) if item.key.startswith("d:") else True


RULES: dict[Topic, Rule] = {
    Topic.ASSOCIATIONS: close_to,
    ENTRAIDE: entraide_close_to,
    Topic.EVENEMENTS: for_associations,
}


class LetterSelector:
    """The indexes of the items an association gets (at most `max_per_section` a section);
    associations getting the same items share one tuple, counted once."""

    def __init__(self, content: EditionContent, max_per_section: int) -> None:
        self._content = content
        self._max = max_per_section
        self._distinct: dict[tuple[int, ...], tuple[int, ...]] = {}

    def select(self, profile: Profile) -> tuple[int, ...]:
        chosen: list[int] = []
        per_topic: dict[Topic, int] = dict.fromkeys(Topic, 0)
        for index, item in enumerate(self._content.items):
            rule = RULES.get(item.topic)
            if rule is None or per_topic[item.topic] >= self._max or not rule(item, profile):
                continue
            per_topic[item.topic] += 1
            chosen.append(index)
        key = tuple(chosen)
        return self._distinct.setdefault(key, key)

    @property
    def distinct_contents(self) -> int:
        return len([k for k in self._distinct if k])
