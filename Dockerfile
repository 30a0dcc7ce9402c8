# syntax=docker/dockerfile:1
# init-injector webhook image. Build: docker build -t init-injector:dev .
#
# Base images use the official Node 24 tag without a digest so that security rebuilds pick up patched
# layers. For a reproducible release build, pin the digest you tested:
#   docker buildx imagetools inspect node:24-bookworm-slim --format '{{json .Manifest.Digest}}'
#   docker build --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:<digest> .
# test/deploy/image.test.ts reproduces the final stage (its COPY lines, the production install and
# `serve` answering /readyz) without a Docker engine; keep the COPY lines simple (one source each).
ARG NODE_IMAGE=node:24-bookworm-slim

# Stage 1: full install and TypeScript build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Stage 2: production dependencies only (no TypeScript, mocha, eslint…). --ignore-scripts: no
# dependency may run code at install time.
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# Stage 3: runtime. Same official image (node on PATH); npm and corepack are removed because nothing
# runs them at run time. The process needs no shell: the ENTRYPOINT is exec form.
FROM ${NODE_IMAGE}
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
WORKDIR /app
ENV NODE_ENV=production
# package.json is needed at run time: it declares "type": "module" for dist/.
COPY package.json ./package.json
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# The shipped policies (serve's default --policies, relative to /app), so that `docker run` works
# without a mount; the Deployment mounts its own at /etc/init-injector/policies.
COPY policies ./policies
# Numeric non-root user (the distroless "nonroot" id), so runAsNonRoot can be verified by the kubelet.
USER 65532:65532
EXPOSE 8443 9090
# bin/init-injector.js imports dist/cli/main.js and calls run(argv) (dist/cli/main.js only exports it).
ENTRYPOINT ["node", "bin/init-injector.js", "serve"]
