"""Feeds over HTTP: filters, byte-stability, strong ETag, 304 and gzip (SPEC §4)."""

from __future__ import annotations

import gzip

import pytest
from nats.js import JetStreamContext

from tests.agenda.conftest import Directory, Running, applied, get_calendar, submission, vevents

pytestmark = pytest.mark.nats


async def test_filters_select_by_association_theme_quartier_venue_audience_and_dates(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    one, two = await directory.association(), await directory.association()
    theme = await directory.theme()
    venue = await directory.venue(quartier="planoise")
    await applied(agenda, js, submission(one, "theme", themes=[theme]))
    await applied(agenda, js, submission(one, "salle", venue_id=venue, place=None))
    await applied(agenda, js, submission(one, "seniors", audience=["seniors"]))
    await applied(
        agenda,
        js,
        submission(two, "mai", start="2026-05-02T10:00:00+02:00", end="2026-05-02T12:00:00+02:00"),
    )

    async def ids(query: str) -> set[str]:
        cal = await get_calendar(agenda, f"/feeds/agenda.ics?{query}")
        return {uid.split("@")[0] for uid in vevents(cal)}

    both = f"association={one}&association={two}"
    assert await ids(f"{both}") == {f"{one}.theme", f"{one}.salle", f"{one}.seniors", f"{two}.mai"}
    assert await ids(f"{both}&theme={theme}") == {f"{one}.theme"}
    assert await ids(f"{both}&venue={venue}") == {f"{one}.salle"}
    assert await ids(f"{both}&quartier=planoise") == {f"{one}.salle"}
    assert await ids(f"{both}&audience=seniors") == {f"{one}.seniors"}
    assert await ids(f"{both}&from=2026-04-01&to=2026-06-30") == {f"{two}.mai"}
    shortcut = await get_calendar(agenda, f"/feeds/associations/{two}.ics")
    assert {uid.split("@")[0] for uid in vevents(shortcut)} == {f"{two}.mai"}


async def test_feed_is_byte_stable_and_revalidates_with_304(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "stable"))
    url = f"/feeds/agenda.ics?association={slug}"
    first = await agenda.client.get(url)
    second = await agenda.client.get(url)  # answered by the ASGI fast path
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["etag"].startswith('"')
    assert "max-age" in first.headers["cache-control"]

    by_etag = await agenda.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert by_etag.status_code == 304
    assert by_etag.content == b""
    by_date = await agenda.client.get(
        url, headers={"If-Modified-Since": first.headers["last-modified"]}
    )
    assert by_date.status_code == 304

    await applied(agenda, js, submission(slug, "stable", title="Changé"), sequence=1)
    changed = await agenda.client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    assert changed.headers["etag"] != first.headers["etag"]
    assert b"SUMMARY:Chang" in changed.content


async def test_the_fast_path_answers_with_the_same_security_headers_as_the_route(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "entetes"))
    url = f"/feeds/agenda.rss?association={slug}"
    routed = await agenda.client.get(url)
    recall = agenda.wiring.feeds.recall("/feeds/agenda.rss", f"association={slug}".encode())
    cached = await agenda.client.get(url)  # answered by the ASGI fast path
    fresh = await agenda.client.get(url, headers={"If-None-Match": cached.headers["etag"]})

    assert recall is not None  # the route handed this URL to the fast path
    for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
        assert cached.headers.get_list(name) == routed.headers.get_list(name) != [], name
        assert fresh.headers.get_list(name) == routed.headers.get_list(name), name


async def test_gzip_when_asked_with_its_own_etag(
    agenda: Running, directory: Directory, js: JetStreamContext
) -> None:
    slug = await directory.association()
    await applied(agenda, js, submission(slug, "zip"))
    url = f"/feeds/agenda.ics?association={slug}"
    plain = await agenda.client.get(url, headers={"Accept-Encoding": "identity"})
    zipped = await agenda.client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes gzip
    assert zipped.headers["etag"] != plain.headers["etag"]
    assert int(zipped.headers["content-length"]) < len(plain.content)
    assert gzip.decompress(gzip.compress(plain.content)) == plain.content
    again = await agenda.client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]}
    )
    assert again.status_code == 304


async def test_bad_filters_get_french_errors(agenda: Running) -> None:
    response = await agenda.client.get("/feeds/agenda.ics?from=2026-05-01&to=2026-04-01")
    assert response.status_code == 422
    assert "période" in response.json()["errors"][0]["message"]
    response = await agenda.client.get("/feeds/agenda.ics?audience=martiens")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "audience"
    assert (await agenda.client.get("/feeds/agenda.pdf")).status_code == 422


async def test_days_out_of_2000_2099_get_french_errors_not_a_500(agenda: Running) -> None:
    """Regression (schemathesis, in a fresh-clone run): `from=0001-01-01` overflowed when
    the window became instants (500), and so would `to=9999-12-31`."""
    for query, field in (("from=0001-01-01", "from"), ("to=9999-12-31", "to"),
                         ("from=1999-12-31&to=2000-01-02", "from")):  # fmt: skip
        for kind in ("ics", "rss", "jsonld", "csv"):
            response = await agenda.client.get(f"/feeds/agenda.{kind}?{query}")
            assert response.status_code == 422, (query, kind)
            [error] = response.json()["errors"]
            assert error["field"] == field
            assert "entre le 1er janvier 2000 et le 31 décembre 2099" in error["message"]
        page = await agenda.client.get(f"/agenda?{query}")
        assert page.status_code == 422
        assert "entre le 1er janvier 2000 et le 31 décembre 2099" in page.text
    edge = await agenda.client.get("/feeds/agenda.ics?from=2000-01-01&to=2001-12-31")
    assert edge.status_code == 200
