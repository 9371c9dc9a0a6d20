# One image for every service: the TypeScript is built once, each container runs
# `node dist/<service>/main.js` (see docker-compose.yml).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# build compiles the TypeScript and the web app (build:web).
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY data ./data
COPY config ./config
# Services keep state under var/ (volumes mount here); they run as the unprivileged node user.
RUN mkdir -p var/secrets var/spool var/config && chown -R node:node var
USER node
