"""FHIR R4: export, import and the read-only API."""
