"""RGAA basics in the browser, on a few pages of each service: landmarks and `lang`, a label
for every field, a skip link first, and the keyboard alone reaches the page's main form with
the focus visible."""

from __future__ import annotations

import pytest

from tests.web.browser import Browser, Visitor, page_name
from tests.web.journey import city_signs_in
from tests.web.platform import WebPlatform

pytestmark = pytest.mark.e2e

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => !['hidden', 'submit', 'button', 'reset', 'image'].includes(e.type))
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML)"""
FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {id: e.id, text: (e.innerText || '').trim(), inMainForm: !!e.closest('main form'),
          outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0};
}"""
LANDMARKS = """() => ({lang: document.documentElement.lang,
  found: ['header', 'nav', 'main', 'footer'].filter(t => document.querySelector(t))})"""
# (service, path, whether its main content holds a form the keyboard must reach)
PAGES = [
    ("annuaire", "/", False),
    ("annuaire", "/associations", True),
    ("annuaire", "/associations/inscription", True),
    ("annuaire", "/espace-association/connexion", True),
    ("annuaire", "/espace-ville/connexion", True),
    ("agenda", "/agenda", True),
    ("ressources", "/entraide", True),
    ("newsletter", "/abonnement", True),
    ("newsletter", "/espace-ville/lettre", True),  # with the city's cookie
    ("agenda", "/ecrans/nouveau", True),  # the city's screen form, with its cookie
]
MAX_TABS = 8


def reach_main_form(visitor: Visitor) -> dict[str, object]:
    """Tab once (the skip link), follow it, then Tab until the focus is in main's form."""
    keyboard = visitor.page.keyboard
    keyboard.press("Tab")
    first = visitor.page.evaluate(FOCUSED)
    if first["text"] != "Aller au contenu":
        raise AssertionError(f"the first Tab stop is {first}, not the skip link")
    keyboard.press("Enter")
    if visitor.page.evaluate(FOCUSED)["id"] != "contenu":
        raise AssertionError("the skip link does not move the focus to <main>")
    for _ in range(MAX_TABS):
        keyboard.press("Tab")
        focused: dict[str, object] = visitor.page.evaluate(FOCUSED)
        if focused["inMainForm"]:
            return focused
    raise AssertionError(f"{visitor.page.url}: the main form is not reached in {MAX_TABS} Tabs")


def check_page(visitor: Visitor, url: str, has_form: bool) -> list[str]:
    """What is wrong with the page at `url` (nothing: an empty list)."""
    problems = []
    response = visitor.open(url)
    if response.status != 200:
        problems.append(f"status {response.status}")
    landmarks = visitor.page.evaluate(LANDMARKS)
    if landmarks != {"lang": "fr", "found": ["header", "nav", "main", "footer"]}:
        problems.append(f"landmarks {landmarks}")
    unlabelled = visitor.page.evaluate(UNLABELLED)
    if unlabelled:
        problems.append(f"fields without a label: {unlabelled}")
    if has_form:
        try:
            focused = reach_main_form(visitor)
        except AssertionError as error:
            problems.append(str(error))
        else:
            if not focused["outline"]:
                problems.append(f"no visible focus on {focused}")
            visitor.shot(f"{page_name(url)}-clavier")
    return problems


def test_pages_have_landmarks_labels_and_a_keyboard_path_to_their_form(
    web_platform: WebPlatform, browser: Browser
) -> None:
    visitor = browser.visitor("clavier")
    city_signs_in(visitor, web_platform)  # the city's pages are among them
    problems = {
        f"{service}{path}": found
        for service, path, has_form in PAGES
        if (found := check_page(visitor, f"{web_platform.url(service)}{path}", has_form))
    }
    assert problems == {}
