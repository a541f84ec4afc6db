"""Use cases of an association's file (`aides_follows`): its answers to the matching
questions, and the aids it follows (for the deadline calendar and the alerts).

Each change re-reads the record from the server and writes it by compare-and-set; when
another writer (the same association in another tab) got there first, it reads again and
re-applies the change, a few times.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from vieasso.aides.adapters.bucket import WatchedBucket
from vieasso.aides.domain.errors import InvalidInput, SchemeNotFound, StaleRecord, field_error
from vieasso.aides.domain.follows import MAX_FOLLOWS, Answers, AssociationFile, Follow
from vieasso.common.clock import Clock
from vieasso.common.validation import french_errors

ATTEMPTS = 5


async def change_file(
    files: WatchedBucket[AssociationFile],
    clock: Clock,
    slug: str,
    change: Callable[[AssociationFile], AssociationFile],
) -> AssociationFile:
    """Apply `change` to the association's file (a blank one if it has none) and store it."""
    for _ in range(ATTEMPTS):
        current = await files.fetch(slug)
        before = current.value if current else AssociationFile(slug=slug, updated_at=clock.now())
        after = change(before)
        if current is not None and after == before:
            return before
        after = after.model_copy(update={"updated_at": clock.now()})
        try:
            await files.write(slug, after, last=current.revision if current else None)
        except StaleRecord:
            continue
        return after
    raise StaleRecord()


async def save_answers(
    files: WatchedBucket[AssociationFile], clock: Clock, slug: str, data: Mapping[str, Any]
) -> AssociationFile:
    """Replace the answers; `InvalidInput` with per-field French errors, nothing stored."""
    try:
        answers = Answers.model_validate(data)
    except ValidationError as exc:
        errors = french_errors(exc)
        raise InvalidInput(
            [e if e.field != "__root__" else field_error("project_end", e.message, e.code)
             for e in errors]
        ) from exc  # fmt: skip
    return await change_file(
        files, clock, slug, lambda f: f.model_copy(update={"answers": answers})
    )


async def follow(
    files: WatchedBucket[AssociationFile],
    clock: Clock,
    slug: str,
    scheme_id: str,
    known: Callable[[str], bool],
) -> AssociationFile:
    """Follow a published scheme (again: nothing changes)."""
    if not known(scheme_id):
        raise SchemeNotFound()

    def add(file: AssociationFile) -> AssociationFile:
        if file.follows_scheme(scheme_id):
            return file
        if len(file.follows) >= MAX_FOLLOWS:
            message = f"Vous suivez déjà {MAX_FOLLOWS} aides : cessez d'en suivre une d'abord."
            raise InvalidInput([field_error("scheme_id", message, "too_many")])
        return file.model_copy(
            update={"follows": (*file.follows, Follow(scheme_id=scheme_id, since=clock.now()))}
        )

    return await change_file(files, clock, slug, add)


async def unfollow(
    files: WatchedBucket[AssociationFile], clock: Clock, slug: str, scheme_id: str
) -> AssociationFile:
    def remove(file: AssociationFile) -> AssociationFile:
        kept = tuple(f for f in file.follows if f.scheme_id != scheme_id)
        return file.model_copy(update={"follows": kept})

    return await change_file(files, clock, slug, remove)
