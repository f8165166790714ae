"""Domain exceptions. Actions raise these; one handler per surface maps them to responses."""


class DomainError(Exception):
    """A request the program understood and refuses, with a reason a person can act on."""

    code = "refused"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(DomainError):
    """Input no schema could refuse alone, such as a time outside the program's bounds:
    answered as a schema's refusal is (422 `invalid`, each field named)."""

    code = "invalid"
    status = 422


class NotFound(DomainError):
    """Also raised for objects that exist but are forbidden, so existence never leaks."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
