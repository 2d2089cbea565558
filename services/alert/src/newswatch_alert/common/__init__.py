"""Common: the Redis key layout, metrics, text rules, the watchlist change log, parts, OpenAPI and SSE.
May import: no other subpackage; every other one may import it."""
