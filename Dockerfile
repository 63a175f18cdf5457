# ampmeter: one executable (Kore 4.1 compiled in, see conf/build.conf) on
# Debian 12. Every package step is scripts/deps.sh, the script `make` runs,
# so CI exercises the same steps the image takes.
#
#   docker build -t ampmeter .
#   docker run -e DATABASE_URL=... -e AMP_JWT_SECRET=... -p 8080:8080 ampmeter
#
# or, with PostgreSQL and migrations: docker compose up --build

FROM debian:12 AS build
WORKDIR /src
# Packages first, in their own layer: it changes only with deps.sh.
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build && rm -rf /var/lib/apt/lists/*
# The sources include patches/kore/: build.sh applies them to a copy of
# Debian's Kore sources (build/kore-src) exactly as `make` does.
COPY . .
RUN scripts/build.sh

# The demo loader (scripts/demo), for compose's opt-in `demo` profile; not
# part of the service's image, which is the last stage.
FROM debian:12-slim AS demo
COPY scripts/deps.sh /tmp/deps.sh
RUN /tmp/deps.sh demo && rm -rf /var/lib/apt/lists/* /tmp/deps.sh
WORKDIR /app
COPY scripts/demo/ /app/scripts/demo/
USER nobody
ENTRYPOINT ["/usr/bin/python3", "/app/scripts/demo/load.py"]

FROM debian:12-slim
COPY scripts/deps.sh /tmp/deps.sh
RUN /tmp/deps.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/deps.sh && \
    useradd --system --uid 10001 --user-group --home-dir /nonexistent \
	--no-create-home --shell /usr/sbin/nologin ampmeter
WORKDIR /app
COPY --from=build /src/ampmeter /app/ampmeter
COPY scripts/migrate.sh scripts/schema-version.sh scripts/citus.sh /app/scripts/
COPY sql/ /app/sql/
COPY docker/entrypoint.sh /app/docker/entrypoint.sh

USER ampmeter:ampmeter
ENV AMP_BIND=0.0.0.0 \
    PORT=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/healthz" || exit 1
ENTRYPOINT ["/app/docker/entrypoint.sh"]
