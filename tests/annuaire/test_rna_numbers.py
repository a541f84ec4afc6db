"""RNA and SIREN numbers: only a validated association holds them (compare-and-set in the
``annuaire_identifiers`` bucket), archiving gives them back, a pending registration never
blocks the real association."""

from __future__ import annotations

import asyncio
import logging
import secrets

import pytest

from tests.annuaire.conftest import Client, association_body, running_annuaire
from vieasso.annuaire.adapters.identifiers import BUCKET
from vieasso.annuaire.domain.rules import luhn_ok

pytestmark = pytest.mark.nats


def rna() -> str:
    return f"W25{secrets.randbelow(10**7):07d}"


def siren() -> str:
    while not luhn_ok(number := f"{secrets.randbelow(10**9):09d}"):
        pass
    return number


async def validate(annuaire: Client, slug: str) -> tuple[int, str]:
    answer = await annuaire.http.post(f"/api/associations/{slug}/validate", headers=annuaire.admin)
    return answer.status_code, answer.text


async def archive(annuaire: Client, slug: str) -> None:
    answer = await annuaire.http.post(f"/api/associations/{slug}/archive", headers=annuaire.admin)
    assert answer.status_code == 200, answer.text


async def test_a_pending_squatter_does_not_block_the_real_association(annuaire: Client) -> None:
    number = rna()
    squatter = (await annuaire.register(rna_id=number))["slug"]
    real = (await annuaire.register(rna_id=number))["slug"]  # a pending duplicate may register

    assert (await validate(annuaire, real))[0] == 200
    status, text = await validate(annuaire, squatter)

    assert status == 409
    assert f"RNA {number}" in text
    assert real in text  # the city sees who holds it


async def test_archiving_gives_the_number_back(annuaire: Client) -> None:
    number = rna()
    first = (await annuaire.register(rna_id=number))["slug"]
    assert (await validate(annuaire, first))[0] == 200
    refused = await annuaire.http.post("/api/associations", json=association_body(rna_id=number))
    assert refused.status_code == 409
    assert first in refused.json()["detail"]

    await archive(annuaire, first)
    second = (await annuaire.register(rna_id=number))["slug"]

    assert (await validate(annuaire, second))[0] == 200


async def test_an_archived_pending_record_never_held_the_number(annuaire: Client) -> None:
    number = rna()
    squatter = (await annuaire.register(rna_id=number))["slug"]
    await archive(annuaire, squatter)
    real = (await annuaire.register(rna_id=number))["slug"]

    assert (await validate(annuaire, real))[0] == 200


async def test_two_validations_of_the_same_number_cannot_both_win(annuaire: Client) -> None:
    number = rna()
    slugs = [(await annuaire.register(rna_id=number))["slug"] for _ in range(4)]

    results = await asyncio.gather(*(validate(annuaire, slug) for slug in slugs))

    assert sorted(status for status, _ in results) == [200, 409, 409, 409]
    validated = [s for s in slugs if annuaire.unit.index.association(s).state == "validated"]  # type: ignore[union-attr]
    assert len(validated) == 1


async def test_the_siren_is_held_too_also_when_given_as_a_siret(annuaire: Client) -> None:
    number = siren()
    siret = next(candidate for n in range(10**5) if luhn_ok(candidate := f"{number}{n:05d}"))
    first = (await annuaire.register(siren=number))["slug"]
    second = (await annuaire.register(siret=siret))["slug"]
    assert (await validate(annuaire, first))[0] == 200

    status, text = await validate(annuaire, second)

    assert status == 409
    assert f"SIREN {number}" in text


async def test_a_validated_association_changing_its_number_moves_what_it_holds(
    annuaire: Client,
) -> None:
    old, new, taken = rna(), rna(), rna()
    slug, auth = await annuaire.validated(rna_id=old)
    other, _ = await annuaire.validated(rna_id=taken)

    refused = await annuaire.http.patch(
        f"/api/associations/{slug}", json={"rna_id": taken}, headers=auth
    )
    assert refused.status_code == 409
    assert other in refused.json()["detail"]
    moved = await annuaire.http.patch(
        f"/api/associations/{slug}", json={"rna_id": new}, headers=auth
    )
    assert moved.status_code == 200, moved.text

    freed = (await annuaire.register(rna_id=old))["slug"]
    assert (await validate(annuaire, freed))[0] == 200
    held = await annuaire.http.post("/api/associations", json=association_body(rna_id=new))
    assert held.status_code == 409


async def test_a_number_left_by_an_interrupted_archiving_is_taken_over(annuaire: Client) -> None:
    number = rna()
    first = (await annuaire.register(rna_id=number))["slug"]
    assert (await validate(annuaire, first))[0] == 200
    kv = annuaire.unit.identifiers._kv
    await archive(annuaire, first)
    await kv.put(f"rna.{number}", first.encode())  # as if the archiving stopped before giving back
    second = (await annuaire.register(rna_id=number))["slug"]

    assert (await validate(annuaire, second))[0] == 200
    assert (await kv.get(f"rna.{number}")).value == second.encode()


async def test_validated_records_without_a_held_number_take_it_at_start(nats_url: str) -> None:
    number = rna()
    async with running_annuaire(nats_url) as annuaire:
        slug, _ = await annuaire.validated(rna_id=number)
        kv = await annuaire.unit.identifiers._kv._js.key_value(BUCKET)
        await kv.delete(f"rna.{number}")  # as before numbers were held
    async with running_annuaire(nats_url) as annuaire:
        duplicate = await annuaire.http.post(
            "/api/associations", json=association_body(rna_id=number)
        )
        assert duplicate.status_code == 409
        assert slug in duplicate.json()["detail"]


async def test_two_validated_associations_with_one_number_are_logged_at_start(
    nats_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    number = rna()
    async with running_annuaire(nats_url) as annuaire:
        first, _ = await annuaire.validated(rna_id=number)
        record = annuaire.unit.index.association(first)
        assert record is not None
        twin = record.model_copy(update={"slug": f"{first}-jumelle"})  # as before the rule
        await annuaire.unit.associations.create(twin.slug, twin)
    with caplog.at_level(logging.WARNING, logger="vieasso.annuaire.handlers.identifiers"):
        async with running_annuaire(nats_url):
            pass

    clashes = [
        r.association  # type: ignore[attr-defined]
        for r in caplog.records
        if r.getMessage() == "number held by another association" and r.number == f"RNA {number}"  # type: ignore[attr-defined]
    ]
    assert clashes == [twin.slug]
