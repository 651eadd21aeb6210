# syntax=docker/dockerfile:1
# Build: docker build -t gitsync:dev .
FROM python:3.11.10-slim-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends gcc g++ \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY gitsync ./gitsync
RUN python -m venv /opt/gitsync \
    && /opt/gitsync/bin/pip install --no-cache-dir --upgrade pip \
    && /opt/gitsync/bin/pip install --no-cache-dir .

FROM python:3.11.10-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 gitsync \
    && useradd --uid 10001 --gid 10001 --home-dir /var/cache/gitsync --no-create-home gitsync \
    && mkdir -p /var/cache/gitsync && chown 10001:10001 /var/cache/gitsync
COPY --from=build /opt/gitsync /opt/gitsync
ENV PATH=/opt/gitsync/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/var/cache/gitsync \
    GITSYNC_CACHE_DIR=/var/cache/gitsync
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["gitsync"]
CMD ["serve"]
