FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.image.json ./
COPY src ./src
COPY lua ./lua
COPY ui ./ui
# The service only: no benchmarks, tests or source maps in the image.
RUN npx tsc -p tsconfig.image.json && npm prune --omit=dev

FROM node:22-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/lua ./lua
# The seat map page: plain browser modules, served as they are.
COPY --from=build /app/ui ./ui
USER node
EXPOSE 3000
CMD ["node", "dist/src/server.js"]
