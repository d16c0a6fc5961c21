"""The browser door: the web client, the line protocol over WebSocket,
``/metrics`` and ``/healthz`` (``--http``). See ``docs/web.md``.

``socket`` carries the line protocol over a WebSocket (wsproto);
``site`` builds the resource tree and its limits; ``static/`` is the
one-page client (plain HTML, CSS and JavaScript: no build step), which
reads the line grammar and the commands from ``/wire.js``, made from
:mod:`chatroom.wire` by ``wirescript``.
"""
