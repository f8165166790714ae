"""System checks for what would otherwise fail on every request."""

from django.conf import settings
from django.core.checks import Error, register

from .throttles import RateInvalid, parse_rate


@register()
def api_rates_valid(app_configs, **kwargs) -> list[Error]:
    """A rate the API cannot read would fail every API request; say so before serving."""
    errors = []
    for operation, rate in sorted(settings.COR_API_RATES.items()):
        try:
            parse_rate(rate)
        except RateInvalid as error:
            errors.append(
                Error(
                    f"The API's {operation} rate is not valid: {error}",
                    hint="Write it as a number of requests per s, min, hour or day, e.g. 600/min.",
                    id="core.E003",
                )
            )
    return errors
