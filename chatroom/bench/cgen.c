/*
 * cgen: the chatroom benchmark's load generator in C (one process, epoll).
 *
 * Why C: the Python generator saturates a core at about 150,000 deliveries/s,
 * so it cannot see where a server stops keeping up. This one reads a million
 * deliveries a second with most of a core to spare. It is a tool, built by
 * chatroom/bench/cgen.py with the system compiler (cc -O2) on first use.
 *
 * Usage: cgen MODE HOST PORT key=value...
 *   MODE      fanout (send and time messages) or storm (connect, name, join)
 *   door=line|irc|ws   which door HOST:PORT is (cgen_doors.h: how each is spoken)
 *   clients=N rooms=M senders=S tag=T size=BYTES concurrency=K
 *   phases=A:B:R;...   from A to B seconds after t0, R messages/s in total
 *   windows=A:B;...    measurement windows, seconds after t0
 *   drain_idle=SEC drain_max=SEC  (the wait for the last deliveries; "stop"
 *                                 on stdin ends it sooner)
 *   timeout=SEC                   (joining clients fail after this)
 *   sources=N source_base=K       connect from N loopback addresses, client i
 *                                 from 127.0.0.(K + i % N) (default: none
 *                                 bound, so 127.0.0.1; K defaults to 2): one
 *                                 address has about 28,000 ephemeral ports,
 *                                 so more connections need more addresses
 *   ports=P1,P2,...    the nodes of a cluster: client i connects to port
 *                      P[(i / rooms) % count] instead of PORT, so every room
 *                      has members (and senders) on every node
 *   wait=SEC           storm: how long the joined clients are held waiting
 *                      for "start" or "stop" (default MAX_WAIT)
 *   talk=SEC           storm: while held, every hundredth client says
 *                      something in its room once every SEC seconds (their
 *                      turns spread over the interval), as idle people do
 *
 * Client i is in room i % M; clients 0..S-1 send, round-robin: message n of
 * a phase is scheduled at t0 + A + n/R and sent by client (global n) % S, so
 * each sender keeps the Python generator's schedule t0 + (i/S + k)/rate.
 * The text starts with the scheduled time in microseconds; latency is arrival
 * minus scheduled time (open loop: a late sender or a slow server shows up as
 * latency, never as less load). Messages count in the window their scheduled
 * time falls in. Histograms use chatroom.bench.stats's buckets (exact below
 * 1 ms, then 0.5 % wide), so the coordinator merges and summarizes them.
 *
 * A client the server turns away for now comes back, as a person's client
 * would: answered UNAVAILABLE (or SERVER_FULL, or a web upgrade's 503)
 * while signing in, closed before it was seated, or its connect refused,
 * reset or timed out, it closes its socket and connects again after a
 * back-off of RETRY_FIRST seconds doubling to RETRY_CAP, jittered (half to
 * all of it, so a crowd turned away at once does not come back at once),
 * until `timeout`. A refusal that would be the same next time (a bad name,
 * a protocol error) fails it at once. The name it asks for on a retry may
 * still be held for its own earlier connection: NAME_TAKEN then is retried
 * too. A failed client's socket is closed at once.
 *
 * Talk to the coordinator: print {"ready":...} once every client has joined
 * (or failed), with how many came in after a retry and how many retries
 * there were, read "start T0" or "stop" on stdin, print {"result":...}.
 * It refuses any HOST outside 127.0.0.0/8: a load test stays on this machine.
 * Every loop is bounded: connecting by `timeout`, waiting for the start by
 * MAX_WAIT seconds, sending by the phases, draining by drain_max.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define EXACT_US 1000
#define BUCKETS 5000
#define MAX_PHASES 16
#define MAX_WINDOWS 256
#define READ_SIZE (256 * 1024)
#define MAX_TEXT 65536
#define MAX_WAIT 600.0
#define STDIN_TAG ((uint64_t)-1)
#define TIMER_TAG ((uint64_t)-2)
#define RETRY_FIRST 1.0
#define RETRY_CAP 30.0

/* IDLE: not started; WAITING: turned away, back-off running; FAILED: given
 * up; CLOSED: closed by the server once joined. Only CONNECTING, JOINING
 * and JOINED have a socket. */
enum state { IDLE, CONNECTING, JOINING, JOINED, FAILED, CLOSED, WAITING };

struct client {
    int fd; /* -1 without a socket */
    int room;
    int state;
    int attempts; /* the room's create/join race, this connection */
    int retries;  /* times turned away and come back */
    double retry_at;
    int ws_open; /* the WebSocket door: the upgrade was answered */
    char *carry; /* a partial line from the last read */
    size_t carry_len;
    char *out; /* bytes the socket did not take yet */
    size_t out_len, out_cap;
};

struct window {
    double a, b;
    int64_t start_us, end_us;
    uint32_t *hist;
    int64_t max_us;
    uint64_t received;
    uint64_t *sent; /* per room */
};

static struct client *clients;
static int n_clients, n_rooms, n_senders, msg_size = 64, concurrency = 100;
static char tag[32] = "x", host[64];
static int port;
#define MAX_PORTS 64
static int ports[MAX_PORTS], n_ports; /* ports=: the cluster's nodes */
static int fanout_mode;
static double phase_a[MAX_PHASES], phase_b[MAX_PHASES], phase_r[MAX_PHASES];
static int n_phases;
static struct window windows[MAX_WINDOWS];
static int n_windows;
static uint32_t *client_recv; /* [client * n_windows + window] */
static double drain_idle = 0.5, drain_max = 10.0, join_timeout = 300.0;
static int epfd, timerfd_ = -1;
static int next_connect, in_flight, joined, failed, closed_by_server;
static int retried_in, retries; /* joined after a retry; retries in all */
static int *waiting, n_waiting; /* WAITING clients: a heap by retry_at */
static uint64_t complaints, errors_shown, retries_shown;
static char first_errors[1024], first_retries[512];
static double connect_start, connect_end, last_data;
static size_t out_max;
static double log_step;
static int n_sources, source_base = 2;
static double max_wait = MAX_WAIT, talk_every;
static uint64_t talked;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static int bucket(int64_t us) {
    if (us < EXACT_US) return us > 0 ? (int)us : 0;
    int key = EXACT_US + (int)(log((double)us / EXACT_US) / log_step);
    return key < BUCKETS ? key : BUCKETS - 1;
}

/* "client N: why" after what `text` holds, made safe for JSON. */
static void note(char *text, size_t size, struct client *c, const char *why) {
    size_t used = strlen(text);
    snprintf(text + used, size - used, "%sclient %d: %s", used ? "; " : "",
             (int)(c - clients), why);
    for (char *p = text + used; *p; p++) /* it goes into JSON */
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 32) *p = '\'';
}

/* Close c's socket (which takes it out of epoll) and forget its buffers. */
static void drop(struct client *c) {
    if (c->fd >= 0) {
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        c->fd = -1;
    }
    free(c->carry);
    free(c->out);
    c->carry = c->out = NULL;
    c->carry_len = c->out_len = c->out_cap = 0;
    c->ws_open = c->attempts = 0;
}

/* Give c up (a refusal that would be the same next time, or no time left). */
static void fail(struct client *c, const char *why) {
    if (c->state == JOINED || c->state == FAILED || c->state == CLOSED) return;
    if (c->state == CONNECTING || c->state == JOINING) in_flight--;
    c->state = FAILED;
    failed++;
    drop(c);
    if (errors_shown++ < 5) note(first_errors, sizeof first_errors, c, why);
}

static int sooner(int a, int b) { return clients[a].retry_at < clients[b].retry_at; }

static void push_waiting(int index) {
    int at = n_waiting++;
    waiting[at] = index;
    for (int up; at && sooner(waiting[at], waiting[up = (at - 1) / 2]); at = up) {
        int t = waiting[at];
        waiting[at] = waiting[up];
        waiting[up] = t;
    }
}

static int pop_waiting(void) {
    int top = waiting[0], at = 0;
    waiting[0] = waiting[--n_waiting];
    for (;;) {
        int least = at, l = 2 * at + 1, r = l + 1;
        if (l < n_waiting && sooner(waiting[l], waiting[least])) least = l;
        if (r < n_waiting && sooner(waiting[r], waiting[least])) least = r;
        if (least == at) return top;
        int t = waiting[at];
        waiting[at] = waiting[least];
        waiting[least] = t;
        at = least;
    }
}

/* Turned away for now: close, and come back after the back-off (see the
 * top of this file), or fail if that is past the fill's deadline. */
static void retry_later(struct client *c, const char *why) {
    if (c->state != CONNECTING && c->state != JOINING) return;
    double delay = RETRY_FIRST * pow(2, c->retries);
    if (delay > RETRY_CAP) delay = RETRY_CAP;
    double at = now_s() + delay * (0.5 + 0.5 * drand48());
    if (at > connect_start + join_timeout) {
        char last[200];
        snprintf(last, sizeof last, "%s (no time left to come back)", why);
        fail(c, last);
        return;
    }
    in_flight--;
    drop(c);
    c->state = WAITING;
    c->retries++;
    c->retry_at = at;
    retries++;
    push_waiting((int)(c - clients));
    if (retries_shown++ < 3) note(first_retries, sizeof first_retries, c, why);
}

static void want_write(struct client *c, int on) {
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0),
                             .data.u64 = (uint64_t)(c - clients)};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write now if nothing is queued; queue what the socket does not take. */
static void send_bytes(struct client *c, const char *data, size_t len) {
    if (c->fd < 0) return;
    if (!c->out_len) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n == (ssize_t)len) return;
        if (n < 0) {
            if (errno != EAGAIN) return; /* the read side will see the close */
            n = 0;
        }
        data += n;
        len -= n;
        want_write(c, 1);
    }
    if (c->out_len + len > c->out_cap) {
        c->out_cap = (c->out_len + len) * 2;
        c->out = realloc(c->out, c->out_cap);
    }
    memcpy(c->out + c->out_len, data, len);
    c->out_len += len;
    if (c->out_len > out_max) out_max = c->out_len;
}

static void flush_out(struct client *c) {
    ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (n <= 0) return;
    memmove(c->out, c->out + n, c->out_len - n);
    c->out_len -= n;
    if (!c->out_len) want_write(c, 0);
}

static void start_connect(void);

static void client_joined(struct client *c) {
    c->state = JOINED;
    in_flight--;
    joined++;
    retried_in += c->retries > 0;
    connect_end = now_s();
    start_connect();
}

/* A chat message whose TEXT is p..end: time it if its scheduled time (the
 * number TEXT starts with) is in a window. */
static void on_msg(struct client *c, const char *p, const char *end, int64_t now_us) {
    int64_t scheduled = 0;
    while (p < end && *p >= '0' && *p <= '9') scheduled = scheduled * 10 + (*p++ - '0');
    for (int w = 0; w < n_windows; w++) {
        struct window *win = &windows[w];
        if (scheduled >= win->start_us && scheduled < win->end_us) {
            int64_t latency = now_us - scheduled;
            win->hist[bucket(latency)]++;
            if (latency > win->max_us) win->max_us = latency;
            win->received++;
            client_recv[(size_t)(c - clients) * n_windows + w]++;
            return;
        }
    }
}

#include "cgen_doors.h"

static char readbuf[READ_SIZE];

static void on_readable(struct client *c) {
    for (int rounds = 0; rounds < 4; rounds++) {
        size_t keep = c->carry_len < READ_SIZE / 2 ? c->carry_len : 0;
        if (keep) memcpy(readbuf, c->carry, keep);
        ssize_t n = recv(c->fd, readbuf + keep, READ_SIZE - keep, 0);
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) {
            if (c->state != JOINED) {
                retry_later(c, n == 0 ? "closed by the server" : strerror(errno));
                return;
            }
            closed_by_server++;
            c->state = CLOSED;
            drop(c);
            return;
        }
        double now = now_s();
        last_data = now;
        int64_t now_us = (int64_t)(now * 1e6);
        size_t total = keep + n, start = door_feed(c, readbuf, total, now_us);
        if (c->fd < 0) return; /* failed, or turned away */
        c->carry_len = total - start; /* an over-long partial line is dropped */
        if (c->carry_len > READ_SIZE / 2) c->carry_len = 0;
        if (c->carry_len) {
            c->carry = realloc(c->carry, c->carry_len);
            memcpy(c->carry, readbuf + start, c->carry_len);
        }
        if ((size_t)n < READ_SIZE - keep) return;
    }
}

/* Bind client c to its loopback source address; the port is chosen at
 * connect() (IP_BIND_ADDRESS_NO_PORT), so each address has a whole ephemeral
 * range per destination. */
static int bind_source(struct client *c) {
    struct sockaddr_in src = {.sin_family = AF_INET};
    uint32_t index = (uint32_t)((c - clients) % n_sources);
    src.sin_addr.s_addr = htonl(0x7f000000u + (uint32_t)source_base + index);
#ifdef IP_BIND_ADDRESS_NO_PORT
    int one = 1;
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
    return bind(c->fd, (struct sockaddr *)&src, sizeof src);
}

/* A connect that failed for now (the listener's queue full, the server
 * not there yet or going): worth another try, as any client would. */
static int connect_may_retry(int error) {
    return error == ECONNREFUSED || error == ECONNRESET || error == ECONNABORTED ||
           error == ETIMEDOUT || error == EAGAIN || error == EPIPE;
}

static void connect_failed(struct client *c, int error) {
    if (connect_may_retry(error)) retry_later(c, strerror(error));
    else fail(c, strerror(error));
}

static void connect_client(struct client *c) {
    int index = (int)(c - clients);
    int to = n_ports ? ports[(index / n_rooms) % n_ports] : port;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(to)};
    inet_pton(AF_INET, host, &addr.sin_addr);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    in_flight++;
    c->state = CONNECTING;
    if (c->fd < 0) {
        fail(c, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (n_sources > 0 && bind_source(c) < 0) {
        fail(c, strerror(errno));
        return;
    }
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
        connect_failed(c, errno);
        return;
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)index};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Fill the free connect slots: clients whose back-off is over first (they
 * waited already), then new ones. */
static void start_connect(void) {
    double now = n_waiting ? now_s() : 0;
    while (in_flight < concurrency) {
        if (n_waiting && clients[waiting[0]].retry_at <= now) {
            struct client *c = &clients[pop_waiting()];
            if (c->state == WAITING) connect_client(c); /* else failed meanwhile */
        } else if (next_connect < n_clients) {
            connect_client(&clients[next_connect++]);
        } else {
            return;
        }
    }
}

static void on_connected(struct client *c) {
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &size);
    if (error) {
        connect_failed(c, error);
        start_connect();
        return;
    }
    c->state = JOINING;
    want_write(c, 0);
    door_greet(c);
}

static void on_event(struct epoll_event *ev) {
    struct client *c = &clients[ev->data.u64];
    if (c->fd < 0) return; /* dropped by an earlier event of this batch */
    if (c->state == CONNECTING) {
        if (ev->events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
        return;
    }
    if (ev->events & EPOLLOUT && c->out_len) flush_out(c);
    if (ev->events & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
}

/* The sending schedule: phase, message number in it, and the global count. */
static int cur_phase;
static uint64_t phase_n, global_n;
static double t0, send_end;

static double next_due(void) {
    while (cur_phase < n_phases) {
        double due = t0 + phase_a[cur_phase] + phase_n / phase_r[cur_phase];
        if (phase_r[cur_phase] > 0 && due < t0 + phase_b[cur_phase]) return due;
        cur_phase++;
        phase_n = 0;
    }
    return 0;
}

static void send_due(double now) {
    double due;
    while ((due = next_due()) && due <= now) {
        int sender = (int)(global_n % n_senders);
        struct client *c = &clients[sender];
        int64_t scheduled = (int64_t)(due * 1e6);
        if (c->state == JOINED) {
            char line[128];
            int n = snprintf(line, sizeof line, "%lld %d %llu", (long long)scheduled,
                             sender, (unsigned long long)global_n);
            static char out[MAX_TEXT + 128];
            int pad = msg_size - n > 0 ? msg_size - n : 0;
            if (pad > MAX_TEXT) pad = MAX_TEXT;
            memcpy(out, line, n); /* the text and its padding */
            memset(out + n, 'x', pad);
            door_send_text(c, out, n + pad);
            for (int w = 0; w < n_windows; w++)
                if (scheduled >= windows[w].start_us && scheduled < windows[w].end_us) {
                    windows[w].sent[c->room]++;
                    break;
                }
        }
        phase_n++;
        global_n++;
    }
}

#include "cgen_control.h"

/* Held idle clients talk now and then (talk=): client i (every hundredth)
 * speaks at waiting_since + talk_every * (k + frac(i * golden)) for k = 0, 1,
 * ..., so the turns are spread evenly over the interval. */
static void talk_due(double since, double now) {
    static int64_t *turns;
    if (talk_every <= 0) return;
    if (!turns) turns = calloc((size_t)n_clients / 100 + 1, sizeof *turns);
    for (int i = 0; i < n_clients; i += 100) {
        struct client *c = &clients[i];
        double phase = fmod(i * 0.6180339887, 1.0);
        double due = since + talk_every * ((double)turns[i / 100] + phase);
        if (now < due) continue;
        turns[i / 100]++;
        if (c->state != JOINED) continue;
        char text[64];
        int n = snprintf(text, sizeof text, "0 idle %d says hello", i);
        door_send_text(c, text, (size_t)n);
        talked++;
    }
}

static int poll_once(int timeout_ms, int *command) {
    struct epoll_event events[512];
    int n = epoll_wait(epfd, events, 512, timeout_ms);
    for (int i = 0; i < n; i++) {
        if (events[i].data.u64 == STDIN_TAG) {
            int got = read_command();
            if (got && command) *command = got;
            else if (got == 2 && !command) exit(1);
        } else if (events[i].data.u64 == TIMER_TAG) {
            uint64_t ticks;
            if (read(timerfd_, &ticks, sizeof ticks) < 0) { /* spurious */ }
        } else {
            on_event(&events[i]);
        }
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: cgen fanout|storm HOST PORT key=value...\n");
        return 2;
    }
    fanout_mode = !strcmp(argv[1], "fanout");
    snprintf(host, sizeof host, "%s", argv[2]);
    struct in_addr target;
    if (inet_pton(AF_INET, host, &target) != 1 || (ntohl(target.s_addr) >> 24) != 127) {
        fprintf(stderr, "cgen: %s is not a 127.x.x.x address\n", host);
        return 2;
    }
    port = atoi(argv[3]);
    const char *phases = "", *wins = "";
    for (int i = 4; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) continue;
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "clients")) n_clients = atoi(v);
        else if (!strcmp(k, "rooms")) n_rooms = atoi(v);
        else if (!strcmp(k, "senders")) n_senders = atoi(v);
        else if (!strcmp(k, "size")) msg_size = atoi(v);
        else if (!strcmp(k, "concurrency")) concurrency = atoi(v);
        else if (!strcmp(k, "tag")) snprintf(tag, sizeof tag, "%s", v);
        else if (!strcmp(k, "phases")) phases = v;
        else if (!strcmp(k, "windows")) wins = v;
        else if (!strcmp(k, "drain_idle")) drain_idle = atof(v);
        else if (!strcmp(k, "drain_max")) drain_max = atof(v);
        else if (!strcmp(k, "timeout")) join_timeout = atof(v);
        else if (!strcmp(k, "sources")) n_sources = atoi(v);
        else if (!strcmp(k, "source_base")) source_base = atoi(v);
        else if (!strcmp(k, "wait")) max_wait = atof(v);
        else if (!strcmp(k, "talk")) talk_every = atof(v);
        else if (!strcmp(k, "ports")) {
            for (const char *p = v; *p && n_ports < MAX_PORTS; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
                ports[n_ports++] = atoi(p);
        }
        else if (!strcmp(k, "door")) {
            door = parse_door(v);
            if (door < 0) {
                fprintf(stderr, "cgen: door must be line, irc or ws, not %s\n", v);
                return 2;
            }
        }
        else fprintf(stderr, "cgen: unknown option %s\n", k);
    }
    if (n_clients <= 0 || n_rooms <= 0 || concurrency <= 0) {
        fprintf(stderr, "cgen: clients, rooms and concurrency must be positive\n");
        return 2;
    }
    if (n_senders > n_clients) n_senders = n_clients;
    if (n_sources < 0 || source_base < 1 || source_base + n_sources > 255) {
        fprintf(stderr, "cgen: sources must fit in 127.0.0.source_base..254\n");
        return 2;
    }
    log_step = log(1.005);
    struct rlimit lim;
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    double ra[MAX_WINDOWS], rb[MAX_WINDOWS];
    parse_list(phases, 3, phase_a, phase_b, phase_r, &n_phases, MAX_PHASES);
    parse_list(wins, 2, ra, rb, NULL, &n_windows, MAX_WINDOWS);
    for (int w = 0; w < n_windows; w++) {
        windows[w].a = ra[w];
        windows[w].b = rb[w];
        windows[w].hist = calloc(BUCKETS, sizeof(uint32_t));
        windows[w].sent = calloc(n_rooms, sizeof(uint64_t));
    }
    clients = calloc(n_clients, sizeof *clients);
    client_recv = calloc((size_t)n_clients * (n_windows ? n_windows : 1), sizeof(uint32_t));
    for (int i = 0; i < n_clients; i++) clients[i].room = i % n_rooms, clients[i].fd = -1;
    waiting = calloc(n_clients, sizeof *waiting);
    srand48((long)getpid() ^ (long)(now_s() * 1e6));
    epfd = epoll_create1(0);
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = STDIN_TAG};
    epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &ev);
    timerfd_ = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
    ev.data.u64 = TIMER_TAG;
    epoll_ctl(epfd, EPOLL_CTL_ADD, timerfd_, &ev);

    double cpu_start = cpu_s();
    connect_start = now_s();
    start_connect();
    while (joined + failed < n_clients) {
        start_connect(); /* refills the slots of clients that failed */
        poll_once(100, NULL);
        if (now_s() - connect_start > join_timeout)
            for (int i = 0; i < n_clients; i++) fail(&clients[i], "not joined within the timeout");
    }
    printf("{\"ready\": true, \"joined\": %d, \"error_count\": %d, \"errors\": \"%s\", "
           "\"retried_in\": %d, \"retries\": %d, \"retry_reasons\": \"%s\", "
           "\"connect_start\": %.6f, \"connect_end\": %.6f, \"cpu\": %.3f}\n",
           joined, failed, first_errors, retried_in, retries, first_retries, connect_start,
           connect_end, cpu_s() - cpu_start);
    fflush(stdout);

    int command = 0;
    double waiting_since = now_s();
    while (!command) {
        poll_once(100, &command);
        talk_due(waiting_since, now_s());
        if (now_s() - waiting_since > max_wait) command = 2; /* nobody said start */
    }
    if (command == 2 || !fanout_mode) {
        for (int w = 0; w < n_windows; w++) windows[w].start_us = windows[w].end_us = 0;
        print_result(cpu_start, connect_start);
        return 0;
    }
    for (int w = 0; w < n_windows; w++) {
        windows[w].start_us = (int64_t)((t0 + windows[w].a) * 1e6);
        windows[w].end_us = (int64_t)((t0 + windows[w].b) * 1e6);
    }
    for (int p = 0; p < n_phases; p++)
        if (t0 + phase_b[p] > send_end) send_end = t0 + phase_b[p];
    double run_cpu = cpu_s(), run_wall = now_s();
    double armed = -1;
    for (;;) {
        double now = now_s();
        if (n_senders) send_due(now);
        double due = n_senders ? next_due() : 0;
        if (!due) break;
        if (due != armed) {
            arm_timer(due);
            armed = due;
        }
        command = 0;
        poll_once(1000, &command);
        if (command == 2) break;
    }
    arm_timer(0);
    last_data = now_s();
    for (;;) {
        double now = now_s();
        if (now - last_data >= drain_idle || now > send_end + drain_max) break;
        command = 0;
        poll_once(20, &command);
        if (command == 2) break; /* "stop" (or no coordinator): done draining */
    }
    print_result(run_cpu, run_wall);
    return 0;
}
