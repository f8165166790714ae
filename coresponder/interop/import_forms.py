"""The import page's forms: the upload, and the mapping made with no code.

`MappingForm.mapping_data()` builds the table a TOML mapping file holds; the parser the
command line uses then checks it (`mapping_toml.mapping_of`), and what it refuses is shown
against the field it concerns. `initial_from()` reads a mapping's table back into the form,
to start from a shipped or saved mapping.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coresponder.accounts.models import AgencyKind
from coresponder.calls import triage
from coresponder.calls.models import OTHER_OUTCOME, SOURCE_WORDS
from coresponder.core.local_time import check_time_zone
from coresponder.encounters.dispositions import WORDS as DISPOSITION_WORDS
from coresponder.encounters.dispositions import Disposition

from .classify import MAPPINGS_DIR, read_toml
from .import_file import DELIMITERS, ENCODINGS
from .received import PARTS

NONE = "none"  # the choice that maps a value to no outcome ("" in the TOML)
TEXT_KEYS = ("address", "summary")  # the text fields the form edits
PART_WORDS = {
    "year": gettext_lazy("Year"),
    "month": gettext_lazy("Month (1–12 or its name)"),
    "day": gettext_lazy("Day of the month"),
    "weekday": gettext_lazy("Weekday (Monday … Sunday)"),
    "hour": gettext_lazy("Hour (0–23)"),
    "minute": gettext_lazy("Minute"),
}


def rules_files() -> list[str]:
    """Shipped rules files: the TOML files of `mappings/` that are not mappings."""
    return sorted(
        path.stem
        for path in MAPPINGS_DIR.glob("*.toml")
        if "rules" in (data := read_toml(path, "")) and "received_at" not in data
    )


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    agency = forms.ModelChoiceField(
        label=gettext_lazy("Agency that took the calls"), queryset=None, empty_label=None
    )
    encoding = forms.ChoiceField(label=gettext_lazy("Encoding"), choices=ENCODINGS)
    delimiter = forms.ChoiceField(label=gettext_lazy("Delimiter"), choices=DELIMITERS)
    start = forms.ChoiceField(
        label=gettext_lazy("Start from a mapping"),
        required=False,
        help_text=gettext_lazy("Optional: its columns must be in the file."),
    )

    def __init__(self, *args, agencies, shipped, saved, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        # A CAD export is a police agency's, most often.
        police = agencies.filter(kind=AgencyKind.LAW_ENFORCEMENT).first()
        if police is not None:
            self.fields["agency"].initial = police.pk
        choices: list = [("", _("None: map every column here"))]
        if saved:
            choices.append((_("Saved by the program"), [(f"saved:{m.pk}", m.name) for m in saved]))
        choices.append(
            (_("Shipped with Coresponder"), [(f"shipped:{name}", name) for name in shipped])
        )
        self.fields["start"].choices = choices

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.COR_IMPORT_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s bytes; this page takes at most %(limit)s. Import a "
                    "larger file on the server with: coresponder import calls FILE --mapping "
                    "… (download the mapping from this page)."
                )
                % {"size": f"{upload.size:,}", "limit": f"{limit:,}"}
            )
        return upload


def _columns(header: list[str], *, blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(name, name) for name in header]
    return [("", blank), *choices] if blank is not None else choices


OUTCOME_CHOICES = [
    ("", gettext_lazy("— choose —")),
    *((code.value, DISPOSITION_WORDS[code].capitalize()) for code in Disposition),
    (OTHER_OUTCOME, gettext_lazy("Another outcome (none of these)")),
    (NONE, gettext_lazy("No outcome (cancelled, duplicate, unfounded)")),
]
SOURCE_CHOICES = [(source.value, SOURCE_WORDS[source]) for source in triage.Source]


class MappingForm(forms.Form):
    """Which column is what. `values_of(column)` gives a column's distinct values (and
    whether there were too many to list); each gets a select when the column is chosen."""

    name = forms.CharField(
        label=gettext_lazy("Save the mapping as"),
        max_length=120,
        help_text=gettext_lazy(
            "Kept for the program and offered next time; same name replaces it."
        ),
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    external_id = forms.ChoiceField(
        label=gettext_lazy("Event id column"),
        help_text=gettext_lazy("The export's own id of each call: importing twice adds nothing."),
    )
    time_from = forms.ChoiceField(
        label=gettext_lazy("When the call was received"),
        choices=[
            ("column", gettext_lazy("One column, in a format")),
            ("parts", gettext_lazy("Parts in columns of their own (year, month, …)")),
        ],
        widget=forms.RadioSelect,
        initial="column",
    )
    time_column = forms.ChoiceField(label=gettext_lazy("Date and time column"), required=False)
    time_format = forms.CharField(
        label=gettext_lazy("Its format"),
        required=False,
        max_length=60,
        help_text=gettext_lazy(
            "iso for 2023-11-04T18:08:26, or codes: %m/%d/%Y %I:%M:%S %p reads "
            "11/04/2023 6:08:26 PM."
        ),
    )
    time_zone = forms.CharField(
        label=gettext_lazy("Time zone of the export"),
        max_length=64,
        validators=[check_time_zone],
        help_text=gettext_lazy("An IANA name; the program's unless the export says otherwise."),
    )
    source_from = forms.ChoiceField(
        label=gettext_lazy("How calls came in"),
        choices=[
            ("fixed", gettext_lazy("The same for every call")),
            ("column", gettext_lazy("From a column")),
        ],
        widget=forms.RadioSelect,
        initial="fixed",
    )
    source_value = forms.ChoiceField(
        label=gettext_lazy("Source of every call"), choices=SOURCE_CHOICES, initial="cad"
    )
    source_column = forms.ChoiceField(label=gettext_lazy("Source column"), required=False)
    place_from = forms.ChoiceField(
        label=gettext_lazy("Where calls were"),
        choices=[
            ("address", gettext_lazy("An address or place")),
            ("coordinates", gettext_lazy("Latitude and longitude")),
        ],
        widget=forms.RadioSelect,
        initial="address",
    )
    address_column = forms.ChoiceField(label=gettext_lazy("Address column"), required=False)
    address_template = forms.CharField(
        label=gettext_lazy("Or an address made of columns"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Columns in braces: Beat {Beat}, {Precinct} precinct."),
    )
    latitude = forms.ChoiceField(label=gettext_lazy("Latitude column"), required=False)
    longitude = forms.ChoiceField(label=gettext_lazy("Longitude column"), required=False)
    summary = forms.CharField(
        label=gettext_lazy("Summary of each call"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("Optional; columns in braces: Event type: {EVENT_TYPE}."),
    )
    classify_columns = forms.MultipleChoiceField(
        label=gettext_lazy("Columns that say what the call was about"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Read by the rules below for reported concerns and screening."),
    )
    rules_file = forms.ChoiceField(label=gettext_lazy("Rules for those columns"), required=False)
    outcome_column = forms.ChoiceField(
        label=gettext_lazy("Outcome column"),
        required=False,
        help_text=gettext_lazy("Optional: how each call ended, such as an apprehension yes/no."),
    )

    def __init__(self, *args, header, values_of, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        columns = _columns(header)
        pick = _("— choose a column —")
        self.fields["external_id"].choices = _columns(header, blank=pick)
        for name in ("time_column", "source_column", "address_column", "latitude", "longitude"):
            self.fields[name].choices = _columns(header, blank="—")
        self.fields["outcome_column"].choices = _columns(header, blank=_("None"))
        self.fields["classify_columns"].choices = columns
        self.fields["rules_file"].choices = [("", _("None"))] + [(n, n) for n in rules_files()]
        for part in PARTS:
            self.fields[f"part_{part}"] = forms.ChoiceField(
                label=PART_WORDS[part], required=False, choices=_columns(header, blank="—")
            )
        self.part_names = [f"part_{part}" for part in PARTS]
        # A select per value of the chosen source and outcome columns, read from the file.
        self.value_fields: dict[str, list[tuple[str, str, int]]] = {}
        self.too_many: dict[str, bool] = {}
        for kind, choices in (("source", SOURCE_CHOICES), ("outcome", OUTCOME_CHOICES)):
            column = self._chosen(f"{kind}_column")
            if kind == "source" and self._chosen("source_from") != "column":
                column = ""
            values, too_many = values_of(column) if column in header else ([], False)
            self.too_many[kind] = too_many
            self.value_fields[kind] = []
            for number, (value, rows) in enumerate(values):
                name = f"{kind}_value_{number}"
                self.fields[name] = forms.ChoiceField(
                    label=value,
                    choices=choices if kind == "outcome" else [("", _("— choose —")), *choices],
                    help_text=_("%(rows)s rows") % {"rows": f"{rows:,}"},
                )
                self.value_fields[kind].append((name, value, rows))

    def _chosen(self, name: str) -> str:
        if self.is_bound:
            return self.data.get(self.add_prefix(name), "") or ""
        return self.initial.get(name) or self.fields[name].initial or ""

    @property
    def value_rows(self) -> dict[str, list]:
        """Per kind (source, outcome), each value's select, the value and its rows."""
        return {
            kind: [(self[name], value, rows) for name, value, rows in fields]
            for kind, fields in self.value_fields.items()
        }

    def parts(self) -> list:
        return [self[name] for name in self.part_names]

    def clean(self):
        data = super().clean()
        need = _("Choose a column.")
        if data.get("time_from") == "parts":
            if not data.get("part_year"):
                self.add_error("part_year", _("A call needs at least its year."))
        else:
            if not data.get("time_column"):
                self.add_error("time_column", need)
            if not data.get("time_format"):
                self.add_error("time_format", _("Give the format, or iso."))
        if data.get("source_from") == "column":
            if not data.get("source_column"):
                self.add_error("source_column", need)
            elif self.too_many["source"]:
                self.add_error(
                    "source_column",
                    _("This column has too many different values to be a source."),
                )
        if data.get("place_from") == "coordinates":
            for name in ("latitude", "longitude"):
                if not data.get(name):
                    self.add_error(name, need)
        elif not data.get("address_column") and not data.get("address_template"):
            self.add_error("address_column", _("Choose a column, or make an address of columns."))
        if data.get("classify_columns") and not data.get("rules_file"):
            self.add_error("rules_file", _("Choose the rules that read those columns."))
        if data.get("outcome_column") and self.too_many["outcome"]:
            self.add_error(
                "outcome_column",
                _(
                    "This column has more than %(limit)d different values: an outcome column "
                    "holds a few, such as yes and no."
                )
                % {"limit": len(self.value_fields["outcome"])},
            )
        return data

    # --- the mapping's table ---------------------------------------------------------------

    def mapping_data(
        self, *, encoding: str, delimiter: str, program_zone: str, carried: dict
    ) -> dict:
        """The table a TOML mapping holds; `carried` keeps what the form does not edit
        from the mapping it started from (extra classify rules, caller columns)."""
        data = self.cleaned_data
        table: dict = {}
        if data["description"]:
            table["description"] = data["description"]
        table["encoding"] = encoding
        table["delimiter"] = delimiter
        table["external_id"] = {"column": data["external_id"]}
        if data["time_from"] == "parts":
            received: dict = {
                "parts": {part: data[f"part_{part}"] for part in PARTS if data[f"part_{part}"]}
            }
        else:
            received = {"column": data["time_column"], "format": data["time_format"].strip()}
        if data["time_zone"] != program_zone:
            received["time_zone"] = data["time_zone"]
        table["received_at"] = received
        if data["source_from"] == "column":
            source: dict = {"column": data["source_column"]}
            if "default" in carried.get("source", {}):
                source["default"] = carried["source"]["default"]
            source["values"] = {
                value: data[name] for name, value, _rows in self.value_fields["source"]
            }
        else:
            source = {"value": data["source_value"]}
        table["source"] = source
        if data["place_from"] == "coordinates":
            table["latitude"] = {"column": data["latitude"]}
            table["longitude"] = {"column": data["longitude"]}
        if data["address_template"].strip():
            table["address"] = {"template": data["address_template"].strip()}
        elif data["address_column"]:
            table["address"] = {"column": data["address_column"]}
        if data["summary"].strip():
            table["summary"] = {"template": data["summary"].strip()}
        for key in ("caller_name", "caller_phone", "language"):
            if key in carried:
                table[key] = carried[key]
        if data["classify_columns"]:
            classify: dict = {"columns": list(data["classify_columns"])}
            if data["rules_file"]:
                classify["rules_file"] = data["rules_file"]
            if carried.get("classify", {}).get("rules"):
                classify["rules"] = carried["classify"]["rules"]
            table["classify"] = classify
        if data["outcome_column"]:
            outcome: dict = {"column": data["outcome_column"]}
            start = carried.get("outcome")
            if (
                isinstance(start, dict)
                and start.get("column") == data["outcome_column"]
                and "default" in start
            ):
                outcome["default"] = start["default"]
            outcome["values"] = {
                value: "" if data[name] == NONE else data[name]
                for name, value, _rows in self.value_fields["outcome"]
            }
            table["outcome"] = outcome
        return table

    ERROR_FIELDS = (
        ("[external_id]", "external_id"),
        ("[received_at] format", "time_format"),
        ("[received_at", "time_column"),
        ("[source", "source_column"),
        ("[latitude]", "latitude"),
        ("[longitude]", "longitude"),
        ("say where calls were", "address_column"),
        ("[address]", "address_template"),
        ("[summary]", "summary"),
        ("[classify", "classify_columns"),
        ("[outcome", "outcome_column"),
    )

    def add_mapping_error(self, message: str) -> None:
        """Shows what the mapping parser refused against the field it concerns."""
        data = self.cleaned_data
        for marker, name in self.ERROR_FIELDS:
            if marker in message:
                field = name
                if field == "time_column" and data.get("time_from") == "parts":
                    field = "part_year"
                if field == "source_column" and data.get("source_from") != "column":
                    field = "source_value"
                self.add_error(field, message)
                return
        self.add_error(None, message)


def initial_from(table: dict, *, program_zone: str) -> dict:
    """The form's initial values from a mapping's table (a shipped or saved mapping)."""
    initial: dict = {"description": table.get("description", "")}
    if "external_id" in table:
        initial["external_id"] = table["external_id"].get("column", "")
    received = table.get("received_at", {})
    initial["time_zone"] = received.get("time_zone", program_zone)
    if "parts" in received:
        initial["time_from"] = "parts"
        for part, column in received["parts"].items():
            initial[f"part_{part}"] = column
    else:
        initial["time_from"] = "column"
        initial["time_column"] = received.get("column", "")
        initial["time_format"] = received.get("format", "")
    source = table.get("source", {})
    if "column" in source:
        initial["source_from"] = "column"
        initial["source_column"] = source["column"]
    else:
        initial["source_from"] = "fixed"
        initial["source_value"] = source.get("value", "cad")
    if "latitude" in table:
        initial["place_from"] = "coordinates"
        initial["latitude"] = table["latitude"].get("column", "")
        initial["longitude"] = table.get("longitude", {}).get("column", "")
    address = table.get("address", {})
    if "column" in address:
        initial["address_column"] = address["column"]
    elif "template" in address:
        initial["address_template"] = address["template"]
    summary = table.get("summary", {})
    initial["summary"] = summary.get("template") or (
        "{" + summary["column"] + "}" if "column" in summary else ""
    )
    classify = table.get("classify", {})
    initial["classify_columns"] = classify.get("columns", [])
    initial["rules_file"] = classify.get("rules_file", "")
    outcome = table.get("outcome")
    if isinstance(outcome, list):
        outcome = outcome[0] if outcome else None
    if outcome:
        initial["outcome_column"] = outcome.get("column", "")
    return initial


def initial_values(form: MappingForm, table: dict) -> dict:
    """The value selects' initial choices from a mapping's table: what it says of each
    value found in the file, or its default."""
    initial = {}
    source = table.get("source", {})
    outcome = table.get("outcome")
    if isinstance(outcome, list):
        outcome = outcome[0] if outcome else {}
    for kind, spec in (("source", source), ("outcome", outcome or {})):
        values = {str(k).strip().upper(): v for k, v in spec.get("values", {}).items()}
        for name, value, _rows in form.value_fields[kind]:
            said = values.get(value, spec.get("default"))
            if said is not None:
                initial[name] = NONE if said == "" and kind == "outcome" else said
    return initial
