"""The shared HSDS 3 examples, read in place, and a field-by-field picture of a directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from coresponder.accounts.models import Program
from coresponder.referrals.models import MODELS
from coresponder.testing.shared_data import shared_data

SKIPPED_FIELDS = {"id", "program", "created_at", "updated_at"}


@pytest.fixture
def hsds_csv() -> Path:
    """The spec's tabular example package (one row per table)."""
    return shared_data("hsds/hsds3-examples/examples/csv")


@pytest.fixture
def hsds_json() -> Path:
    """The spec's JSON example of a service with everything nested in it."""
    return shared_data("hsds/hsds3-examples/examples/service_full.json")


@pytest.fixture
def csv_copy(hsds_csv, tmp_path) -> Path:
    """A writable copy of the tabular example, to break on purpose."""
    target = tmp_path / "package"
    target.mkdir()
    for path in hsds_csv.glob("*.csv"):
        shutil.copyfile(path, target / path.name)
    return target


@pytest.fixture
def other_program(db) -> Program:
    return Program.objects.create(name="Other County Program", slug="other-county")


def snapshot(program) -> dict[str, dict[str, dict[str, object]]]:
    """Every modelled field of every directory row: table -> HSDS id -> field -> value.

    Links are given as the HSDS id of the row they name, so two programs' directories
    compare equal when they hold the same package.
    """
    picture: dict[str, dict[str, dict[str, object]]] = {}
    for table, model in MODELS.items():
        fields = [f for f in model._meta.concrete_fields if f.name not in SKIPPED_FIELDS]
        names = [f"{f.name}__hsds_id" if f.is_relation else f.name for f in fields]
        picture[table] = {
            values["hsds_id"]: values
            for values in model.objects.filter(program=program).values(*names)
        }
    return picture


def row_counts(program) -> dict[str, int]:
    return {table: model.objects.filter(program=program).count() for table, model in MODELS.items()}
