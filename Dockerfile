# syntax=docker/dockerfile:1
# Dependencies stage: production dependencies only (tsx, a dependency, runs the TypeScript sources
# directly, so there is no build step).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=4000 HOST=0.0.0.0 BIBGRAPH_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# Everything read at run time: the sources and the CLI, the migrations applied at start, and the
# CSL styles and locales behind `formatted`, `bibliography` and `bibgraph export --format text`.
# test/foundation/docker-image.test.ts assembles exactly these paths and runs the CMD on them.
COPY package.json tsconfig.json ./
COPY src ./src
COPY bin ./bin
COPY migrations ./migrations
COPY styles ./styles
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000
# Until the database is open the server answers 503 ("starting"); migrations may take a while.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# The young generation npm start gives the server (package.json): a page allocates a few MB of
# short-lived objects, and 16 MB made a scavenge run every few requests (docs/performance.md).
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
