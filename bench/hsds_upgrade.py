"""Reading an HSDS 1.1 directory: the conversion to HSDS 3 beside reading HSDS 3 itself.

Writes a synthetic HSDS 1.1 package (the same every run) of N services, each
with its location, service-at-location, two weekly opening hours and a phone speaking two
languages, into a temporary folder; reads it with `hsds.read_package` (telling the version,
converting, checking every row by the HSDS 3 rules); writes the rows it gave as an HSDS 3
package; reads that. Prints both times and their ratio: what the conversion costs on top of
the reading and checking every import does. No database is used.

    .venv/bin/python bench/hsds_upgrade.py [--services N]
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def write(folder: Path, name: str, header: list[str], rows) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def older_package(folder: Path, services: int) -> None:
    organizations = max(services // 4, 1)
    write(
        folder,
        "organizations.csv",
        ["id", "name", "description", "url"],
        (
            [f"o{i}", f"Organisation {i}", "Demo", "https://example.org"]
            for i in range(organizations)
        ),
    )
    write(
        folder,
        "services.csv",
        ["id", "organization_id", "name", "status", "fees", "wait_time", "taxonomy_ids"],
        (
            [f"s{i}", f"o{i % organizations}", f"Service {i}", "active", "none", "", ""]
            for i in range(services)
        ),
    )
    write(
        folder,
        "locations.csv",
        ["id", "organization_id", "name", "latitude", "longitude"],
        (
            [f"l{i}", f"o{i % organizations}", f"Site {i}", "47.6", "-122.3"]
            for i in range(services)
        ),
    )
    write(
        folder,
        "services_at_location.csv",
        ["id", "service_id", "location_id"],
        ([f"sal{i}", f"s{i}", f"l{i}"] for i in range(services)),
    )
    write(
        folder,
        "regular_schedules.csv",
        ["id", "service_id", "weekday", "opens_at", "closes_at"],
        ([f"r{i}", f"s{i // 2}", str(i % 7 + 1), "09:00", "17:00"] for i in range(2 * services)),
    )
    write(
        folder,
        "phones.csv",
        ["id", "service_id", "number", "language"],
        ([f"p{i}", f"s{i}", "555-0100", "en, es"] for i in range(services)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=20_000)
    services = parser.parse_args().services
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coresponder.settings.test")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from coresponder.referrals import hsds

    scratch = Path(tempfile.mkdtemp(prefix="cor-bench-hsds-"))
    try:
        older, newer = scratch / "hsds-1.1", scratch / "hsds-3"
        older.mkdir()
        newer.mkdir()
        older_package(older, services)
        started = time.perf_counter()
        package = hsds.read_package(older)
        converting = time.perf_counter() - started
        if package.errors:
            print(f"the synthetic package was refused: {package.errors[:3]}", file=sys.stderr)
            return 1
        for table in hsds.TABLES:
            names = hsds.column_headers(table)
            write(
                newer,
                table.file,
                names,
                (
                    [hsds.format_value(row.values.get(name)) for name in names]
                    for row in package.rows.get(table.name, [])
                ),
            )
        started = time.perf_counter()
        same = hsds.read_package(newer)
        reading = time.perf_counter() - started
        if same.errors or same.row_count != package.row_count:
            print("the HSDS 3 copy does not read back the same rows", file=sys.stderr)
            return 1
    finally:
        shutil.rmtree(scratch)
    rows = package.row_count
    print(f"Reading an HSDS 1.1 directory: {services:,} services, {rows:,} HSDS 3 rows\n")
    print(f"{'method':<36}{'seconds':>9}{'rows/s':>11}")
    print(f"{'HSDS 1.1: tell, convert, check':<36}{converting:>9.2f}{rows / converting:>11,.0f}")
    print(f"{'HSDS 3: the same rows, check':<36}{reading:>9.2f}{rows / reading:>11,.0f}")
    print(f"\nconversion / HSDS 3: {converting / reading:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
