"""Association space: its volunteer missions (publish, edit or mark filled, close)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from vieasso.annuaire.domain.associations import AssociationRecord
from vieasso.annuaire.domain.commands import ChangeMission, MissionFields
from vieasso.annuaire.domain.errors import ConflictError, InvalidInput, InvalidState
from vieasso.annuaire.domain.missions import MissionRecord
from vieasso.annuaire.entrypoints.page_forms import (
    MISSION,
    FormValues,
    command_data,
    errors_of,
    read_form,
    values_of,
)
from vieasso.annuaire.entrypoints.pages_association import DONE
from vieasso.annuaire.entrypoints.pages_support import (
    PageError,
    code_or_none,
    confirm_page,
    confirmed,
    render,
    see_other,
    signed_in_association,
    unit_of,
)
from vieasso.annuaire.handlers import missions as handlers
from vieasso.annuaire.handlers.unit import Annuaire
from vieasso.common.messages.annuaire import MissionState
from vieasso.common.validation import ascii_digits

BASE = "/espace-association/missions"
router = APIRouter(prefix=BASE, include_in_schema=False)
NOT_YOURS = "Cette mission appartient à une autre association : vous ne pouvez pas la modifier."


def _venues(app: Annuaire) -> list[tuple[str, str]]:
    venues = [v.value for v in app.index.venues.items.values() if not v.value.archived]
    # By name, then id: two venues of one name keep one order whatever the index's order.
    return sorted(((v.id, v.name) for v in venues), key=lambda pair: (pair[1], pair[0]))


def _own_mission(app: Annuaire, record: AssociationRecord, mission_id: str) -> MissionRecord:
    """The signed-in association's mission: 404 if none, 403 if another association's."""
    mission = app.index.mission(mission_id) if code_or_none(mission_id) else None
    if mission is None:
        raise PageError(404, "Cette mission n'existe pas.")
    if mission.association_slug != record.slug:
        raise PageError(403, NOT_YOURS)
    return mission


async def _form(
    request: Request,
    values: FormValues,
    errors: dict[str, str],
    *,
    mission: MissionRecord | None = None,
    status: int = 200,
) -> Response:
    app = unit_of(request)
    context = {
        "association": await signed_in_association(request, app),
        "mission": mission,
        "values": values,
        "errors": errors,
        "venues": _venues(app),
    }
    return render(request, "mission_form.html.j2", context, status)


@router.get("", response_class=HTMLResponse)
async def own_missions(
    request: Request, ok: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    app = unit_of(request)
    record = await signed_in_association(request, app)
    context = {
        "association": record,
        "missions": app.index.missions_by(record.slug),
        "done": DONE.get(ok or ""),
    }
    return render(request, "espace_missions.html.j2", context)


@router.get("/nouvelle", response_class=HTMLResponse)
async def new_mission_form(request: Request) -> Response:
    await signed_in_association(request, unit_of(request))
    return await _form(request, {"themes": [], "kind": "ponctuelle", "remote": "non"}, {})


@router.post("/nouvelle", response_class=HTMLResponse)
async def publish(request: Request) -> Response:
    """Same validation as `POST /api/associations/{slug}/missions`."""
    app = unit_of(request)
    record = await signed_in_association(request, app)
    values = await read_form(request, MISSION)
    try:
        fields = MissionFields.model_validate(command_data(values, MISSION, change=False))
        await handlers.publish_mission(app, record.slug, fields)
    except (ValidationError, InvalidInput) as exc:
        return await _form(request, values, errors_of(exc, values, MISSION), status=422)
    except (ConflictError, InvalidState) as exc:
        return await _form(request, values, {"__root__": exc.message}, status=409)
    return see_other(f"{BASE}?ok=mission")


@router.get("/{mission_id}", response_class=HTMLResponse)
async def mission_form(request: Request, mission_id: str) -> Response:
    app = unit_of(request)
    mission = _own_mission(app, await signed_in_association(request, app), mission_id)
    found = app.index.missions.items.get(mission.id)
    values = values_of(mission, MISSION) | {
        "state": mission.state.value,
        "revision": str(found.revision) if found else "",
    }
    return await _form(request, values, {}, mission=mission)


@router.post("/{mission_id}", response_class=HTMLResponse)
async def change(request: Request, mission_id: str) -> Response:
    """Same validation as `PATCH …/missions/{id}`; `state` marks it filled or open again."""
    app = unit_of(request)
    mission = _own_mission(app, await signed_in_association(request, app), mission_id)
    values = await read_form(request, MISSION)
    revision = str(values.get("revision", ""))
    data = command_data(values, MISSION, change=True)
    data["state"] = values.get("state") or None
    try:
        await handlers.change_mission(
            app,
            mission.association_slug,
            mission.id,
            ChangeMission.model_validate(data),
            expected_revision=int(revision) if ascii_digits(revision) else None,
        )
    except (ValidationError, InvalidInput) as exc:
        errors = errors_of(exc, values, MISSION)
        return await _form(request, values, errors, mission=mission, status=422)
    except (ConflictError, InvalidState) as exc:
        current = app.index.missions.items.get(mission.id)
        values["revision"] = str(current.revision) if current else ""
        return await _form(request, values, {"__root__": exc.message}, mission=mission, status=409)
    return see_other(f"{BASE}?ok=mission")


@router.post("/{mission_id}/clore", response_class=HTMLResponse)
async def close(request: Request, mission_id: str) -> Response:
    app = unit_of(request)
    mission = _own_mission(app, await signed_in_association(request, app), mission_id)
    if not await confirmed(request):
        return confirm_page(
            request,
            heading=f"Clore la mission « {mission.title} » ?",
            question="Elle disparaîtra des missions proposées et ne pourra plus être rouverte "
            "(une mission pourvue peut, elle, être rouverte : modifiez son état).",
            button="Clore la mission",
            back=BASE,
        )
    if mission.state is not MissionState.CLOSED:
        await handlers.close_mission(app, mission.association_slug, mission.id)
    return see_other(f"{BASE}?ok=close")
