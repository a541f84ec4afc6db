"""Reference data models: also the values of the ``annuaire_reference`` KV bucket."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vieasso.common.messages.base import Code


class Theme(BaseModel):
    """A theme of the directory and agenda (key ``theme.<code>`` in ``annuaire_reference``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: Code
    label: str = Field(description="French label shown to people.")
    rna_codes: tuple[str, ...] = Field(
        default=(),
        description="Codes of the RNA *objet social* nomenclature that map to this theme.",
    )


class Quartier(BaseModel):
    """A Besançon neighbourhood (key ``quartier.<code>`` in ``annuaire_reference``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    code: Code
    label: str
    postal_codes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = Field(
        default=(), description="Other names of parts of the quartier (e.g. Vaîtes), for search."
    )
