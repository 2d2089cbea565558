"""Settings shared by every service.

Each service subclasses :class:`ServiceSettings` once (env prefix ``NEWSWATCH_``), builds it at
start-up and passes the pieces down; nothing reads the environment after that. The Kafka and Redis
parts are handed to the plumbing as small frozen models, so the plumbing never sees the environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from newswatch_shared.netguard import EgressPolicy

__all__ = ["AdminSettings", "KafkaConfig", "ServiceSettings", "UNSAFE_TOKENS", "check_admin_token"]

#: Tokens that look like placeholders; an admin token must never be one of these.
UNSAFE_TOKENS = frozenset({"changeme", "change-me", "admin", "secret", "password", "token", "test"})


class KafkaConfig(BaseModel):
    """What the Kafka helpers need; built from settings, never from the environment."""

    model_config = ConfigDict(frozen=True)

    bootstrap: str
    client_id: str
    enable_idempotence: bool
    partitions: int
    create_topics: bool
    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    request_timeout_ms: int = 30_000
    max_message_bytes: int = 1_000_000
    topic_prefix: str = ""

    def topic(self, name: str) -> str:
        """The broker's name for one of newswatch's topics (``shared.topics``)."""
        return self.topic_prefix + name

    def group(self, name: str) -> str:
        """The broker's name for one of newswatch's consumer groups."""
        return self.topic_prefix + name


class ServiceSettings(BaseSettings):
    """Settings every service reads. Field ``foo_bar`` is set by ``NEWSWATCH_FOO_BAR``."""

    model_config = SettingsConfigDict(env_prefix="NEWSWATCH_", extra="ignore", frozen=True)

    kafka_bootstrap: str = Field(
        default="127.0.0.1:9092", description="Kafka bootstrap servers, comma-separated host:port."
    )
    kafka_client_id: str = Field(default="newswatch", description="Client id prefix seen by the broker.")
    kafka_enable_idempotence: bool = Field(
        default=True,
        description="Idempotent producer. On for Apache Kafka; the embedded Tansu broker refuses it, "
        "so `newswatch dev` and the tests turn it off (consumers tolerate repeats either way).",
    )
    kafka_partitions: int = Field(default=6, ge=1, description="Partitions for topics newswatch creates.")
    kafka_topic_prefix: str = Field(
        default="",
        pattern=r"^[A-Za-z0-9._-]*$",
        max_length=100,
        description="Put before every topic and consumer-group name (`staging.` makes "
        "`staging.articles.raw`), so several deployments, or the test suite, can share one Kafka cluster.",
    )
    kafka_create_topics: bool = Field(default=True, description="Create missing topics at start-up.")
    kafka_session_timeout_ms: int = Field(
        default=10_000,
        ge=1_000,
        description="Consumer group session timeout. A dead replica's partitions move after this long; "
        "Tansu also holds a new member's join for about half of it, so the dev stack uses less.",
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=3_000, ge=100, description="Consumer heartbeat interval."
    )
    kafka_max_message_bytes: int = Field(
        default=1_000_000,
        ge=10_000,
        description="Largest message newswatch produces, encoded. A bigger one is never sent: its input goes "
        "to the dead-letter topic. Keep it at or below the broker's message.max.bytes (1,048,588 by "
        "default in Apache Kafka).",
    )
    redis_url: str = Field(default="redis://127.0.0.1:6379/0", description="Redis (or Valkey) URL.")
    taxonomy_path: Path | None = Field(
        default=None,
        description="Escalation taxonomy and concept scheme (TOML) to use instead of the packaged one; "
        "give enrich and alert the same file.",
    )
    host: str = Field(default="127.0.0.1", description="Address the HTTP API binds to.")
    log_level: str = Field(default="INFO", description="Python log level.")
    log_format: Literal["json", "text"] = Field(default="json", description="JSON lines or plain text.")
    batch_size: int = Field(default=64, ge=1, description="Most Kafka records handled in one batch.")
    allow_private_urls: bool = Field(
        default=False,
        description="Let ingest fetch feeds, and alert deliver webhooks and Slack messages, to addresses "
        "that are not public (loopback, private, link-local such as 169.254.169.254, …). Off, such URLs "
        "are refused when saved and at every connection, redirects included. `newswatch dev` and the "
        "tests turn it on (their feeds and receivers are on 127.0.0.1); keep it off in production.",
    )
    allowed_private_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Hosts (comma-separated, as written in URLs) that may be at non-public addresses even "
        "so: a feed or receiver on your own network, without opening the rest of it (compose: demo-feed).",
    )

    @field_validator("allowed_private_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def egress_policy(self) -> EgressPolicy:
        """Where ingest and alert may connect for URLs others chose (``newswatch_shared.egress``)."""
        return EgressPolicy.build(self.allow_private_urls, self.allowed_private_hosts)

    def kafka(self, service: str) -> KafkaConfig:
        return KafkaConfig(
            bootstrap=self.kafka_bootstrap,
            client_id=f"{self.kafka_client_id}-{service}",
            enable_idempotence=self.kafka_enable_idempotence,
            partitions=self.kafka_partitions,
            create_topics=self.kafka_create_topics,
            session_timeout_ms=self.kafka_session_timeout_ms,
            heartbeat_interval_ms=self.kafka_heartbeat_interval_ms,
            max_message_bytes=self.kafka_max_message_bytes,
            topic_prefix=self.kafka_topic_prefix,
        )


def check_admin_token(token: SecretStr) -> None:
    """Refuse a token anyone could guess: short, or a placeholder left in a config file."""
    value = token.get_secret_value()
    if len(value) < 16 or value.lower() in UNSAFE_TOKENS:
        raise ValueError("NEWSWATCH_ADMIN_TOKEN must be at least 16 characters and not a placeholder")


class AdminSettings(ServiceSettings):
    """Settings for a service with admin endpoints: refuses to start without a real admin token."""

    admin_token: SecretStr = Field(
        description="Bearer token for admin endpoints (16+ characters; `make run` generates one). "
        "Required by ingest and by alert's api role (alert's match and deliver roles need none)."
    )

    @model_validator(mode="after")
    def _token_is_safe(self) -> AdminSettings:
        check_admin_token(self.admin_token)
        return self
