"""Rate limits of the JSON API: per agency token or signed-in user, per kind of operation.

Each token and each user has its own counter for reads, for writes and for CAD deliveries,
counted in fixed windows of the rate's period (600/min: from :00 to :59 of each minute) in
Django's cache. A request over the limit is answered 429 with `Retry-After`: the seconds
until its window ends. The counters are as shared as the cache is: a cache in memory
counts per worker process, the database cache across all of them.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

PERIODS = {"s": 1, "sec": 1, "min": 60, "m": 60, "hour": 3600, "h": 3600, "day": 86400, "d": 86400}
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RateInvalid(ValueError):
    pass


def parse_rate(rate: str) -> tuple[int, int]:
    """`600/min` is (600, 60): so many requests in so many seconds."""
    count, _, period = str(rate).partition("/")
    try:
        requests = int(count)
    except ValueError:
        requests = 0
    if requests < 1 or period.strip() not in PERIODS:
        raise RateInvalid(f"{rate!r} is not a number of requests per s, min, hour or day.")
    return requests, PERIODS[period.strip()]


def principal_of(request: HttpRequest) -> str | None:
    """Whom a request is counted against: the agency token or the user it authenticated as."""
    auth = getattr(request, "auth", None)
    if auth is None:
        return None
    return f"{auth._meta.label_lower}:{auth.pk}"


def operation_of(request: HttpRequest) -> str:
    return "read" if request.method in READ_METHODS else "write"


class ApiRateThrottle(BaseThrottle):
    """Ninja's throttle hook over our counters; `operation` fixes the kind (the CAD feed's
    `cad`), otherwise reads and writes are told apart by the method.

    One instance serves every request of the operations it guards, from many threads: what
    `wait()` reports is kept per thread.
    """

    def __init__(self, operation: str | None = None) -> None:
        self.operation = operation
        self._last = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        principal = principal_of(request)
        if principal is None:
            return True
        operation = self.operation or operation_of(request)
        limit, seconds = parse_rate(settings.COR_API_RATES[operation])
        now = time.time()
        window = int(now // seconds)
        key = f"cor-throttle:{operation}:{principal}:{window}"
        cache = caches[settings.COR_THROTTLE_CACHE]
        # add() opens the window's counter once; incr() counts (atomically where the cache
        # can; the database cache may let a few concurrent requests past the limit).
        cache.add(key, 0, timeout=seconds + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # the counter expired between the two calls
            cache.set(key, 1, timeout=seconds + 5)
            used = 1
        self._last.wait = (window + 1) * seconds - now
        return used <= limit

    def wait(self) -> float | None:
        return getattr(self._last, "wait", None)
