# chatroom's container image (docs/operations.md, "Packaging"):
#   docker build -t chatroom .
#   docker run -p 8080:8080 -p 6667:6667 -p 8000:8000 -v chatroom:/var/lib/chatroom chatroom
# Two stages: the first compiles the wheels (PyICU needs ICU's headers and a
# compiler), the second holds the runtime only, and runs as a user of its own.

FROM python:3.11-slim-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ pkg-config libicu-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY setup.py pyproject.toml ./
COPY chatroom ./chatroom
COPY twisted ./twisted
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends libicu72 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels chatroom \
    && rm -rf /wheels \
    # Twisted's plugin cache, written now: the server's user cannot write there.
    && python -c "from twisted.plugin import IPlugin, getPlugins; list(getPlugins(IPlugin))"
RUN useradd --system --uid 10001 --home-dir /var/lib/chatroom --create-home chatroom
USER chatroom
WORKDIR /var/lib/chatroom
VOLUME /var/lib/chatroom
EXPOSE 8080 6667 8000
# /healthz answers 200 while the server serves (503 while it shuts down or
# has lost Redis); the image has no curl: chatroom.wiring.healthcheck asks.
# Behind a PROXY-protocol proxy (compose.yaml) add --proxy-header.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-m", "chatroom.wiring.healthcheck", "8000"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["twistd", "--nodaemon", "--pidfile=", "--logfile=-", "chatroom"]
CMD ["--port", "tcp:8080", "--irc", "tcp:6667", "--http", "tcp:8000", \
     "--db", "/var/lib/chatroom/chatroom.sqlite3"]
