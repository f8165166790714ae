"""Response plan pages: clinicians draft, supervisors approve."""
