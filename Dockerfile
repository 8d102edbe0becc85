# syntax=docker/dockerfile:1
# Syllabot image: build the TypeScript once, ship only what runs.
#   docker build -t syllabot .
#   docker run --env-file .env syllabot            # `start`: every configured adapter + jobs
#   docker run --env-file .env syllabot node bin/syllabot.mjs worker

ARG NODE_VERSION=20

# --- build: compile dist/ and keep production dependencies only -----------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 builds from source when no prebuilt binary fits this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# The dev dependency mongodb-memory-server would download a mongod at install; tests only need it.
ENV MONGOMS_DISABLE_POSTINSTALL=1 \
    npm_config_audit=false \
    npm_config_fund=false
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY adapters ./adapters
COPY jobs ./jobs
RUN npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

# --- run: no compiler, no sources, not root ---------------------------------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS run
ENV NODE_ENV=production \
    SQLITE_PATH=/app/data/syllabot.sqlite
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY locales ./locales
# The SQLite file lives here when MONGODB_URI is unset; mount a volume to keep it.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
# bin/syllabot.mjs runs dist/src/composition/main.js because src/ is not in this image.
CMD ["node", "bin/syllabot.mjs", "start"]
