"""A sample of Aides-territoires results (`data/aides_territoires_sample.json`: twenty aids
for associations around Besançon, in the API's shape with its real field names) served as if
it were the API, for the demo (`vieasso-aides demo-aides-territoires`) and the tests.

It is not a capture of the live site (no network where it was written): the records are
realistic, their ids are not the site's."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

from vieasso.aides.adapters.aides_territoires import Page

FILE = "data/aides_territoires_sample.json"


def sample_records() -> list[Any]:
    text = resources.files(__package__ or "").joinpath(FILE).read_text(encoding="utf-8")
    results: list[Any] = json.loads(text)["results"]
    return results


class SampleSource:
    """The sample as one page of the API (an `AidSource`)."""

    retries = 0

    async def perimeter_id(self, insee: str) -> str:
        return insee

    async def aids(self, perimeter_id: str) -> AsyncIterator[Page]:
        records = sample_records()
        yield Page(1, len(records), records)
