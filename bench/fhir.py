"""Importing an EHR's FHIR bundle: resources per second, against parsing and validating alone.

Builds one collection bundle of 10 patients from the Synthea bundles in
../shared/data/fhir-synthea/bundles (the nine as they are, and the smallest again under new
ids, derived by uuid5 so every run builds the same bundle), then times, in this process:

- **baseline**: `json.loads` and `fhir.resources`' R4B `Bundle.model_validate_json`, nothing
  else (the least any importer that validates must do);
- **read**: `interop.fhir.importer.read_bundle` (the baseline plus references, classes,
  patients: still no database);
- **import**: read, match every patient to the person index and write (`import_fhir_bundle`)
  into a fresh program, as `coresponder import fhir` and the API do;
- **again**: the same bundle imported a second time (nothing changes).

Each is the best of `--repeat` runs (default 3; import runs on a fresh program each time).
Prints resources per second and each time as a ratio to the baseline, and the load average,
since the figures are only comparable within one run.

    .venv/bin/python bench/fhir.py [--repeat N]

Without DATABASE_URL the run uses a SQLite file in a new temporary directory, removed at
the end; with DATABASE_URL it migrates that database and leaves the programs it made.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid
from datetime import date
from pathlib import Path

from django_setup import set_up_django
from measure import progress

# This script's name is the `fhir` package's: with its folder on the path, `import
# fhir.resources` would find the script. The helpers are imported; the folder can go.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "fhir-synthea" / "bundles"
PATIENTS = 10
TODAY = date(2026, 1, 1)


def ten_patient_bundle() -> bytes:
    files = sorted(SHARED.glob("*.json"), key=lambda path: path.stat().st_size)
    entries = []
    for path in files:
        entries += json.loads(path.read_text(encoding="utf-8"))["entry"]
    # The smallest patient once more, every id and urn:uuid replaced by a derived one.
    text = files[0].read_text(encoding="utf-8")
    for entry in json.loads(text)["entry"]:
        old = entry["resource"]["id"]
        text = text.replace(old, str(uuid.uuid5(uuid.NAMESPACE_URL, old)))
    entries += json.loads(text)["entry"]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    for entry in entries:
        entry.pop("request", None)  # a collection's entries carry no request
    patients = sum(entry["resource"]["resourceType"] == "Patient" for entry in entries)
    assert patients == PATIENTS, patients
    return json.dumps(bundle).encode()


def best(repeat: int, run) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    if not SHARED.exists():
        print(f"No Synthea bundles at {SHARED}: nothing to measure.")
        return 0
    scratch = set_up_django()
    try:
        return run(options.repeat)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def run(repeat: int) -> int:
    from fhir.resources.R4B.bundle import Bundle

    from coresponder.accounts.actions import create_user
    from coresponder.accounts.models import Agency, AgencyKind, Program, Role
    from coresponder.interop.actions import import_fhir_bundle
    from coresponder.interop.fhir.importer import read_bundle

    raw = ten_patient_bundle()
    resources = len(json.loads(raw)["entry"])
    progress(f"bundle: {PATIENTS} patients, {resources:,} resources, {len(raw):,} bytes")
    Bundle.model_validate_json(raw)  # warm the models once, outside the timings

    baseline = best(repeat, lambda: (json.loads(raw), Bundle.model_validate_json(raw)))
    progress(f"baseline {baseline:.2f} s")
    reading = best(repeat, lambda: read_bundle(raw, today=TODAY))
    progress(f"read {reading:.2f} s")

    number = iter(range(1, 1000))
    clinicians = []

    def fresh_import():
        n = next(number)
        program = Program.objects.create(
            name=f"FHIR bench {n}", slug=f"fhir-bench-{os.getpid()}-{n}"
        )
        agency = Agency.objects.create(
            program=program, name="Bench health", kind=AgencyKind.BEHAVIORAL_HEALTH
        )
        clinician = create_user(
            username=f"fhir-bench-{os.getpid()}-{n}",
            full_name="Bench clinician",
            agency=agency,
            roles=[Role.CLINICIAN],
            password="bench-password-not-used-7",  # noqa: S106 - a throwaway bench user
            acting_user=None,
        )
        clinicians.append(clinician)
        import_fhir_bundle(read_bundle(raw, today=TODAY), source="Bench EHR", acting_user=clinician)

    importing = best(repeat, fresh_import)
    progress(f"import {importing:.2f} s")
    again = best(
        repeat,
        lambda: import_fhir_bundle(
            read_bundle(raw, today=TODAY), source="Bench EHR", acting_user=clinicians[-1]
        ),
    )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    cores = os.cpu_count()
    from django.db import connection

    print(
        f"FHIR import, {PATIENTS}-patient Synthea bundle: {resources:,} resources, "
        f"{len(raw) / 1e6:.1f} MB ({connection.vendor}); best of {repeat}"
    )
    print(f"load average {load} on {cores} cores\n")
    print(f"{'step':<34}{'seconds':>9}{'resources/s':>13}{'x baseline':>12}")
    for label, seconds in (
        ("baseline: json + R4B validation", baseline),
        ("read_bundle (no database)", reading),
        ("import (match, register, write)", importing),
        ("import again (nothing changes)", again),
    ):
        print(f"{label:<34}{seconds:>9.2f}{resources / seconds:>13,.0f}{seconds / baseline:>12.2f}")
    verdict = "under" if importing < 2 else "OVER"
    print(f"\n10-patient import {importing:.2f} s: {verdict} the issue's 2 s (at this load)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
