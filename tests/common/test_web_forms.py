"""`form_errors`: one French message per form field, whatever refused the input."""

from __future__ import annotations

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from vieasso.common.messages.base import FieldError
from vieasso.common.web import form_errors


class _Form(BaseModel):
    name: str = Field(min_length=3)
    places: int


class _RuleBroken(Exception):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("refusé")
        self.errors = errors


def test_pydantic_errors_become_french_messages_per_field() -> None:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate({"name": "a", "places": "beaucoup"})
    assert form_errors(caught.value) == {
        "name": "Ce texte est trop court (3 caractère(s) au minimum).",
        "places": "Un nombre entier est attendu.",
    }


def test_a_service_rule_error_and_its_422_list_give_the_same_mapping() -> None:
    errors = [
        FieldError(field="themes", message="Thème inconnu : « x ».", code="unknown_theme"),
        FieldError(field="themes", message="Trop de thèmes.", code="too_long"),
        FieldError(field="place.postal_code", message="Code postal invalide.", code="bad"),
    ]
    expected = {
        "themes": "Thème inconnu : « x ». Trop de thèmes.",
        "place.postal_code": "Code postal invalide.",
    }
    assert form_errors(_RuleBroken(errors)) == expected
    assert form_errors(errors) == expected


def test_fastapi_request_errors_are_mapped_without_their_location_prefix() -> None:
    exc = RequestValidationError([{"loc": ("body", "email"), "type": "missing", "msg": "x"}])
    assert form_errors(exc) == {"email": "Ce champ est obligatoire."}


def test_an_item_of_a_list_counts_for_the_list_input() -> None:
    errors = [
        FieldError(field="themes.0", message="Thème inconnu.", code="unknown_theme"),
        FieldError(field="themes.3", message="Thème inconnu.", code="unknown_theme"),
        FieldError(field="social_links.1", message="Adresse web invalide.", code="url_parsing"),
    ]
    assert form_errors(errors) == {
        "themes": "Thème inconnu.",
        "social_links": "Adresse web invalide.",
    }
