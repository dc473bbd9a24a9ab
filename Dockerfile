# One image for every Cairn process; the container's argument picks which one runs:
#   docker run cairn gateway      docker run cairn auth
# deploy/k8s runs one Deployment per process from this image.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# The TypeScript sources run as they are (tsx), so there is no build step: install and copy.
COPY . .
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# PostgreSQL and NATS come from the environment (DATABASE_URL, NATS_URL): nothing runs as root here.
USER node
EXPOSE 8080 9090

ENTRYPOINT ["node", "--import", "tsx", "services/platform/src/run-service.ts"]
CMD ["gateway"]
