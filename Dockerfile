# llmops-audit as a container: `docker build -t llmops-audit .`, then
#   docker run --rm llmops-audit assess --demo
#   docker run --rm -e AWS_REGION -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN llmops-audit
#   docker run --rm -v "$HOME/.aws:/home/audit/.aws:ro" -e AWS_PROFILE=prod-readonly llmops-audit assess ...
# Credentials come only from the standard AWS chain at run time (environment, a mounted ~/.aws, the ECS task
# role, IRSA's web identity token on EKS, the instance role); the image holds none.
#
# Both stages use the same Python 3.11 slim base, pinned to an exact patch release and Debian version
# (bump it deliberately; tests/test_container.py checks it stays pinned).
ARG PYTHON_IMAGE=python:3.11.14-slim-trixie

# --- builder: the wheel, and a virtualenv holding it and its dependencies --------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY levels ./levels
COPY llmops_audit ./llmops_audit
# The wheel is built as a release is (PEP 517, isolated hatchling), then installed into a venv that the
# final stage copies; pip and setuptools (which Python 3.11's venv brings) are taken out of that venv.
RUN pip wheel --no-deps --wheel-dir /dist . \
    && python -m venv /opt/llmops-audit \
    && /opt/llmops-audit/bin/pip install /dist/llmops_audit-*.whl \
    && /opt/llmops-audit/bin/pip uninstall --yes setuptools pip \
    && /opt/llmops-audit/bin/llmops-audit --version

# --- final: the venv on the bare base, as a non-root user ------------------------------------------------
FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="llmops-audit" \
      org.opencontainers.image.description="Evidence-based LLMOps maturity auditor for LLM workloads on AWS (read-only)" \
      org.opencontainers.image.source="https://github.com/llmops-audit/llmops-audit" \
      org.opencontainers.image.licenses="Apache-2.0"
# No build tools in this stage: the base's pip, setuptools and wheel go too (slim has no compiler).
RUN python -m pip uninstall --yes --disable-pip-version-check pip setuptools wheel \
    && groupadd --gid 10001 audit \
    && useradd --uid 10001 --gid 10001 --create-home --home-dir /home/audit --shell /usr/sbin/nologin audit
COPY --from=builder /opt/llmops-audit /opt/llmops-audit
ENV PATH=/opt/llmops-audit/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /home/audit
ENTRYPOINT ["llmops-audit"]
CMD ["assess"]
