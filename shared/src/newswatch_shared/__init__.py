"""What every newswatch service shares: the wire contract (schemas, topics) and the plumbing
(settings, Kafka, Redis, logging, the consume loop, the ops endpoints).

Services import from the submodules; this package keeps no global state.
"""

__all__ = [
    "egress",
    "entity_names",
    "errors",
    "ids",
    "kafka",
    "log_setup",
    "metrics",
    "netguard",
    "ops",
    "pipeline",
    "redis_client",
    "runtime",
    "schemas",
    "settings",
    "topics",
]
