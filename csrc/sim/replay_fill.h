/* Filling a replay file's response text in: the placeholders {id}, {base}, {elsewhere}, {now} and
 * {timestamp}. */
#ifndef GENTASK_SIM_REPLAY_FILL_H
#define GENTASK_SIM_REPLAY_FILL_H

/* What {id}, {base}, {elsewhere}, {now} and {timestamp} stand for in a response. */
struct replay_fill {
    const char *id; /* the task's ("" none) */
    char base[96];  /* http://127.0.0.1:PORT/NAME */
    /* http://localhost:PORT/NAME: the same file served under another origin, a host that must never
     * be sent the key (a result URL pointing elsewhere, as a hostile or mistaken answer would) */
    char elsewhere[96];
    char now[24]; /* Unix seconds */
    /* a webhook delivery's signed time, Unix seconds: now, or its sign.age_s before (a stale
     * delivery); "" outside a delivery, where {timestamp} is copied as it is */
    char timestamp[24];
};

/* template with its placeholders filled in (malloc'd; NULL: out of memory). Other braces are
 * copied as they are: JSON is full of them. */
char *replay_fill_in(const char *template, const struct replay_fill *fill);

#endif
