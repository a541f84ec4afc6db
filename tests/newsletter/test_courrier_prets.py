"""The lending mails (``pret-*``, asked for by the ressources service): rendered in French
with the facts given and nothing else, bad parameters and the wrong kind of recipient
refused. Rendering and rules only; the real path is in test_courrier_prets_path.py."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.newsletter.lending_support import (
    CITY_LINK,
    MINE,
    NAME,
    PERIOD,
    PLACE,
    VALID,
)
from vieasso.common.courrier import build_request
from vieasso.common.messages.courrier import (
    AUDIENCE,
    CourrierFailed,
    Recipient,
    Template,
    ToAssociation,
    ToCity,
)
from vieasso.common.messages.courrier_prets import PretDecisionParams
from vieasso.newsletter.adapters.courrier_rendering import CourrierMail, CourrierRenderer
from vieasso.newsletter.domain import courrier as rules
from vieasso.newsletter.handlers.courrier_city import greeted, samples

LENDING = [t for t in Template if t.value.startswith("pret-")]
SITE = "vie-associative.besancon.fr"
SATURDAY, SUNDAY = "samedi 12 juin 2027", "dimanche 13 juin 2027"
FACTS: dict[Template, list[str]] = {
    Template.PRET_DEMANDE: [
        f"L’association « {NAME} » (les-amis-de-battant) demande un prêt du {SATURDAY} au "
        f"{SUNDAY}", "2 × Barnum 3×3 m", "40 × Chaise pliante",
        "Chevauche un événement municipal : Braderie de Battant", CITY_LINK,
    ],
    Template.PRET_DECISION: [
        f"accorde en partie votre demande de prêt du {SATURDAY} au {SUNDAY}",
        "Un seul barnum est libre ce week-end.", f"le {SATURDAY}", PLACE,
        "Retour :", f"le {SUNDAY}", "Caution à apporter :", "1\u202f500\u00a0€", MINE,
    ],
    Template.PRET_RAPPEL_RETRAIT: [
        f"Votre prêt est à retirer le {SATURDAY}, de 8 h à 11 h 30.", PLACE,
        "une caution de 300\u00a0€", "2 × Barnum 3×3 m", "40 × Chaise pliante", MINE,
    ],
    Template.PRET_RAPPEL_RETOUR: [
        f"Votre prêt est à rendre le {SUNDAY}.", PLACE, "2 × Barnum 3×3 m",
        "Barnums secs et repliés dans leur housse.",
    ],
    Template.PRET_RETARD: [
        f"Votre prêt devait être rendu le {SUNDAY}", "2 × Barnum 3×3 m",
        "Rapportez le matériel dès lundi.", "Pour en parler : Service des prêts, 03 81 00 00 00",
        MINE,
    ],
    Template.PRET_ANNULE: [
        f"L’association « {NAME} » (les-amis-de-battant) a annulé son prêt du {SATURDAY} au "
        f"{SUNDAY}", "de nouveau disponibles", "40 × Chaise pliante", "La fête est reportée.",
        CITY_LINK,
    ],
}  # fmt: skip
SUBJECTS = {
    Template.PRET_DEMANDE: f"Nouvelle demande de prêt : {NAME}",
    Template.PRET_DECISION: "Réponse à votre demande de prêt : accordée en partie",
    Template.PRET_RAPPEL_RETRAIT: "Rappel : retrait de votre prêt",
    Template.PRET_RAPPEL_RETOUR: "Rappel : retour de votre prêt",
    Template.PRET_RETARD: "Votre prêt n’a pas été rendu à la date prévue",
    Template.PRET_ANNULE: f"Prêt annulé par l’association : {NAME}",
}
URL = re.compile(r"https?://[^\s<>\"']+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w")
HREF = re.compile(r'href="([^"]+)"')
XHTML = "http://www.w3.org/1999/xhtml"  # the compiled MJML's namespace


def render(template: Template, params: dict[str, Any]) -> CourrierMail:
    renderer = CourrierRenderer(zone=ZoneInfo("Europe/Paris"), site=SITE)
    return renderer.render(template, rules.params_of(template, params), greeted(template))


def test_every_lending_template_is_tested_and_bound_to_one_kind_of_recipient() -> None:
    assert set(VALID) == set(FACTS) == set(SUBJECTS) == set(LENDING)
    assert {t for t in LENDING if AUDIENCE[t] is ToCity} == {
        Template.PRET_DEMANDE,
        Template.PRET_ANNULE,
    }
    assert {t for t in LENDING if AUDIENCE[t] is ToAssociation} == set(LENDING) - {
        Template.PRET_DEMANDE,
        Template.PRET_ANNULE,
    }


@pytest.mark.parametrize("template", LENDING, ids=str)
def test_each_lending_mail_says_its_facts_in_french_in_both_parts(template: Template) -> None:
    mail = render(template, VALID[template])

    assert mail.subject == SUBJECTS[template]
    greeting = "Bonjour," if AUDIENCE[template] is ToCity else f"Bonjour {NAME},"
    for part in (mail.text, mail.html):
        assert greeting in part
        assert "<mj-" not in part
        assert "{{" not in part
    for fact in FACTS[template]:
        assert fact in mail.text, fact
        assert html.escape(fact) in mail.html, fact
    assert "<" not in mail.text  # a real plain-text part, not HTML
    for link in {u for u in FACTS[template] if u.startswith("https://")}:
        assert f'href="{link}"' in mail.html


@pytest.mark.parametrize("template", LENDING, ids=str)
def test_a_mail_shows_no_address_nor_link_but_those_given(template: Template) -> None:
    """Places, contacts and links come from the request: the templates add none (the
    site's name in the footer aside), and no email address at all."""
    params = VALID[template]
    given = {v for v in params.values() if isinstance(v, str) and v.startswith("https://")}
    mail = render(template, params)

    assert set(URL.findall(mail.text)) == given
    shown = {html.unescape(u) for u in URL.findall(mail.html)} - {XHTML}
    assert shown == {html.unescape(u) for u in HREF.findall(mail.html)} == given
    assert not EMAIL.search(mail.text + mail.html)


def test_the_decision_reads_right_for_approved_refused_and_delivered() -> None:
    approved = render(
        Template.PRET_DECISION,
        {**VALID[Template.PRET_DECISION], "decision": "accordee", "reason": None,
         "handover": "livraison",
         "lines": [{"label": "Barnum 3×3 m", "requested": 2, "granted": 2}]},
    )  # fmt: skip
    assert approved.subject == "Réponse à votre demande de prêt : accordée"
    assert f"La Ville de Besançon accorde votre demande de prêt du {SATURDAY}" in approved.text
    assert "- 2 × Barnum 3×3 m" in approved.text
    assert f"Livraison par les agents de la Ville : le {SATURDAY}" in approved.text
    assert f"Lieu de livraison : {PLACE}" in approved.text
    assert "Raison" not in approved.text

    refused = render(
        Template.PRET_DECISION,
        {**PERIOD, "decision": "refusee", "reason": "Stock réservé pour la Fête de la musique.",
         "lines": [{"label": "Barnum 3×3 m", "requested": 2, "granted": 0}], "link": MINE},
    )  # fmt: skip
    assert refused.subject == "Réponse à votre demande de prêt : refusée"
    assert "ne peut pas accorder votre demande de prêt" in refused.text
    assert "- Barnum 3×3 m : quantité demandée : 2 ; accordée : aucune" in refused.text
    assert "Stock réservé pour la Fête de la musique." in refused.text
    for absent in ("Retrait", "Lieu", "Caution"):
        assert absent not in refused.text
        assert absent not in refused.html


def test_a_one_day_loan_and_a_delivery_reminder_read_right() -> None:
    one_day = {**VALID[Template.PRET_DEMANDE], "ends_on": PERIOD["starts_on"], "warnings": []}
    mail = render(Template.PRET_DEMANDE, one_day)
    assert f"demande un prêt le {SATURDAY} :" in mail.text
    assert "À examiner" not in mail.text

    delivered = {**VALID[Template.PRET_RAPPEL_RETRAIT], "handover": "livraison", "hours": None}
    mail = render(Template.PRET_RAPPEL_RETRAIT, delivered)
    assert f"Les agents de la Ville livrent votre prêt le {SATURDAY}." in mail.text
    assert f"Lieu de livraison : {PLACE}" in mail.text


def test_what_the_services_write_is_escaped_in_the_html() -> None:
    hostile = '<b>Grilles</b> & "co"'
    params = {
        **VALID[Template.PRET_ANNULE],
        "association_name": hostile,
        "lines": [{"label": hostile, "quantity": 1}],
        "reason": "<script>x</script>\nfin",
    }
    mail = render(Template.PRET_ANNULE, params)
    assert "<b>" not in mail.html
    assert "<script>" not in mail.html
    assert "&lt;b&gt;Grilles&lt;/b&gt; &amp; &#34;co&#34;" in mail.html
    assert "&lt;script&gt;x&lt;/script&gt;<br />fin" in mail.html
    assert f"1 × {hostile}" in mail.text


def _with(template: Template, **changes: Any) -> tuple[Template, dict[str, Any]]:
    return template, {**VALID[template], **changes}


def _lines(n: int) -> list[dict[str, Any]]:
    return [{"label": f"Grille {i}", "quantity": 1} for i in range(n)]


D, R = Template.PRET_DECISION, Template.PRET_DEMANDE
BAD = [
    (*_with(D, lines=[{"label": "Barnum", "requested": 1, "granted": 2}]), "lines.0: "),
    (*_with(D, decision="refusee", lines=[{"label": "B", "requested": 1, "granted": 0}],
            reason=None), "a reason is required when the decision is refusee"),
    (*_with(D, reason=None), "a reason is required when the decision is accordee-en-partie"),
    (*_with(D, decision="accordee"), "do not match the decision accordee"),
    (*_with(D, decision="refusee"), "do not match the decision refusee"),
    (*_with(D, lines=[{"label": "B", "requested": 2, "granted": 0}]),
     "do not match the decision accordee-en-partie"),
    (*_with(D, place=None), "place and handover are required unless refused"),
    (*_with(D, decision="peut-etre"), "decision: "),
    (*_with(D, deposit_eur=-1), "deposit_eur: "),
    (*_with(R, lines=_lines(51)), "lines: "),
    (*_with(R, lines=[]), "lines: "),
    (*_with(R, ends_on="2027-06-11"), "ends_on is before starts_on"),
    (*_with(R, lines=[{"label": "Barnum\r\nBcc: x", "quantity": 1}]), "lines.0.label: "),
    (*_with(R, lines=[{"label": "Barnum", "quantity": 0}]), "lines.0.quantity: "),
    (*_with(R, link="javascript:alert(1)"), "link: "),
    (*_with(R, warnings=["Attention"] * 11), "warnings: "),
    (*_with(R, association_slug="Les Amis"), "association_slug: "),
    (*_with(R, association_name=""), "association_name: "),
    (*_with(R, email="camille@amis.example"), "email: Extra inputs are not permitted"),
    (*_with(Template.PRET_RAPPEL_RETRAIT, handover="drone"), "handover: "),
    (*_with(Template.PRET_RAPPEL_RETOUR, return_on="2027-06-13T10:00:00"), "return_on: "),
    (*_with(Template.PRET_RAPPEL_RETOUR, return_on="demain"), "return_on: "),
    (*_with(Template.PRET_RETARD, contact="prets@besancon.example"), "no email address"),
    (*_with(Template.PRET_ANNULE, reason="Annulé\x07"), "reason: "),
]  # fmt: skip


@pytest.mark.parametrize(("template", "params", "expected"), BAD)
def test_bad_lending_parameters_are_refused_with_the_field_named(
    template: Template, params: dict[str, Any], expected: str
) -> None:
    with pytest.raises(rules.Refused) as refused:
        rules.params_of(template, params)
    reason = str(refused.value)
    assert reason.startswith(f"bad parameters for template '{template.value}': ")
    assert expected in reason
    with pytest.raises(ValueError, match="validation error"):  # and before publishing
        build_request("ressources", key="k", to=to_of(template), template=template, params=params)


def to_of(template: Template) -> Recipient:
    if AUDIENCE[template] is ToCity:
        return ToCity(city="prets")
    return ToAssociation(association="les-amis-de-battant")


@pytest.mark.parametrize("template", LENDING, ids=str)
def test_a_lending_mail_to_the_wrong_kind_of_recipient_is_refused(template: Template) -> None:
    wrong: Recipient = (
        ToAssociation(association="les-amis")
        if isinstance(to_of(template), ToCity)
        else ToCity(city="prets")
    )
    kind = "a city team" if AUDIENCE[template] is ToCity else "an association"
    with pytest.raises(rules.Refused, match=f"'{template.value}' is written for {kind}"):
        rules.check_recipient(template, wrong)
    with pytest.raises(ValueError, match="is written for"):
        build_request("ressources", key="k", to=wrong, template=template, params=VALID[template])
    rules.check_recipient(template, to_of(template))
    request = build_request(
        "ressources", key="k", to=to_of(template), template=template, params=VALID[template]
    )
    assert request.template == template.value


@pytest.mark.parametrize("template", LENDING, ids=str)
def test_a_refusal_quoting_hostile_lending_parameters_is_a_valid_outcome_reason(
    template: Template,
) -> None:
    with pytest.raises(rules.Refused) as refused:
        rules.params_of(template, {**VALID[template], "x\u2028\x1b[31m": "<script>"})
    failed = CourrierFailed(
        message_id=rules.outcome_id("fuzz", "k", sent=False),
        key="k",
        to=to_of(template),
        template=template.value,
        reason=rules.scrubbed(str(refused.value)),
    )
    assert f"bad parameters for template '{template.value}'" in failed.reason


def test_the_previews_samples_are_valid_and_dated_ahead() -> None:
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    found = samples(now, lambda service: f"https://{service}.exemple.fr")
    assert set(found) == set(Template)
    decision = rules.params_of(Template.PRET_DECISION, found[Template.PRET_DECISION])
    assert isinstance(decision, PretDecisionParams)
    assert decision.starts_on >= date(2027, 1, 4)  # four weeks ahead
    assert decision.starts_on.weekday() == 5  # a Saturday
    for template in LENDING:
        render(template, found[template])
