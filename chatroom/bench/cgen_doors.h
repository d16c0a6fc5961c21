/*
 * cgen_doors.h: how the C generator speaks to each door (included by cgen.c,
 * which it shares one translation unit and its static state with).
 *
 * Why three dialects in the generator rather than three generators: the
 * figures of the line, IRC and WebSocket doors are only comparable when the
 * same code schedules, times and counts the messages. Only greeting, joining,
 * framing and recognising a delivered message differ:
 *
 *   line  name and /join as lines; deliveries are "MSG room user time TEXT".
 *   irc   NICK/USER, JOIN #room once 001 arrives, joined at 366 (end of
 *         NAMES); sends PRIVMSG #room :TEXT; answers PING; deliveries are
 *         ":nick!user@host PRIVMSG #room :TEXT". IRC servers do not echo a
 *         sender's own message (no echo-message), so a room of N members
 *         expects N - 1 deliveries per message (see door_echoes()).
 *   ws    an HTTP/1.1 upgrade to /ws, then the line protocol with one line
 *         per text frame both ways (docs/web.md). Client frames are masked
 *         as RFC 6455 requires, with a zero key: XOR with zero leaves the
 *         payload as it is, so masking costs no copy.
 *
 * How each door turns a client away for now (retry_later in cgen.c): the
 * line protocol (line and ws) says "ERR UNAVAILABLE ..." (Redis out of
 * reach) or "ERR SERVER_FULL ..." (--max-clients); IRC says it as a
 * notice, ":server NOTICE nick :UNAVAILABLE ..." (chatroom.doors.irc.wire's
 * refusal() for a code with no numeric of its own); the web door answers
 * a refused upgrade "HTTP/1.1 503". On a retry the client's own name may
 * still be held for its earlier connection: NAME_TAKEN (IRC: 433) then.
 */

enum door { DOOR_LINE, DOOR_IRC, DOOR_WS };
static int door = DOOR_LINE;

/* Whether each message goes with a key of its own (/txn KEY TEXT), as the
 * clients' outboxes send it: the door "txn" is the line door so. Its ACK
 * is one more line to its sender, which the generator reads past. The
 * keyed line goes in as many send()s as a plain one (its text, then its
 * CRLF), so that its key is the only difference: sent as a third piece
 * of its own, with TCP_NODELAY, it was one more loopback segment per
 * message (half as many again) for both the generator and the server. */
static int keyed;

static int parse_door(const char *name) {
    if (!strcmp(name, "line")) return DOOR_LINE;
    if (!strcmp(name, "txn")) {
        keyed = 1;
        return DOOR_LINE;
    }
    if (!strcmp(name, "irc")) return DOOR_IRC;
    if (!strcmp(name, "ws")) return DOOR_WS;
    return -1;
}

/* Does the sender get its own message back? (IRC: no.) */
static int door_echoes(void) { return door != DOOR_IRC; }

/* One WebSocket frame from the client: FIN, opcode, masked with a zero key. */
static void ws_frame(struct client *c, int opcode, const char *data, size_t len) {
    unsigned char head[14];
    size_t used = 2;
    head[0] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        head[1] = (unsigned char)(0x80 | len);
    } else if (len < 65536) {
        head[1] = 0x80 | 126;
        head[2] = (unsigned char)(len >> 8);
        head[3] = (unsigned char)len;
        used = 4;
    } else {
        head[1] = 0x80 | 127;
        for (int i = 0; i < 8; i++) head[2 + i] = (unsigned char)(len >> (56 - 8 * i));
        used = 10;
    }
    memset(head + used, 0, 4); /* the masking key */
    used += 4;
    send_bytes(c, (const char *)head, used);
    send_bytes(c, data, len);
}

/* One line of the line protocol (without its CRLF), framed for the door. */
static void send_protocol_line(struct client *c, const char *text, size_t len) {
    if (door == DOOR_WS) {
        ws_frame(c, 1, text, len);
        return;
    }
    send_bytes(c, text, len);
    send_bytes(c, "\r\n", 2);
}

static void join_line(struct client *c, const char *verb) {
    char line[128];
    int n = snprintf(line, sizeof line, "/%s b%sr%d", verb, tag, c->room);
    send_protocol_line(c, line, n);
}

/* Connected: say who we are (and, for IRC and the line door, what to join). */
static void door_greet(struct client *c) {
    char line[256];
    int n, id = (int)(c - clients);
    switch (door) {
    case DOOR_IRC:
        n = snprintf(line, sizeof line, "NICK b%su%d\r\nUSER u%d 0 * :bench\r\n", tag,
                     id, id);
        send_bytes(c, line, n);
        break;
    case DOOR_WS:
        n = snprintf(line, sizeof line,
                     "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Key: Y2hhdHJvb20tYmVuY2gtMQ==\r\n\r\n",
                     host, port);
        send_bytes(c, line, n);
        break;
    default:
        n = snprintf(line, sizeof line, "b%su%d", tag, id);
        send_protocol_line(c, line, n);
        join_line(c, "join");
    }
}

/* A message of the sending schedule: TEXT as the door carries it. */
static void door_send_text(struct client *c, const char *text, size_t len) {
    if (door == DOOR_IRC) {
        char head[96];
        int n = snprintf(head, sizeof head, "PRIVMSG #b%sr%d :", tag, c->room);
        send_bytes(c, head, n);
        send_bytes(c, text, len);
        send_bytes(c, "\r\n", 2);
        return;
    }
    if (keyed) { /* a fresh key for each message, unique in the run */
        static unsigned long long said;
        static char line[64 + MAX_TEXT + 128];
        int n = snprintf(line, 64, "/txn b%sk%llu ", tag, said++);
        if (n > 63) n = 63; /* a tag too long for a key: cut (never in a run) */
        if (len > sizeof line - (size_t)n) len = sizeof line - (size_t)n;
        memcpy(line + n, text, len);
        send_protocol_line(c, line, (size_t)n + len);
        return;
    }
    send_protocol_line(c, text, len);
}

/* "ERR CODE ..." (len bytes at line) whose CODE says come back later: the
 * server's state, not the request, and its own client would retry. */
static int refused_for_now(struct client *c, const char *line, size_t len) {
    const char *code = line + 4;
    size_t left = len - 4;
    return (left >= 12 && !memcmp(code, "UNAVAILABLE ", 12)) ||
           (left >= 12 && !memcmp(code, "SERVER_FULL ", 12)) ||
           (c->retries && left >= 10 && !memcmp(code, "NAME_TAKEN", 10));
}

/* At most 150 bytes of a line, as a reason. */
static void reason_of(char *why, size_t size, const char *line, size_t len) {
    snprintf(why, size, "%.*s", (int)(len < 150 ? len : 150), line);
}

/* A line of the line protocol (line and WebSocket doors). The server's
 * keepalive PING is answered, so clients held idle longer than
 * --ping-interval + --ping-timeout (a long connect storm) stay. */
static void chat_line(struct client *c, const char *line, size_t len, int64_t now_us) {
    if (len >= 5 && !memcmp(line, "PING ", 5)) {
        char pong[160];
        int n = snprintf(pong, sizeof pong, "PONG %.*s", (int)(len - 5 < 150 ? len - 5 : 150),
                         line + 5);
        send_protocol_line(c, pong, n);
        return;
    }
    if (len > 4 && !memcmp(line, "MSG ", 4)) {
        const char *p = line, *end = line + len; /* MSG room user time TEXT */
        for (int spaces = 0; p < end && spaces < 4; p++)
            if (*p == ' ') spaces++;
        on_msg(c, p, end, now_us);
    } else if (c->state == JOINING) {
        if (len >= 7 && !memcmp(line, "JOINED ", 7)) {
            client_joined(c);
        } else if (len >= 4 && !memcmp(line, "ERR ", 4)) {
            int missing = len >= 16 && !memcmp(line + 4, "NO_SUCH_ROOM", 12);
            int exists = len >= 15 && !memcmp(line + 4, "ROOM_EXISTS", 11);
            char why[160];
            reason_of(why, sizeof why, line, len);
            if (refused_for_now(c, line, len)) {
                retry_later(c, why);
            } else if ((!missing && !exists) || ++c->attempts > 5) {
                fail(c, why);
            } else {
                join_line(c, missing ? "create" : "join");
            }
        }
    } else if (c->state == JOINED && len >= 4 &&
               (!memcmp(line, "ERR ", 4) || (len >= 7 && !memcmp(line, "NOTICE ", 7)))) {
        complaints++;
    }
}

/* A 4xx or 5xx numeric, except 422 (no MOTD), which servers send at
 * registration when they have no message of the day: not an error. */
static int is_error_numeric(const char *p, const char *end) {
    return end - p >= 4 && (p[0] == '4' || p[0] == '5') && p[1] >= '0' && p[1] <= '9' &&
           p[2] >= '0' && p[2] <= '9' && p[3] == ' ' && memcmp(p, "422", 3);
}

/* A line from an IRC server. */
static void irc_line(struct client *c, const char *line, size_t len, int64_t now_us) {
    const char *end = line + len;
    if (len >= 5 && !memcmp(line, "PING ", 5)) {
        send_bytes(c, "PONG ", 5);
        send_bytes(c, line + 5, len - 5);
        send_bytes(c, "\r\n", 2);
        return;
    }
    if (!len || line[0] != ':') return;
    const char *p = memchr(line, ' ', len);
    if (!p) return;
    p++; /* the command */
    if (end - p > 8 && !memcmp(p, "PRIVMSG ", 8)) {
        const char *text = p + 8;
        while (text + 1 < end && !(text[0] == ' ' && text[1] == ':')) text++;
        if (text + 1 < end) on_msg(c, text + 2, end, now_us);
        return;
    }
    if (c->state == JOINING) {
        if (end - p >= 4 && !memcmp(p, "001 ", 4)) {
            char join[96];
            int n = snprintf(join, sizeof join, "JOIN #b%sr%d\r\n", tag, c->room);
            send_bytes(c, join, n);
        } else if (end - p >= 4 && !memcmp(p, "366 ", 4)) {
            client_joined(c);
        } else if (end - p > 7 && !memcmp(p, "NOTICE ", 7)) {
            const char *text = p + 7; /* "nick :UNAVAILABLE ...": turned away */
            while (text + 1 < end && !(text[0] == ' ' && text[1] == ':')) text++;
            if (end - text > 14 && !memcmp(text + 2, "UNAVAILABLE ", 12)) {
                char why[160];
                reason_of(why, sizeof why, line, len);
                retry_later(c, why);
            }
        } else if (is_error_numeric(p, end)) {
            char why[160];
            reason_of(why, sizeof why, line, len);
            if (c->retries && !memcmp(p, "433 ", 4)) retry_later(c, why); /* its own */
            else fail(c, why);
        }
    } else if (c->state == JOINED &&
               (is_error_numeric(p, end) || (end - p > 7 && !memcmp(p, "NOTICE ", 7)))) {
        complaints++;
    }
}

/* Whole CRLF (or LF) lines of buf; returns the bytes used. */
static size_t feed_lines(struct client *c, const char *buf, size_t total, int64_t now_us) {
    size_t start = 0;
    for (size_t i = 0; i < total; i++) {
        if (buf[i] != '\n') continue;
        size_t len = i - start;
        if (len && buf[start + len - 1] == '\r') len--;
        if (door == DOOR_IRC) irc_line(c, buf + start, len, now_us);
        else chat_line(c, buf + start, len, now_us);
        if (c->fd < 0) return total; /* failed, or turned away */
        start = i + 1;
    }
    return start;
}

/* The upgrade's answer, then whole frames of buf; returns the bytes used. */
static size_t feed_frames(struct client *c, const char *buf, size_t total, int64_t now_us) {
    const unsigned char *u = (const unsigned char *)buf;
    size_t pos = 0;
    if (!c->ws_open) {
        const char *end = memmem(buf, total, "\r\n\r\n", 4);
        if (!end) return 0;
        if (total < 12 || memcmp(buf + 9, "101", 3)) {
            char why[160];
            snprintf(why, sizeof why, "upgrade refused: %.*s", (int)(total < 60 ? total : 60),
                     buf);
            if (total >= 12 && !memcmp(buf + 9, "503", 3)) retry_later(c, why);
            else fail(c, why);
            return total;
        }
        c->ws_open = 1;
        pos = (size_t)(end + 4 - buf);
        char line[64];
        int n = snprintf(line, sizeof line, "b%su%d", tag, (int)(c - clients));
        send_protocol_line(c, line, n);
        join_line(c, "join");
    }
    while (total - pos >= 2) {
        uint64_t len = u[pos + 1] & 0x7f;
        size_t head = 2;
        if (len == 126) {
            if (total - pos < 4) break;
            len = (uint64_t)u[pos + 2] << 8 | u[pos + 3];
            head = 4;
        } else if (len == 127) {
            if (total - pos < 10) break;
            len = 0;
            for (int i = 0; i < 8; i++) len = len << 8 | u[pos + 2 + i];
            head = 10;
        }
        if (u[pos + 1] & 0x80) head += 4; /* a server never masks; tolerated */
        if (total - pos < head + len) break;
        int opcode = u[pos] & 0x0f;
        const char *payload = buf + pos + head;
        if (opcode == 1 || opcode == 0) chat_line(c, payload, (size_t)len, now_us);
        else if (opcode == 9) ws_frame(c, 10, payload, (size_t)len); /* PONG */
        if (c->fd < 0) return total; /* failed, or turned away */
        pos += head + (size_t)len;
    }
    return pos;
}

static size_t door_feed(struct client *c, const char *buf, size_t total, int64_t now_us) {
    return door == DOOR_WS ? feed_frames(c, buf, total, now_us)
                           : feed_lines(c, buf, total, now_us);
}
