# One image for the whole suite; the command chooses the service:
#   trustpulse serve gateway | survey | metrics
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
# Editable, so that each service's migrations and templates are used in place. The data
# directory (/app/.trustpulse) belongs to the service user alone: `serve gateway` leaves an
# admin key it makes there, in a file only that user can read.
RUN pip install -e . && useradd --create-home --uid 10001 trustpulse \
    && install -d -o trustpulse -g trustpulse -m 0700 /app/.trustpulse
USER trustpulse

# Listen on every interface inside the container; only the gateway is published.
ENV TRUSTPULSE_HOST=0.0.0.0 \
    TRUSTPULSE_ENV=production \
    WEB_CONCURRENCY=2
EXPOSE 8000 8001 8002
CMD ["trustpulse", "serve", "gateway"]
