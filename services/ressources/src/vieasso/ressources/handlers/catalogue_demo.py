"""Loads the demo catalogue (`vieasso-ressources demo`): each entry created, updated or left
as it is, so that running it twice changes nothing; a room whose venue the directory does not
know (the annuaire has not seeded its reference venues yet) is refused and reported. A few
models get a drawn photo (`adapters.demo_photos`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from vieasso.common.messages.ressources import ResourceKind
from vieasso.ressources.adapters.demo_catalogue import MODELS, ROOMS
from vieasso.ressources.adapters.demo_photos import demo_photo
from vieasso.ressources.domain.catalogue_errors import InvalidEntry
from vieasso.ressources.handlers.catalogue import Catalogue, save_entry, upload_photo


@dataclass
class DemoReport:
    written: int = 0
    unchanged: int = 0
    refused: dict[str, str] = field(default_factory=dict)  # id → French reason


async def load_demo(cat: Catalogue) -> DemoReport:
    report = DemoReport()
    batches = ((ResourceKind.EQUIPMENT, MODELS), (ResourceKind.ROOM, ROOMS))
    for kind, items in batches:
        for item in items:
            data = {k: v for k, v in item.items() if k != "id"}
            if (photo := demo_photo(str(item["id"]))) is not None:
                manifest = await upload_photo(cat, photo[0])
                data |= {"image_id": manifest.id, "image_alt": photo[1]}
            try:
                saved = await save_entry(cat, kind, str(item["id"]), data)
            except InvalidEntry as exc:
                report.refused[str(item["id"])] = " ".join(e.message for e in exc.errors)
                continue
            if saved.changed:
                report.written += 1
            else:
                report.unchanged += 1
    return report
