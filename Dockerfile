# syntax=docker/dockerfile:1
# The same steps CI runs: npm ci, npm run build, then the start command (node dist/src/main.js).

# --- build: all dependencies, compile TypeScript ---
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The repository's workspaces (the Feishu emulator, test/emulator/) are for tests only: not installed here.
RUN npm ci --workspaces=false
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY handlers ./handlers
COPY cards ./cards
RUN npm run build
# Production dependencies only, for the runtime image.
RUN npm prune --omit=dev --workspaces=false

# --- runtime: production dependencies, non-root, /data volume ---
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATABASE_URL=sqlite:/data/bot.sqlite
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Exec form: node itself is PID 1 and gets SIGTERM directly (no npm or shell wrapper); it handles it.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
