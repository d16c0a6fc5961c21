"""The Matrix bridge's options and its registration file.

A homeserver reaches an application service through a registration file
its operator names in ``app_service_config_files`` (Synapse's
``homeserver.yaml``): the service's ``id`` and ``url``, the two tokens
(``as_token``, which the service sends, and ``hs_token``, which the
homeserver sends), its own user (``sender_localpart``) and the user and
alias namespaces it owns. ``chatroom-admin matrix registration`` prints one
(:func:`registration_text`); ``twistd chatroom --matrix-registration FILE``
reads the same file back (:func:`read_registration`), with
``--matrix-homeserver`` (the client-server API) and
``--matrix-server-name`` (the part after ``:`` in user ids). The three go
together and need ``--http``, where the homeserver pushes: every mistake is
one line at start (:func:`check_matrix`). What the bridge does is
:mod:`chatroom.core.bridging`; its HTTP edges are
:mod:`chatroom.doors.web.appservice` and :mod:`chatroom.wiring.homeserver`.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from twisted.python import usage

from chatroom.core.model.bridged import (
    ALIAS_PREFIX,
    BRIDGE_LOCALPART,
    PUPPET_PREFIX,
    MatrixSettings,
)

#: The registration's ``id`` unless ``--id`` names another.
DEFAULT_ID = "chatroom"
#: Random bytes in a token (43 characters of base64url: letters, digits,
#: ``-`` and ``_``).
TOKEN_BYTES = 32
#: What a token may hold, as the spec's registration says.
TOKEN = re.compile(r"[A-Za-z0-9\-_.~+/=]+")

#: A Matrix server name: a host name or an IP literal, and perhaps a port.
SERVER_NAME = re.compile(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")

#: ``twistd chatroom``'s options for the bridge.
MATRIX_OPTIONS: list[list[Any]] = [
    [
        "matrix-registration",
        None,
        None,
        "Bridge the open rooms to Matrix: the application service's "
        "registration file (chatroom-admin matrix registration prints one), "
        "with --matrix-homeserver and --matrix-server-name.",
    ],
    [
        "matrix-homeserver",
        None,
        None,
        "The Matrix homeserver's client-server API, e.g. http://127.0.0.1:8008.",
    ],
    [
        "matrix-server-name",
        None,
        None,
        "The homeserver's server_name, the part after ':' in its user ids "
        "(e.g. example.org).",
    ],
]


def registration(url: str, service_id: str = DEFAULT_ID) -> dict[str, Any]:
    """A registration for a homeserver to reach this server at ``url``
    (its ``--http`` door), with fresh tokens (different at every call)."""
    return {
        "id": service_id,
        "url": url,
        "as_token": secrets.token_urlsafe(TOKEN_BYTES),
        "hs_token": secrets.token_urlsafe(TOKEN_BYTES),
        "sender_localpart": BRIDGE_LOCALPART,
        "rate_limited": False,
        "namespaces": {
            "users": [{"exclusive": True, "regex": f"@{PUPPET_PREFIX}.*"}],
            "aliases": [{"exclusive": True, "regex": f"#{ALIAS_PREFIX}.*"}],
            "rooms": [],
        },
    }


def registration_text(url: str, service_id: str = DEFAULT_ID) -> str:
    """:func:`registration` as the YAML a homeserver reads."""
    import yaml  # PyYAML: loaded by the bridge and this command alone

    return str(yaml.safe_dump(registration(url, service_id), sort_keys=False))


def _covers(namespace: Any, probe: str) -> bool:
    """Whether a namespace list's regexes take ``probe`` (as Synapse
    matches them: from the start)."""
    if not isinstance(namespace, list):
        return False
    for entry in namespace:
        pattern = entry.get("regex") if isinstance(entry, dict) else None
        if not isinstance(pattern, str):
            continue
        try:
            if re.match(pattern, probe):
                return True
        except re.error:
            continue
    return False


def read_registration(path: str, homeserver: str, server_name: str) -> MatrixSettings:
    """The bridge's settings from the registration at ``path``.

    Raises:
        usage.UsageError: the file cannot be read, is no YAML mapping, lacks
            a token, or its namespaces do not cover the bridge's users and
            aliases.
    """
    import yaml

    option = "--matrix-registration"
    try:
        with open(path, encoding="utf-8") as file:
            data = yaml.safe_load(file)
    except OSError as problem:
        raise usage.UsageError(f"{option}: {path}: {problem.strerror}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as problem:
        first = str(problem).splitlines()[0]
        raise usage.UsageError(f"{option}: {path}: no YAML: {first}") from None
    if not isinstance(data, dict):
        raise usage.UsageError(f"{option}: {path}: not a registration (no mapping)")
    for field in ("as_token", "hs_token"):
        token = data.get(field)
        if not isinstance(token, str) or not TOKEN.fullmatch(token):
            raise usage.UsageError(f"{option}: {path}: no {field}")
    service_id = data.get("id")
    if not isinstance(service_id, str) or not service_id:
        raise usage.UsageError(f"{option}: {path}: no id")
    sender = data.get("sender_localpart", BRIDGE_LOCALPART)
    if not isinstance(sender, str) or not sender:
        raise usage.UsageError(f"{option}: {path}: no sender_localpart")
    namespaces = data.get("namespaces")
    namespaces = namespaces if isinstance(namespaces, dict) else {}
    user = f"@{PUPPET_PREFIX}someone:{server_name}"
    if not _covers(namespaces.get("users"), user):
        raise usage.UsageError(
            f"{option}: {path}: its users namespace does not cover "
            f"@{PUPPET_PREFIX}… users"
        )
    alias = f"#{ALIAS_PREFIX}room:{server_name}"
    if not _covers(namespaces.get("aliases"), alias):
        raise usage.UsageError(
            f"{option}: {path}: its aliases namespace does not cover "
            f"#{ALIAS_PREFIX}… aliases"
        )
    return MatrixSettings(
        service_id=service_id,
        as_token=data["as_token"],
        hs_token=data["hs_token"],
        sender_localpart=sender,
        homeserver=homeserver.rstrip("/"),
        server_name=server_name,
    )


def check_matrix(options: Any) -> None:
    """``--matrix-*``, checked at start (one line each):
    ``options.matrix`` the bridge's settings, or None."""
    given = {
        name: options[name]
        for name in ("matrix-registration", "matrix-homeserver", "matrix-server-name")
    }
    options.matrix = None
    if not any(given.values()):
        return
    missing = [f"--{name}" for name, value in given.items() if not value]
    if missing:
        present = [f"--{name}" for name, value in given.items() if value]
        raise usage.UsageError(f"{', '.join(present)}: needs {' and '.join(missing)}")
    homeserver = given["matrix-homeserver"]
    if not homeserver.startswith(("http://", "https://")):
        raise usage.UsageError(
            "--matrix-homeserver: must start with http:// or https://"
        )
    server_name = given["matrix-server-name"]
    if not SERVER_NAME.fullmatch(server_name):
        raise usage.UsageError("--matrix-server-name: not a server name")
    if not options["http"]:
        raise usage.UsageError(
            "--matrix-registration: needs --http (the homeserver pushes there)"
        )
    options.matrix = read_registration(
        given["matrix-registration"], homeserver, server_name
    )
