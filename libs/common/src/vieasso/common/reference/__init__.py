"""Besançon's reference data: quartiers, themes (with RNA mapping) and city venues."""

from vieasso.common.reference.loader import (
    REFERENCE_VERSION,
    ReferenceDataError,
    load_quartiers,
    load_themes,
    load_venues,
    theme_for_rna,
)
from vieasso.common.reference.models import Quartier, Theme

__all__ = [
    "REFERENCE_VERSION",
    "Quartier",
    "ReferenceDataError",
    "Theme",
    "load_quartiers",
    "load_themes",
    "load_venues",
    "theme_for_rna",
]
