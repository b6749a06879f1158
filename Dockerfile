# syntax=docker/dockerfile:1
# The mlinfra image: the `mlinfra` command with every package and the shared-store drivers
# (pg, @aws-sdk/client-s3). Configured only through the environment:
#   MLINFRA_STORE         s3://bucket/prefix (or a mounted folder)
#   MLINFRA_DATABASE_URL  postgres://user:password@host/db (refs and the registry)
#   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION, AWS_ENDPOINT_URL_S3 (S3-compatible stores)
#   MLINFRA_TOKEN         bearer token(s) `mlinfra serve` requires, comma-separated
# Usually all of them come from one Kubernetes Secret (envFrom), as `mlinfra deploy` writes.
#
# Build from the repository root: docker build -t mlinfra .

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles against Node's headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
RUN npm install -g pnpm@12.4.2
WORKDIR /src
COPY . .
ENV npm_config_nodedir=/usr/local TURBO_TELEMETRY_DISABLED=1
RUN pnpm install --frozen-lockfile \
 && pnpm turbo run build --filter=@mlinfra/cli... \
 && pnpm --filter=@mlinfra/cli deploy --prod --legacy /out

FROM node:20-bookworm-slim
ENV NODE_ENV=production MLINFRA_HOME=/tmp/mlinfra
COPY --from=build --chown=root:root /out /opt/mlinfra
# The `node` user (uid 1000) of the base image; the root file system can be read-only: mlinfra
# writes only under /tmp (mount an emptyDir there).
USER 1000:1000
WORKDIR /tmp
EXPOSE 8080
ENTRYPOINT ["node", "/opt/mlinfra/dist/bin.js"]
CMD ["--help"]
