# syntax=docker/dockerfile:1
# (BuildKit syntax, for the --mount=type=cache build caches below.)

# ---- build ----------------------------------------------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src

# A static, pure-Go binary: the SQLite driver (modernc.org/sqlite) and pgx need
# no cgo, so the result runs on an image with no libc. GOTOOLCHAIN=local fails
# the build if go.mod ever asks for a newer Go than the image has, rather than
# downloading one. .git is not in the build context, so no VCS stamping.
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

# Dependencies first, so editing code does not re-download modules.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/respite ./cmd/respite

# ---- runtime --------------------------------------------------------------
# distroless/static: CA certificates (for Twilio's HTTPS API), tzdata and a
# "nonroot" user (uid/gid 65532), and no shell or package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/respite /respite
USER nonroot:nonroot
EXPOSE 8080
# No shell in this image, so the health check is the binary itself: it GETs
# /healthz on RESPITE_ADDR (default :8080) and exits 0 or 1.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/respite", "healthcheck"]
ENTRYPOINT ["/respite"]
CMD ["serve"]
