"""What the newsletter's pages share: the templates (the common layout), rendering, and the
subscription form's fields in and out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from vieasso.common.web import page_templates
from vieasso.newsletter.config import NewsletterSettings
from vieasso.newsletter.domain.subscriber import ALL_TOPICS, Preferences
from vieasso.newsletter.entrypoints.deps import form
from vieasso.newsletter.service import Newsletter

PACKAGE = Path(__file__).resolve().parents[1]  # holds templates/
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
TOPIC_LABELS = {
    "associations": "Les nouvelles associations",
    "missions": "Les missions de bénévolat",
    "evenements": "Les événements à venir",
}
NO_TOPIC = "Cochez au moins un sujet."
BAD_LINK = ["Ce lien n’est pas valide ou a expiré.", "Vous pouvez vous abonner à nouveau."]

Form = Annotated[dict[str, list[str]], Depends(form)]


def templates_for(settings: NewsletterSettings) -> Jinja2Templates:
    return page_templates(PACKAGE, settings)


def render(request: Request, name: str, status: int = 200, **data: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.pages
    response = templates.TemplateResponse(request, name, data, status_code=status)
    response.headers.update(NO_STORE)
    return response


def message(
    request: Request,
    title: str,
    *lines: str,
    status: int = 200,
    link: tuple[str, str] | None = None,
) -> HTMLResponse:
    """A page of a few paragraphs, and optionally one link (href, text) after them."""
    return render(request, "message.html.j2", status, title=title, paragraphs=lines, link=link)


def first(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


def chosen_from(fields: dict[str, list[str]]) -> dict[str, Any]:
    """What was ticked, as typed (kept on a refused form)."""
    return {
        "topics": fields.get("topics", []),
        "themes": fields.get("themes", []),
        "quartiers": fields.get("quartiers", []),
        "frequency": first(fields, "frequency") or "hebdomadaire",
    }


def chosen_of(preferences: Preferences) -> dict[str, Any]:
    return {
        "topics": [t.value for t in preferences.topics],
        "themes": list(preferences.themes),
        "quartiers": list(preferences.quartiers),
        "frequency": preferences.frequency.value,
    }


def choices(service: Newsletter, chosen: dict[str, Any]) -> dict[str, Any]:
    """The template data of the choices (`_choices.html.j2`)."""
    return {
        "topic_choices": [(t.value, TOPIC_LABELS[t.value]) for t in ALL_TOPICS],
        "themes": sorted(service.themes.items(), key=lambda kv: (kv[1], kv[0])),
        "quartiers": sorted(service.quartiers.items(), key=lambda kv: (kv[1], kv[0])),
        "chosen": chosen,
    }


def preferences_from(
    service: Newsletter, fields: dict[str, list[str]]
) -> tuple[Preferences | None, dict[str, str]]:
    """The preferences of a form, or None and the French message of each wrong field."""
    errors: dict[str, str] = {}
    themes = sorted(set(fields.get("themes", [])))
    quartiers = sorted(set(fields.get("quartiers", [])))
    unknown = [c for c in themes if c not in service.themes]
    if unknown:
        errors["themes"] = "Thème inconnu : " + ", ".join(unknown)
    unknown = [c for c in quartiers if c not in service.quartiers]
    if unknown:
        errors["quartiers"] = "Quartier inconnu : " + ", ".join(unknown)
    try:
        preferences = Preferences.model_validate(
            {
                "themes": themes,
                "quartiers": quartiers,
                "topics": [t for t in ALL_TOPICS if t.value in fields.get("topics", [])],
                "frequency": first(fields, "frequency") or "hebdomadaire",
            }
        )
    except ValidationError as exc:
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "topics"
            errors.setdefault(field, NO_TOPIC if field == "topics" else "Choix invalide.")
        return None, errors
    return (None if errors else preferences), errors
