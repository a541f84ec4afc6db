"""`vieasso-annuaire import`: both layouts, dry run, per-row report, idempotent re-import."""

from __future__ import annotations

import asyncio
import csv
import json
import secrets
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.errors import KeyNotFoundError
from typer.testing import CliRunner

from vieasso.annuaire.domain.rules import make_slug
from vieasso.annuaire.entrypoints.cli import app
from vieasso.common.directory import ASSOCIATIONS

pytestmark = pytest.mark.nats

CITY_HEADER = (
    "nom;sigle;objet;rna;siren;siret;themes;quartier;adresse;code_postal;ville;email;telephone;"
    "site_web;reseaux_sociaux;salaries;date_creation;contact_nom;contact_email;contact_telephone"
)
RNA_HEADER = (
    "id;id_ex;siret;gestion;date_creat;date_publi;nature;groupement;titre;titre_court;objet;"
    "objet_social1;objet_social2;adrs_complement;adrs_numvoie;adrs_repetition;adrs_typevoie;"
    "adrs_libvoie;adrs_distrib;adrs_codeinsee;adrs_codepostal;adrs_libcommune;siteweb;position"
)


@pytest.fixture
def env(nats_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIEASSO_NATS_URL", nats_url)
    monkeypatch.setenv("VIEASSO_LOG_JSON", "false")


def rna_id() -> str:
    return f"W25{secrets.randbelow(10**7):07d}"


def city_row(name: str, **cells: str) -> str:
    values = {
        "nom": name, "sigle": "", "objet": "Chorale amateur ouverte à toutes les voix.",
        "rna": "", "siren": "", "siret": "", "themes": "culture", "quartier": "Battant",
        "adresse": "3 rue Battant", "code_postal": "25000", "ville": "Besançon",
        "email": "chorale@exemple.fr", "telephone": "0381000000", "site_web": "",
        "reseaux_sociaux": "", "salaries": "non", "date_creation": "12/09/1998",
        "contact_nom": "Jeanne Privée", "contact_email": "jeanne.privee@exemple.fr",
        "contact_telephone": "",
    }  # fmt: skip
    values.update(cells)
    return ";".join(values[c] for c in CITY_HEADER.split(";"))


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", *args])
    return result.exit_code, result.output


async def _records(nats_url: str, slugs: list[str]) -> dict[str, dict[str, Any] | None]:
    nc = await nats.connect(nats_url)
    try:
        kv = await nc.jetstream().key_value(ASSOCIATIONS)
        found: dict[str, dict[str, Any] | None] = {}
        for slug in slugs:
            try:
                entry = await kv.get(slug)
                found[slug] = {"revision": entry.revision, **json.loads(entry.value or b"")}
            except KeyNotFoundError:
                found[slug] = None
        return found
    finally:
        await nc.close()


async def _set_email(nats_url: str, slug: str, email: str) -> None:
    """The association edits its own record (here straight in KV, as the API would)."""
    nc = await nats.connect(nats_url)
    try:
        kv = await nc.jetstream().key_value(ASSOCIATIONS)
        entry = await kv.get(slug)
        value = json.loads(entry.value or b"")
        await kv.update(slug, json.dumps({**value, "email": email}).encode(), last=entry.revision)
    finally:
        await nc.close()


def records(nats_url: str, names: list[str]) -> dict[str, dict[str, Any] | None]:
    return asyncio.run(_records(nats_url, [make_slug(n) for n in names]))


def test_city_spreadsheet_imports_good_rows_and_refuses_bad_ones_whole(
    env: None, nats_url: str, tmp_path: Path
) -> None:
    tag = secrets.token_hex(3)
    good = [f"Chorale du Doubs {tag}", f"Club Alpin {tag}"]
    bad = [f"Mauvais SIREN {tag}", f"Quartier inconnu {tag}"]
    path = write(tmp_path / "ville.csv", CITY_HEADER, [
        city_row(good[0], rna=rna_id()),
        city_row(bad[0], siren="123456789"),
        city_row(good[1], themes="Sport et activités de plein air", salaries="oui",
                 quartier="planoise"),
        city_row(bad[1], quartier="Atlantide"),
    ])  # fmt: skip
    code, output = run(str(path), "--rapport", str(tmp_path / "rapport.csv"))
    assert code == 1, output
    assert "2 créée(s)" in output
    assert "2 refusée(s)" in output
    report = {r["ligne"]: r for r in csv.DictReader((tmp_path / "rapport.csv").open())}
    assert [r["resultat"] for r in report.values()] == ["créée", "refusée", "créée", "refusée"]
    assert report["3"]["raisons"].startswith("siren : Numéro SIREN invalide")
    assert "Quartier inconnu" in report["5"]["raisons"]
    stored = records(nats_url, good + bad)
    first, second = (stored[make_slug(n)] for n in good)
    assert first is not None
    assert first["state"] == "validated"
    assert first["quartier"] == "battant"
    assert first["founded_on"] == "1998-09-12"
    assert first["private_contact"]["email"] == "jeanne.privee@exemple.fr"
    assert second is not None
    assert second["themes"] == ["sport"]
    assert second["quartier"] == "planoise-chateaufarine"
    assert second["employs_staff"] is True
    assert all(stored[make_slug(n)] is None for n in bad)


def test_dry_run_writes_nothing(env: None, nats_url: str, tmp_path: Path) -> None:
    name = f"Essai à blanc {secrets.token_hex(3)}"
    path = write(tmp_path / "ville.csv", CITY_HEADER, [city_row(name)])
    code, output = run(str(path), "--dry-run")
    assert code == 0, output
    assert "1 créée(s)" in output
    assert "seraient" in output
    assert records(nats_url, [name])[make_slug(name)] is None


def test_reimporting_the_same_file_changes_nothing_and_a_changed_row_updates(
    env: None, nats_url: str, tmp_path: Path
) -> None:
    name = f"Amicale des Chaprais {secrets.token_hex(3)}"
    number = rna_id()
    path = write(tmp_path / "ville.csv", CITY_HEADER, [city_row(name, rna=number)])
    assert run(str(path))[0] == 0
    before = records(nats_url, [name])[make_slug(name)]
    code, output = run(str(path))
    assert code == 0
    assert "1 inchangée(s)" in output
    assert records(nats_url, [name])[make_slug(name)] == before
    renamed = write(tmp_path / "v2.csv", CITY_HEADER, [city_row(f"{name} bis", rna=number)])
    code, output = run(str(renamed), "--rapport", str(tmp_path / "rapport.csv"))
    assert "1 mise à jour(s)" in output
    after = records(nats_url, [name])[make_slug(name)]
    assert after is not None
    assert after["name"] == f"{name} bis"
    report = list(csv.DictReader((tmp_path / "rapport.csv").open(encoding="utf-8")))
    assert report == [
        {"ligne": "2", "resultat": "mise à jour", "association": make_slug(name), "raisons": ""}
    ]


def test_a_spreadsheet_without_a_column_leaves_that_field_alone(
    env: None, nats_url: str, tmp_path: Path
) -> None:
    name = f"Colonnes partielles {secrets.token_hex(3)}"
    assert run(str(write(tmp_path / "a.csv", CITY_HEADER, [city_row(name)])))[0] == 0
    partial = write(tmp_path / "b.csv", "nom;objet;telephone",
                    [f"{name};Un objet social enfin précisé.;03 81 99 99 99"])  # fmt: skip
    code, output = run(str(partial))
    assert code == 0
    assert "1 mise à jour(s)" in output, output
    stored = records(nats_url, [name])[make_slug(name)]
    assert stored is not None
    assert stored["phone"] == "03 81 99 99 99"
    assert stored["email"] == "chorale@exemple.fr"
    assert stored["quartier"] == "battant"
    assert stored["private_contact"]["email"] == "jeanne.privee@exemple.fr"


def test_en_attente_creates_pending_records(env: None, nats_url: str, tmp_path: Path) -> None:
    name = f"En attente {secrets.token_hex(3)}"
    path = write(tmp_path / "ville.csv", CITY_HEADER, [city_row(name)])
    assert run(str(path), "--en-attente")[0] == 0
    stored = records(nats_url, [name])[make_slug(name)]
    assert stored is not None
    assert stored["state"] == "pending"


def rna_row(number: str, title: str, **cells: str) -> str:
    values = {
        "id": number, "id_ex": "", "siret": "", "gestion": "251P", "date_creat": "2004-05-17",
        "date_publi": "2004-06-05", "nature": "D", "groupement": "S", "titre": title,
        "titre_court": "", "objet": "pratique et enseignement du judo et des arts martiaux",
        "objet_social1": "011000", "objet_social2": "007000", "adrs_complement": "",
        "adrs_numvoie": "12", "adrs_repetition": "B", "adrs_typevoie": "AV",
        "adrs_libvoie": "de Montrapon", "adrs_distrib": "", "adrs_codeinsee": "25056",
        "adrs_codepostal": "25000", "adrs_libcommune": "Besançon", "siteweb": "judo-exemple.fr",
        "position": "A",
    }  # fmt: skip
    values.update(cells)
    return ";".join(values[c] for c in RNA_HEADER.split(";"))


def test_rna_extract_maps_its_columns_and_archives_dissolved_associations(
    env: None, nats_url: str, tmp_path: Path
) -> None:
    tag = secrets.token_hex(3)
    active, dissolved_unknown = f"JUDO CLUB BISONTIN {tag}", f"ASSO DISSOUTE {tag}"
    number = rna_id()
    path = write(tmp_path / "rna.csv", RNA_HEADER, [
        rna_row(number, active),
        rna_row(rna_id(), dissolved_unknown, position="D"),
        rna_row("X12", f"RNA FAUX {tag}"),
    ])  # fmt: skip
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    code, output = run(str(path))
    assert code == 1, output
    assert "1 créée(s)" in output
    assert "1 ignorée(s)" in output
    assert "1 refusée(s)" in output
    stored = records(nats_url, [active, dissolved_unknown])
    record = stored[make_slug(active)]
    assert record is not None
    assert record["rna_id"] == number
    assert record["themes"] == ["sport", "loisirs"]
    assert record["address"] == {
        "street": "12 b avenue de Montrapon",
        "postal_code": "25000",
        "city": "Besançon",
    }
    assert record["founded_on"] == "2004-05-17"
    assert record["website"] == "http://judo-exemple.fr/"
    assert stored[make_slug(dissolved_unknown)] is None
    asyncio.run(_set_email(nats_url, make_slug(active), "judo@exemple.fr"))
    again = write(tmp_path / "rna1.csv", RNA_HEADER, [rna_row(number, active, siteweb="")])
    assert "1 inchangée(s)" in run(str(again))[1]  # empty RNA cells clear nothing
    kept = records(nats_url, [active])[make_slug(active)]
    assert kept is not None
    assert kept["email"] == "judo@exemple.fr"
    assert kept["website"] == "http://judo-exemple.fr/"
    gone = write(tmp_path / "rna2.csv", RNA_HEADER, [rna_row(number, active, position="D")])
    code, output = run(str(gone))
    assert "1 archivée(s)" in output
    archived = records(nats_url, [active])[make_slug(active)]
    assert archived is not None
    assert archived["state"] == "archived"


def test_a_file_of_unknown_layout_is_refused_in_french(env: None, tmp_path: Path) -> None:
    path = write(tmp_path / "autre.csv", "a;b;c", ["1;2;3"])
    code, output = run(str(path))
    assert code == 2
    assert "Format de fichier inconnu" in output
