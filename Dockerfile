# syntax=docker/dockerfile:1
# Vigil's container image: built in one stage, run from a slim one as a non-root user.
# The embedded PostgreSQL default is off here: DATABASE_URL is required.

FROM rust:1.95-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
# The workspace names the bench crate, so cargo reads its manifest; only `vigil` is built.
COPY bench bench
COPY migrations migrations
# The English and French email texts are compiled in (src/mail/catalog.rs).
COPY workflows workflows
RUN cargo build --release --locked --package vigil --bin vigil

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/vigil --create-home vigil
COPY --from=build /src/target/release/vigil /usr/local/bin/vigil
COPY workflows /etc/vigil/workflows
ENV VIGIL_HOME=/var/lib/vigil \
    VIGIL_LISTEN=0.0.0.0:8080 \
    VIGIL_WORKFLOWS_DIR=/etc/vigil/workflows \
    VIGIL_EMBEDDED_DB=false \
    VIGIL_LOG_FORMAT=json
USER vigil
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["vigil", "healthcheck"]
ENTRYPOINT ["vigil", "serve"]
