#!/usr/bin/env bash
# Start a pinned GROBID service for `translate`, wait until it answers, print its URL.
#
#   ./serve_grobid.sh            # Docker if it works, otherwise the Java distribution
#   GROBID_PORT=8071 ./serve_grobid.sh
#   GROBID_MODE=java ./serve_grobid.sh
#
# Needs internet the first time (image or distribution download).
set -euo pipefail

GROBID_VERSION="${GROBID_VERSION:-0.8.2}"
GROBID_PORT="${GROBID_PORT:-8070}"
GROBID_MODE="${GROBID_MODE:-auto}"
GROBID_HOME_DIR="${GROBID_HOME_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/paper-translator/grobid-${GROBID_VERSION}}"
IMAGE="grobid/grobid:${GROBID_VERSION}"
URL="http://localhost:${GROBID_PORT}"

say() { printf '%s\n' "$*" >&2; }

alive() {
    curl -fsS --max-time 3 "${URL}/api/isalive" 2>/dev/null | grep -qi true
}

wait_alive() {
    local waited=0 limit="${GROBID_WAIT_SECONDS:-300}"
    say "waiting for GROBID at ${URL} (models load in 20-120 s)..."
    until alive; do
        sleep 3
        waited=$((waited + 3))
        if [ "${waited}" -ge "${limit}" ]; then
            say "GROBID did not answer at ${URL}/api/isalive within ${limit} s; see the log above"
            exit 1
        fi
    done
    say "GROBID ${GROBID_VERSION} is ready"
    printf '%s\n' "${URL}"
}

docker_works() {
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1
}

run_docker() {
    say "starting ${IMAGE} with Docker on port ${GROBID_PORT}"
    docker run -d --rm --name "grobid-${GROBID_PORT}" --init --ulimit core=0 \
        -e JAVA_OPTS="-Xmx4g" -p "${GROBID_PORT}:8070" "${IMAGE}" >/dev/null
    wait_alive
}

run_java() {
    command -v java >/dev/null 2>&1 || { say "neither Docker nor Java 17+ is available: install one of them"; exit 1; }
    local src="${GROBID_HOME_DIR}/grobid-${GROBID_VERSION}"
    if [ ! -d "${src}" ]; then
        say "downloading GROBID ${GROBID_VERSION} into ${GROBID_HOME_DIR}"
        mkdir -p "${GROBID_HOME_DIR}"
        curl -fL --retry 3 -o "${GROBID_HOME_DIR}/grobid.zip" \
            "https://github.com/kermitt2/grobid/archive/refs/tags/${GROBID_VERSION}.zip"
        (cd "${GROBID_HOME_DIR}" && unzip -q grobid.zip && rm grobid.zip)
    fi
    say "building and starting GROBID ${GROBID_VERSION} with Java on port ${GROBID_PORT} (log: ${GROBID_HOME_DIR}/grobid.log)"
    (
        cd "${src}"
        ./gradlew clean install -x test >"${GROBID_HOME_DIR}/build.log" 2>&1
        nohup ./gradlew run -Dorg.gradle.jvmargs=-Xmx4g >"${GROBID_HOME_DIR}/grobid.log" 2>&1 &
    )
    wait_alive
}

if alive; then
    say "GROBID already answers at ${URL}"
    printf '%s\n' "${URL}"
    exit 0
fi

case "${GROBID_MODE}" in
    docker) run_docker ;;
    java) run_java ;;
    auto) if docker_works; then run_docker; else run_java; fi ;;
    *) say "GROBID_MODE must be auto, docker or java"; exit 2 ;;
esac
