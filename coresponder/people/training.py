"""Training the match model with Splink on DuckDB, in memory, from the program's own persons.

The u probabilities (how often different persons agree by chance) come from random pairs,
seeded; the m probabilities (how often one person's records agree) by expectation-
maximisation over pairs blocked on the date of birth and on sound-alike names, each
session estimating the fields it did not block on. Nothing is fetched from outside: the
DuckDB connection is in memory, and Splink's functions used here need no extension.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from .linkage import COLUMNS, FIELDS, Field, Parameters, Record

# A field is trained only where enough persons hold it on both sides of a pair.
MIN_HOLDERS = 20
MIN_SHARE = 0.05
DETERMINISTIC_RECALL = 0.7

Progress = Callable[[str], None]


class TooFewPersons(ValueError):
    pass


@dataclass(frozen=True)
class Trained:
    parameters: Parameters
    stored: dict  # what the LinkageModel row keeps
    splink_model: dict  # Splink's own settings and parameters, for batch runs


def connection() -> duckdb.DuckDBPyConnection:
    # In memory, and never an extension installed or loaded behind our back.
    return duckdb.connect(
        ":memory:",
        config={"autoinstall_known_extensions": False, "autoload_known_extensions": False},
    )


def fields_held(records: Sequence[Record]) -> list[Field]:
    """The fields enough records hold to learn from."""
    count = len(records)
    held = []
    for one in FIELDS:
        holders = sum(1 for record in records if all(record.get(c) for c in one.columns))
        if holders >= MIN_HOLDERS and holders >= MIN_SHARE * count:
            held.append(one)
    return held


def settings_for(fields: Sequence[Field], *, prior: float = 1e-4) -> dict:
    comparisons = []
    for one in fields:
        levels = []
        for level in one.levels:
            entry = {"sql_condition": level.sql, "label_for_charts": str(level.chart_label)}
            if level.is_null:
                entry["is_null_level"] = True
            if level.tf_column:
                entry["tf_adjustment_column"] = level.tf_column
                entry["tf_adjustment_weight"] = 1.0
            levels.append(entry)
        comparisons.append(
            {
                "output_column_name": one.name,
                "comparison_description": str(one.title),
                "comparison_levels": levels,
            }
        )
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons,
        "max_iterations": 15,
        "retain_intermediate_calculation_columns": False,
        "retain_matching_columns": False,
    }


def table_of(records: Sequence[Record], ids: Sequence[str]) -> pa.Table:
    columns = {"unique_id": list(ids)}
    for column in COLUMNS:
        columns[column] = [record.get(column) for record in records]
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def linker_for(records: Sequence[Record], ids: Sequence[str], settings: dict):
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=connection())
    frame = db_api.register(table_of(records, ids), dataset_display_name="persons")
    return Linker(frame, settings, log_level=logging.WARNING)


def training_rules(fields: Sequence[Field]) -> list[str]:
    names = {one.name for one in fields}
    rules = []
    if "birth_date" in names:
        rules.append("l.birth_date = r.birth_date")
    if {"given_name", "family_name"} <= names:
        rules.append("l.given_sound = r.given_sound AND l.family_sound = r.family_sound")
    return rules


def train(
    records: Sequence[Record],
    ids: Sequence[str],
    *,
    seed: int = 20,
    progress: Progress = lambda message: None,
) -> Trained:
    """Learn the model's parameters from `records` (one per person, `ids` theirs)."""
    from splink import __version__ as splink_version

    fields = fields_held(records)
    rules = training_rules(fields)
    if len(records) < MIN_HOLDERS or not rules:
        raise TooFewPersons(
            "Too few persons with names and dates of birth to learn from "
            f"({len(records)} persons; at least {MIN_HOLDERS} are needed)."
        )
    progress(
        f"Training on {len(records)} persons over {len(fields)} fields: "
        + ", ".join(one.name for one in fields)
    )
    linker = linker_for(records, ids, settings_for(fields))
    deterministic = ["l.given_name = r.given_name AND l.family_name = r.family_name"]
    if "birth_date" in {one.name for one in fields}:
        deterministic = [deterministic[0] + " AND l.birth_date = r.birth_date"]
    progress("Estimating how often two persons match by chance (1/4)")
    linker.training.estimate_probability_two_random_records_match(
        deterministic, recall=DETERMINISTIC_RECALL
    )
    if not linker.misc.save_model_to_json()["probability_two_random_records_match"]:
        # An index intake has kept clean shows the deterministic rules no pair, and Splink
        # estimates 0, from which EM cannot start. Then one in `persons`: the chance that
        # a record typed at intake is a given one of them.
        progress("  no pair found by the certain rules: the prior is one in the persons")
        linker = linker_for(records, ids, settings_for(fields, prior=1 / len(records)))
    progress("Estimating how often different persons agree (u), from random pairs (2/4)")
    pairs = min(5e6, max(1e5, len(records) * (len(records) - 1) / 2))
    linker.training.estimate_u_using_random_sampling(
        max_pairs=pairs, seed=seed, min_count_per_level=None, num_chunks=1
    )
    for number, rule in enumerate(rules, start=1):
        progress(f"Expectation-maximisation {number}/{len(rules)}: pairs where {rule} (3/4)")
        before = copy.deepcopy(linker)
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True
            )
        except ValueError as error:
            # Splink refuses an m that reached 0 (a level no match fell in, among pairs the
            # other fields call certain); the model goes on as it was before the session.
            linker = before
            progress(f"  this session could not finish ({error}); continuing without it")
    progress("Storing the parameters (4/4)")
    model = settle_untrained(linker.misc.save_model_to_json())
    return Trained(
        parameters=parameters_from(model, fields),
        stored=stored_from(model, fields, splink_version),
        splink_model=model,
    )


def settle_untrained(model: dict) -> dict:
    """A level no pair reached in training tells nothing: m = u, weight 0, the same in
    Splink's predict and in the Python scoring (Splink would otherwise use a default m)."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if m is None or u is None:
                level["m_probability"] = level["u_probability"] = u or m or 1e-6
    return model


def parameters_from(model: dict, fields: Sequence[Field]) -> Parameters:
    stored = stored_from(model, fields, "")
    return Parameters.from_stored(stored)


def stored_from(model: dict, fields: Sequence[Field], splink_version: str) -> dict:
    levels = {}
    for one, comparison in zip(fields, model["comparisons"], strict=True):
        by_key = {}
        for level, trained in zip(one.levels, comparison["comparison_levels"], strict=True):
            if level.is_null:
                continue
            by_key[level.key] = {
                "m": trained.get("m_probability"),
                "u": trained.get("u_probability"),
            }
        levels[one.name] = by_key
    return {
        "prior": model["probability_two_random_records_match"],
        "levels": levels,
        "splink_version": splink_version,
    }


def predict_pairs(
    records: Sequence[Record],
    ids: Sequence[str],
    splink_model: dict,
    rules: Sequence[str],
    *,
    threshold: float,
) -> set[frozenset]:
    """The pairs of `ids` the trained model puts at or above `threshold`, among the pairs
    the blocking `rules` make (Splink's batch path: `predict`)."""
    settings = dict(splink_model)
    settings["blocking_rules_to_generate_predictions"] = list(rules)
    linker = linker_for(records, ids, settings)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    table = predictions.as_duckdbpyrelation().select("unique_id_l, unique_id_r").fetchall()
    return {frozenset(pair) for pair in table}
