# tariff-stack API: gunicorn serving the Flask app on the embedded tables.
# Build: docker build -t tariff-stack .   Run: docker run -p 8000:8000 tariff-stack
ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TARIFF_STACK_HOST=0.0.0.0 \
    PORT=8000

ARG UID=10001
RUN adduser --disabled-password --gecos "" --home /nonexistent --shell /sbin/nologin \
        --no-create-home --uid "${UID}" appuser

WORKDIR /src
# The package ships its tables (tariff_tables/) and the contract (openapi.yaml).
COPY setup.cfg pyproject.toml README.md openapi.yaml constraints.txt ./
COPY service ./service
COPY tariff_tables ./tariff_tables
# Dependency versions pinned by constraints.txt (pip freeze of a clean `pip install .`).
RUN pip install -c constraints.txt . && tariff-stack check --quick && rm -rf /src

WORKDIR /app
# appuser is created above with the fixed UID 10001 (ARG UID); orchestrators that need a
# numeric user (Kubernetes runAsNonRoot) get it from deploy/k8s (runAsUser: 10001).
# hadolint ignore=DL3066
USER appuser
EXPOSE 8000

# No curl in slim images: the healthcheck uses Python's standard library.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4); sys.exit(0)"]

CMD ["tariff-stack", "serve"]
