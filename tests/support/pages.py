"""Checks every HTML page test makes: French, small, landmarks, a label for every input."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx

PAGE_BUDGET = 100_000  # bytes, before images (issue 7)
_UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.in_label = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if attributes.get("for"):
                self.label_for.add(str(attributes["for"]))
        elif tag in {"input", "select", "textarea"}:
            if tag == "input" and attributes.get("type") in _UNLABELLED_TYPES:
                return
            attributes["_wrapped"] = "1" if self.in_label else None
            self.controls.append((tag, attributes))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.in_label:
            self.in_label -= 1


def unlabelled_controls(html: str) -> list[str]:
    """Form controls with no `<label for>`, no wrapping `<label>` and no aria-label."""
    parser = _Inputs()
    parser.feed(html)
    return [
        f"<{tag} name={attrs.get('name')!r} id={attrs.get('id')!r}>"
        for tag, attrs in parser.controls
        if not attrs.get("_wrapped")
        and not attrs.get("aria-label")
        and attrs.get("id") not in parser.label_for
    ]


def assert_french_page(response: httpx.Response, status: int = 200) -> str:
    """The page answered `status` with French HTML on the shared layout, within budget, and
    every input has a label. Returns the HTML."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("text/html")
    assert len(response.content) < PAGE_BUDGET, f"{response.url}: {len(response.content)} bytes"
    html = response.text
    assert '<html lang="fr">' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html, landmark
    assert unlabelled_controls(html) == [], response.url
    return html


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def tags_and_text(html: str) -> tuple[set[str], str]:
    """The elements an HTML fragment opens and the text a reader of it sees."""
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return set(parser.tags), parser.text
