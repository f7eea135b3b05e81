# syntax=docker/dockerfile:1
# koffi needs glibc, so the image is Debian-based (not Alpine).
FROM node:24-bookworm-slim AS build
# better-sqlite3 is compiled by node-gyp against the image's own Node headers (no download).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
# npm ci runs the prepare script (npm run build), so the sources come first.
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY routes ./routes
COPY native-bindings ./native-bindings
RUN npm ci && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production SOCKBENCH_HOST=0.0.0.0 SOCKBENCH_PORT=8080 SOCKBENCH_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 8080 5201-5264/tcp 5201-5264/udp
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/v1/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# As npm start: a 1 MB young generation keeps an idle agent under 90 MB (README "Memory").
CMD ["node", "--max-semi-space-size=1", "dist/src/server.js"]
