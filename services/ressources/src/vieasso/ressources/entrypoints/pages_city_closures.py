"""The city's own closed days (`/espace-ville/fermetures`): one line per day, « AAAA-MM-JJ
motif »; public holidays and Sundays need no line (`domain/calendar.py`)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from vieasso.common.http.limits import bounded_form
from vieasso.ressources.domain.catalogue_errors import InvalidEntry
from vieasso.ressources.entrypoints.pages_support import Pages
from vieasso.ressources.handlers.catalogue import set_closures

PATH = "/espace-ville/fermetures"
SAVED = "Les jours de fermeture sont enregistrés."


def parse_lines(text: str) -> tuple[list[dict[str, str]], list[str]]:
    """The days typed, and a French message per line that is not « AAAA-MM-JJ motif »."""
    days: list[dict[str, str]] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        day, _, reason = line.strip().partition(" ")
        try:
            date.fromisoformat(day)
        except ValueError:
            errors.append(f"Ligne {number} : la date doit s'écrire AAAA-MM-JJ (« {day} »).")
            continue
        if not reason.strip():
            errors.append(f"Ligne {number} : indiquez le motif après la date.")
            continue
        days.append({"day": day, "reason": reason.strip()})
    return days, errors


def build_router(pages: Pages) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    source = pages.source

    def page(request: Request, text: str, error: str, status: int, notice: str | None) -> Response:
        cat = source.catalogue()
        context = {
            "text": text,
            "errors": {"jours": error} if error else {},
            "notice": notice,
            "closed": pages.closed_days(cat),
        }
        return pages.render(
            request, "catalogue_fermetures.html.j2", context, status=status, private=True
        )

    @router.get(PATH)
    async def closures(request: Request, ok: str = "") -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        found = source.catalogue().store.closures()
        lines = [f"{c.day.isoformat()} {c.reason}" for c in (found.value.days if found else ())]
        return page(request, "\n".join(lines), "", 200, SAVED if ok else None)

    @router.post(PATH)
    async def save(request: Request) -> Response:
        if (refusal := await pages.refused(request)) is not None:
            return refusal
        text = str((await bounded_form(request)).get("jours", ""))
        days, errors = parse_lines(text)
        if not errors:
            try:
                await set_closures(source.catalogue(), days)
            except InvalidEntry as exc:
                errors = [e.message for e in exc.errors]
        if errors:
            return page(request, text, " ".join(errors), 422, None)
        return RedirectResponse(f"{PATH}?ok=1", status_code=303)

    return router
