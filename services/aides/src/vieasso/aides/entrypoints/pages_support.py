"""What the aides' pages share: templates on the common layout, French labels, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vieasso.aides.adapters.bucket import WatchedBucket
from vieasso.aides.config import AidesSettings
from vieasso.aides.domain.awards import Award
from vieasso.aides.domain.follows import AssociationFile, BudgetBand
from vieasso.aides.domain.schemes import AidKind, SchemeState, StaffRule
from vieasso.aides.entrypoints.scheme_view import MONTH_NAMES
from vieasso.aides.handlers.schemes import Schemes
from vieasso.common.clock import Clock
from vieasso.common.directory import DirectoryView
from vieasso.common.web import Kind, Sessions, page_templates, site_urls
from vieasso.common.web.pages import PageRenderer

PACKAGE = Path(__file__).resolve().parent.parent
CITY = "/espace-ville/aides"
ASSOCIATION = "/espace-association/aides"
KINDS = {
    AidKind.OPERATING_GRANT.value: "Subvention de fonctionnement",
    AidKind.PROJECT_GRANT.value: "Aide au projet",
    AidKind.CALL_FOR_PROJECTS.value: "Appel à projets",
    AidKind.PREMISES_OR_EQUIPMENT.value: "Prêt de salle ou de matériel",
    AidKind.IN_KIND.value: "Aide en nature",
    AidKind.SUPPORT.value: "Accompagnement",
}
STAFF = {
    StaffRule.ANY.value: "Employeuses ou non",
    StaffRule.EMPLOYER.value: "Associations employeuses seulement",
    StaffRule.NON_EMPLOYER.value: "Associations sans salarié seulement",
}
STATES = {
    SchemeState.DRAFT.value: "Brouillon",
    SchemeState.PUBLISHED.value: "Publié",
    SchemeState.WITHDRAWN.value: "Retiré",
}
BUDGETS = {
    BudgetBand.UNDER_10K.value: "Moins de 10 000 €",
    BudgetBand.FROM_10K_TO_50K.value: "De 10 000 à 50 000 €",
    BudgetBand.FROM_50K_TO_200K.value: "De 50 000 à 200 000 €",
    BudgetBand.OVER_200K.value: "Plus de 200 000 €",
}
MONTHS = {str(n): name for n, name in enumerate(MONTH_NAMES, start=1)}


class PageSource(Protocol):
    @property
    def settings(self) -> AidesSettings: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def directory(self) -> DirectoryView: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def follows(self) -> WatchedBucket[AssociationFile]: ...

    @property
    def awards(self) -> WatchedBucket[Award]: ...

    def schemes(self) -> Schemes: ...


class Pages(PageRenderer):
    MESSAGE = "aides_message.html.j2"

    def __init__(self, source: PageSource) -> None:
        self.source = source
        self.templates = page_templates(PACKAGE, source.settings)
        self.templates.env.globals.update(
            kinds=KINDS, staff=STAFF, states=STATES, budgets=BUDGETS, months=MONTHS,
            city_space=CITY, association_space=ASSOCIATION,
        )  # fmt: skip
        annuaire = site_urls(source.settings).annuaire
        self.city_sign_in = f"{annuaire}/espace-ville/connexion"
        self.association_sign_in = f"{annuaire}/espace-association/connexion"

    def theme_labels(self) -> dict[str, str]:
        return {t.code: t.label for t in self.source.directory.themes()}

    def quartier_labels(self) -> dict[str, str]:
        return {q.code: q.label for q in self.source.directory.quartiers()}

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any],
        *,
        status: int = 200,
        private: bool = False,
    ) -> HTMLResponse:
        context = {"theme_labels": self.theme_labels(), **context}
        context.setdefault("quartier_labels", self.quartier_labels())
        return super().render(request, name, context, status=status, private=private)

    async def refused(self, request: Request) -> Response | None:
        """None for the city's staff; otherwise the sign-in page (GET) or a refusal."""
        sessions = self.source.sessions
        if await sessions.city(request):
            return None
        cookie = sessions.has_cookie(request, Kind.CITY)
        if not cookie and request.method == "GET":
            return RedirectResponse(self.city_sign_in, status_code=303)
        text = "Cette page est réservée au Service Vie associative de la Ville."
        link = (self.city_sign_in, "Se connecter")
        return self.message(request, 403 if cookie else 401, "Accès réservé", text, link=link)

    async def association(self, request: Request) -> str | Response:
        """The signed-in association's slug; otherwise the sign-in page or a refusal."""
        slug = await self.source.sessions.association(request)
        if slug is not None:
            return slug
        if request.method == "GET":
            return RedirectResponse(self.association_sign_in, status_code=303)
        text = "Connectez-vous à l'espace association, puis revenez sur cette page."
        link = (self.association_sign_in, "Se connecter")
        return self.message(request, 401, "Connexion nécessaire", text, link=link)
