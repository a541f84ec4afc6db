"""schema.org JSON-LD: one `Event` per event, an `ItemList` per feed.

Accessibility goes on the event's `Place` as `amenityFeature` (`LocationFeatureSpecification`,
value true), one per disability: schema.org defines `accessibilityFeature` for a
`CreativeWork` only (its vocabulary describes documents: captions, large print…), so on an
`Event` validators report it as unknown; `amenityFeature` is a property of `Place` that
validators accept. The Place carries what the event offers there: its venue's flags and the
association's (an online-only event has no Place: its accessibility is in the page and feeds).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from vieasso.agenda.adapters.labels import DISABILITIES
from vieasso.agenda.adapters.posters import feed_image, file_url
from vieasso.agenda.adapters.text import headline
from vieasso.agenda.domain.accessibility import of_event
from vieasso.agenda.domain.feeds import PARIS
from vieasso.agenda.domain.model import StoredEvent
from vieasso.common.messages.agenda import AttendanceMode, CanonicalEvent, EventStatus, Poster

SCHEMA = "https://schema.org/"
_STATUS = {
    EventStatus.SCHEDULED: "EventScheduled",
    EventStatus.FULL: "EventScheduled",
    EventStatus.POSTPONED: "EventPostponed",
    EventStatus.CANCELLED: "EventCancelled",
}
_MODE = {
    AttendanceMode.OFFLINE: "OfflineEventAttendanceMode",
    AttendanceMode.ONLINE: "OnlineEventAttendanceMode",
    AttendanceMode.MIXED: "MixedEventAttendanceMode",
}


def _when(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.astimezone(PARIS).isoformat()
    return value.isoformat()


def _location(event: CanonicalEvent) -> list[dict[str, Any]]:
    places: list[dict[str, Any]] = []
    venue, place = event.location.venue, event.location.place
    if venue is not None:
        places.append(
            {
                "@type": "Place",
                "name": venue.name,
                "address": {
                    "@type": "PostalAddress",
                    "streetAddress": venue.address,
                    "postalCode": venue.postal_code,
                    "addressLocality": venue.city,
                    "addressCountry": "FR",
                },
                "geo": {"@type": "GeoCoordinates", "latitude": venue.lat, "longitude": venue.lon},
            }
        )
    elif place is not None:
        found: dict[str, Any] = {
            "@type": "Place",
            "name": place.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place.address,
                "postalCode": place.postal_code,
                "addressCountry": "FR",
            },
        }
        if place.lat is not None and place.lon is not None:
            found["geo"] = {
                "@type": "GeoCoordinates",
                "latitude": place.lat,
                "longitude": place.lon,
            }
        places.append(found)
    if places and (flags := of_event(event)):
        places[0]["amenityFeature"] = [
            {
                "@type": "LocationFeatureSpecification",
                "name": f"Accessible aux personnes en situation de handicap {DISABILITIES[f]}",
                "value": True,
            }
            for f in flags
        ]
    if event.content.online_url is not None:
        places.append({"@type": "VirtualLocation", "url": str(event.content.online_url)})
    return places


def _offers(event: CanonicalEvent) -> dict[str, Any]:
    c = event.content
    offer: dict[str, Any] = {"@type": "Offer", "priceCurrency": "EUR", "url": str(event.url)}
    if c.free:
        offer["price"] = "0"
    if c.price:
        offer["description"] = c.price
    if c.registration_url is not None:
        offer["url"] = str(c.registration_url)
    offer["availability"] = SCHEMA + ("SoldOut" if c.status is EventStatus.FULL else "InStock")
    return offer


def _image(poster: Poster) -> dict[str, Any]:
    shown = feed_image(poster)
    image: dict[str, Any] = {
        "@type": "ImageObject",
        "url": file_url(poster, shown),
        "contentUrl": file_url(poster, shown),
        "encodingFormat": shown.media_type,
        "width": shown.width,
        "height": shown.height,
        "caption": poster.alt,
    }
    if poster.credits:
        image["creditText"] = poster.credits
    return image


def event_data(event: CanonicalEvent) -> dict[str, Any]:
    c = event.content
    data: dict[str, Any] = {
        "@type": "Event",
        "@id": str(event.url),
        "name": headline(event),
        "url": str(event.url),
        "startDate": _when(c.start),
        "endDate": _when(c.end),
        "eventStatus": SCHEMA + _STATUS[c.status],
        "eventAttendanceMode": SCHEMA + _MODE[c.attendance_mode],
        "location": _location(event),
        "organizer": {"@type": "Organization", "name": event.association_name},
        "offers": _offers(event),
        "dateModified": event.last_modified.isoformat(),
    }
    if c.summary or c.description:
        data["description"] = c.summary or c.description
    if event.poster is not None:
        data["image"] = _image(event.poster)
    elif c.image_url is not None:
        data["image"] = str(c.image_url)
    if c.age_min is not None or c.age_max is not None:
        data["typicalAgeRange"] = f"{c.age_min or 0}-{c.age_max or ''}"
    return data


def event(record: StoredEvent) -> dict[str, Any]:
    return event_data(record.event)


def page_document(event: CanonicalEvent) -> str:
    """The JSON-LD script of an event page: `<`, `>` and `&` escaped, so text cannot end it."""
    data = {"@context": "https://schema.org", **event_data(event)}
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def item_list(events: list[dict[str, Any]], title: str) -> bytes:
    document = {
        "@context": "https://schema.org",
        "@type": "ItemList",
        "name": title,
        "numberOfItems": len(events),
        "itemListElement": [
            {"@type": "ListItem", "position": i, "item": item}
            for i, item in enumerate(events, start=1)
        ],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
