# Vellum's container image: `vellum` and `vellum-audit`, statically linked against the Swift
# runtime, on a slim Debian, run as an unprivileged user. It needs an external PostgreSQL
# (VELLUM_DATABASE_URL); it has no PostgreSQL server binaries, so the embedded cluster (the default
# without a database URL) is for development only. docs/operations.md; deploy/compose.yaml uses it.

FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
RUN swift build -c release --static-swift-stdlib --product vellum \
 && swift build -c release --static-swift-stdlib --product vellum-audit \
 && bin="$(swift build -c release --static-swift-stdlib --show-bin-path)" \
 && install -D -m 0755 "$bin/vellum" /out/vellum \
 && install -D -m 0755 "$bin/vellum-audit" /out/vellum-audit

FROM debian:bookworm-slim
# ca-certificates: sslmode=verify-full against a database's certificate. Foundation and the Swift
# runtime are linked in; what remains is glibc and libstdc++ (already in the base image). Versions
# are left to the bookworm release, whose updates are security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 vellum \
 && useradd --system --uid 10001 --gid vellum --home-dir /var/lib/vellum --shell /usr/sbin/nologin vellum \
 && install -d -o vellum -g vellum -m 0750 /var/lib/vellum /var/lib/vellum/checkpoints
COPY --from=build /out/ /usr/local/bin/
WORKDIR /var/lib/vellum
# The user `vellum`, by number, so that a runtime can tell it is not root without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080
# No curl in the image: bash asks /readyz itself (200 while the database answers).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${VELLUM_PORT:-8080} && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && read -r status <&3 && [[ $status == *' 200 '* ]]"]
ENTRYPOINT ["vellum"]
CMD ["serve", "--host", "0.0.0.0"]
