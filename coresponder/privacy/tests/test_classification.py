from __future__ import annotations

import pytest
from django.apps import apps

from coresponder.privacy.classification import BY_ROW, DERIVED, STRUCTURAL, DataClass, PersonData

ALLOWED = {*DataClass.values, STRUCTURAL, BY_ROW, DERIVED}


def person_data_models():
    return [model for model in apps.get_models() if issubclass(model, PersonData)]


def test_there_are_person_data_models_to_check():
    names = {model.__name__ for model in person_data_models()}
    assert {"Person", "PersonName", "PersonIdentifier", "PersonAddress", "PersonNote"} <= names


@pytest.mark.parametrize("model", person_data_models(), ids=lambda model: model.__name__)
def test_every_field_of_a_persons_record_declares_its_class(model):
    fields = {field.name for field in model._meta.get_fields() if field.concrete}

    assert set(model.privacy_classes) == fields, (
        f"{model.__name__}: declare a privacy class for "
        f"{sorted(fields - set(model.privacy_classes))}, remove "
        f"{sorted(set(model.privacy_classes) - fields)}"
    )
    assert set(model.privacy_classes.values()) <= ALLOWED


@pytest.mark.parametrize(
    "model",
    [model for model in person_data_models() if BY_ROW in model.privacy_classes.values()],
    ids=lambda model: model.__name__,
)
def test_row_classed_models_say_the_class_of_their_rows(model):
    assert model.row_class is not PersonData.row_class


@pytest.mark.parametrize(
    "model",
    [model for model in person_data_models() if DERIVED in model.privacy_classes.values()],
    ids=lambda model: model.__name__,
)
def test_derived_models_say_how_their_classes_are_derived(model):
    assert model.derived_class is not PersonData.derived_class
