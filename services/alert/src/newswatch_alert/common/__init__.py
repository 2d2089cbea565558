"""Common: Redis key layout, metrics, text rules, URL redaction, watchlist change log, parts, OpenAPI, SSE.
May import: no other subpackage; every other one may import it."""
