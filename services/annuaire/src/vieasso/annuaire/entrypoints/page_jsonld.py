"""schema.org JSON-LD of an association's page (search engines, the city's sites)."""

from __future__ import annotations

import json
from typing import Any

from vieasso.common.messages.annuaire import AssociationPublic


def organization(association: AssociationPublic, page_url: str) -> str:
    """An `NGO` (schema.org) with the public record only; safe inside `<script>`."""
    a = association
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NGO",
        "name": a.name,
        "description": a.purpose[:500],
        "url": page_url,
    }
    if a.short_name:
        data["alternateName"] = a.short_name
    if a.email:
        data["email"] = a.email
    if a.phone:
        data["telephone"] = a.phone
    if a.founded_on:
        data["foundingDate"] = a.founded_on.isoformat()
    if a.address:
        data["address"] = {
            "@type": "PostalAddress",
            "streetAddress": a.address.street,
            "postalCode": a.address.postal_code,
            "addressLocality": a.address.city,
            "addressCountry": "FR",
        }
    links = [str(link) for link in (a.website, *a.social_links) if link]
    if links:
        data["sameAs"] = links
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
