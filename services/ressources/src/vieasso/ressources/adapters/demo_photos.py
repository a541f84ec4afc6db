"""Photos of the demo catalogue, drawn with Pillow (no file shipped, nothing fetched): simple
pictures of a few models, each with its French description. The same drawing gives the same
bytes, so the same image id: loading the demo again stores nothing more."""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

SIZE = (960, 640)
SKY, GROUND, WHITE, GREY, DARK = "#cfe6f5", "#8fbf6a", "#fafafa", "#9aa3ab", "#3b4148"
Draw = ImageDraw.ImageDraw


def _barnum(d: Draw) -> None:
    for left in (120, 520):  # two tents side by side
        d.polygon([(left, 300), (left + 160, 180), (left + 320, 300)], fill=WHITE, outline=GREY)
        d.rectangle([left, 300, left + 320, 330], fill=WHITE, outline=GREY)
        for x in (left + 8, left + 312):
            d.rectangle([x - 5, 330, x + 5, 520], fill=GREY)


def _tables(d: Draw) -> None:
    for n, left in enumerate((90, 370, 650)):
        top = 380 + 20 * (n % 2)
        d.rectangle([left, top, left + 230, top + 18], fill="#d9c7a3", outline=DARK)
        for x in (left + 15, left + 205):
            d.line([(x, top + 18), (x + 10, top + 140)], fill=DARK, width=7)


def _sono(d: Draw) -> None:
    d.line([(480, 560), (480, 330)], fill=DARK, width=10)
    d.line([(400, 560), (480, 500), (560, 560)], fill=DARK, width=8)
    d.rounded_rectangle([390, 110, 570, 340], radius=18, fill=DARK)
    d.ellipse([430, 200, 530, 300], fill=GREY)
    d.ellipse([455, 130, 505, 180], fill=GREY)


def _grilles(d: Draw) -> None:
    for left in (100, 330, 560):
        d.rectangle([left, 170, left + 200, 500], outline=GREY, width=6)
        for x in range(left, left + 201, 25):
            d.line([(x, 170), (x, 500)], fill=GREY, width=2)
        for y in range(170, 501, 30):
            d.line([(left, y), (left + 200, y)], fill=GREY, width=2)
        d.rectangle([left + 40, 230, left + 160, 320], fill="#e8a33d")  # a poster on it
        d.rectangle([left - 10, 500, left + 210, 515], fill=DARK)


DRAWINGS: dict[str, tuple[Callable[[Draw], None], str]] = {
    "barnum-3x3": (_barnum, "Deux barnums blancs de 3 × 3 m montés sur une pelouse"),
    "table-pliante": (_tables, "Trois tables pliantes en bois dépliées sur l'herbe"),
    "sono-portable": (_sono, "Une enceinte noire posée sur un pied, sur une pelouse"),
    "grille-exposition": (
        _grilles,
        "Trois grilles d'exposition sur pieds, chacune avec une affiche orange",
    ),
}


def demo_photo(model_id: str) -> tuple[bytes, str] | None:
    """The PNG of a demo model and its description (None: that model has no photo)."""
    found = DRAWINGS.get(model_id)
    if found is None:
        return None
    draw, alt = found
    image = Image.new("RGB", SIZE, SKY)
    canvas = ImageDraw.Draw(image)
    canvas.rectangle([0, 440, SIZE[0], SIZE[1]], fill=GROUND)
    draw(canvas)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue(), alt
