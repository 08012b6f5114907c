# mailward: build a static binary, run it as an unprivileged user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/mailward ./cmd/mailward

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/mailward --create-home mailward
COPY --from=build /out/mailward /usr/local/bin/mailward
USER mailward
WORKDIR /var/lib/mailward
# The quarantine (quarantine.dir: /var/lib/mailward/quarantine) and any
# maildir next hop: held mail must outlive the container.
VOLUME ["/var/lib/mailward"]
# Ready = relaying: next hops answer 220 and clamd answers PING (Redis down
# is degraded, not unready). `mailward health` asks /readyz on metrics.listen.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/mailward", "health", "-config", "/etc/mailward/mailward.yaml"]
# Open transactions get their answer within limits.reply_deadline (300 s):
# stop with SIGTERM and give them that long (docker stop -t 330).
STOPSIGNAL SIGTERM
# SMTP, review page, metrics. Bind addresses come from the config file;
# in a container set listen: 0.0.0.0:2525 (and trusted_networks to match).
EXPOSE 2525 8025 9025
ENTRYPOINT ["/usr/local/bin/mailward"]
CMD ["serve", "-config", "/etc/mailward/mailward.yaml"]
