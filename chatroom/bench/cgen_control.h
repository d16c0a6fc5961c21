/*
 * cgen_control.h: how the C generator talks to its coordinator: the timer of
 * its schedule, commands on stdin, argument lists and the JSON result
 * (included by cgen.c, whose static state it shares).
 *
 * The result is what chatroom/bench/cscenarios.py reads: per window, what was
 * sent, expected and received (all members, and members still connected),
 * the latency histogram in chatroom.bench.stats's buckets, and the
 * generator's own CPU, so a saturated generator is told from a slow server.
 */

static void arm_timer(double at) {
    struct itimerspec spec = {0};
    if (at > 0) {
        spec.it_value.tv_sec = (time_t)at;
        spec.it_value.tv_nsec = (long)((at - (time_t)at) * 1e9);
        if (!spec.it_value.tv_sec && !spec.it_value.tv_nsec) spec.it_value.tv_nsec = 1;
    }
    timerfd_settime(timerfd_, TFD_TIMER_ABSTIME, &spec, NULL);
}

/* stdin: "start T0" or "stop"; returns 1 start, 2 stop, 0 nothing yet. */
static int read_command(void) {
    static char buf[256];
    static size_t used;
    ssize_t n = read(0, buf + used, sizeof buf - 1 - used);
    if (n <= 0) return 2; /* the coordinator went away */
    used += n;
    buf[used] = 0;
    char *nl = strchr(buf, '\n');
    if (!nl) return 0;
    if (!strncmp(buf, "start ", 6)) {
        t0 = atof(buf + 6);
        return 1;
    }
    return 2;
}

static void parse_list(const char *text, int fields, double *a, double *b, double *r,
                       int *count, int max) {
    const char *p = text;
    while (*p && *count < max) {
        a[*count] = strtod(p, (char **)&p);
        if (*p == ':') p++;
        b[*count] = strtod(p, (char **)&p);
        if (fields == 3) {
            if (*p == ':') p++;
            r[*count] = strtod(p, (char **)&p);
        }
        (*count)++;
        while (*p == ';') p++;
    }
}

static void print_result(double cpu_start, double wall_start) {
    uint64_t *live = calloc(n_rooms, sizeof *live), *members = calloc(n_rooms, 8);
    int held = 0; /* clients still joined: none closed by either side */
    for (int i = 0; i < n_clients; i++) {
        held += clients[i].state == JOINED;
        if (clients[i].state == JOINED) live[clients[i].room]++;
        if (clients[i].state == JOINED || clients[i].state == CLOSED)
            members[clients[i].room]++;
    }
    if (!door_echoes()) /* nobody hears their own message: one fewer listener */
        for (int r = 0; r < n_rooms; r++) {
            if (members[r]) members[r]--;
            if (live[r]) live[r]--;
        }
    printf("{\"result\": {\"windows\": [");
    for (int w = 0; w < n_windows; w++) {
        struct window *win = &windows[w];
        uint64_t sent = 0, expected = 0, expected_live = 0, received_live = 0;
        for (int r = 0; r < n_rooms; r++) {
            sent += win->sent[r];
            expected += win->sent[r] * members[r];
            expected_live += win->sent[r] * live[r];
        }
        for (int i = 0; i < n_clients; i++)
            if (clients[i].state == JOINED) received_live += client_recv[(size_t)i * n_windows + w];
        printf("%s{\"a\": %.3f, \"b\": %.3f, \"sent\": %llu, \"expected\": %llu, "
               "\"received\": %llu, \"expected_live\": %llu, \"received_live\": %llu, "
               "\"max_us\": %lld, \"histogram\": {",
               w ? ", " : "", win->a, win->b, (unsigned long long)sent,
               (unsigned long long)expected, (unsigned long long)win->received,
               (unsigned long long)expected_live, (unsigned long long)received_live,
               (long long)win->max_us);
        int first = 1;
        for (int k = 0; k < BUCKETS; k++)
            if (win->hist[k]) {
                printf("%s\"%d\": %u", first ? "" : ", ", k, win->hist[k]);
                first = 0;
            }
        printf("}}");
    }
    printf("], \"closed_by_server\": %d, \"complaints\": %llu, \"send_backlog_max\": %zu, "
           "\"talked\": %llu, \"held\": %d, \"cpu\": %.3f, \"wall\": %.3f}}\n",
           closed_by_server, (unsigned long long)complaints, out_max,
           (unsigned long long)talked, held, cpu_s() - cpu_start, now_s() - wall_start);
    fflush(stdout);
}

