/* util.c — clock and time units, strings, and the intrusive queue. */
#include "base.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t gt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gt_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *gt_strndup(const char *s, size_t n)
{
    if (!s) return NULL;
    char *copy = malloc(n + 1);
    if (!copy) return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

char *gt_strdup(const char *s)
{
    return s ? gt_strndup(s, strlen(s)) : NULL;
}

char *gt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *out = malloc((size_t)n + 1);
    if (!out) return NULL;
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

void gt_queue_init(gt_queue *q)
{
    q->head.prev = q->head.next = &q->head;
    q->count = 0;
}

bool gt_queue_linked(const gt_qnode *n)
{
    return n->next != NULL;
}

bool gt_queue_empty(const gt_queue *q)
{
    return q->count == 0;
}

/* Links n between two neighbours (at the tail: before the head; at the front: after it). */
static void link_between(gt_queue *q, gt_qnode *n, gt_qnode *prev, gt_qnode *next)
{
    if (gt_queue_linked(n)) return;
    n->prev = prev;
    n->next = next;
    prev->next = n;
    next->prev = n;
    q->count++;
}

void gt_queue_push(gt_queue *q, gt_qnode *n)
{
    link_between(q, n, q->head.prev, &q->head);
}

void gt_queue_push_front(gt_queue *q, gt_qnode *n)
{
    link_between(q, n, &q->head, q->head.next);
}

void gt_queue_remove(gt_queue *q, gt_qnode *n)
{
    if (!gt_queue_linked(n)) return;
    n->prev->next = n->next;
    n->next->prev = n->prev;
    n->prev = n->next = NULL;
    q->count--;
}

gt_qnode *gt_queue_pop(gt_queue *q)
{
    if (gt_queue_empty(q)) return NULL;
    gt_qnode *n = q->head.next;
    gt_queue_remove(q, n);
    return n;
}

long gt_seconds_to_ms(double seconds)
{
    /* about 35 years: far enough to mean "never", near enough that now + it cannot overflow */
    const double max_ms = (double)(LONG_MAX < (1L << 40) ? LONG_MAX / 4 : (1L << 40));
    if (!(seconds > 0)) return 0; /* also NaN */
    double ms = ceil(seconds * 1000);
    return ms > max_ms ? (long)max_ms : (long)ms;
}

void gt_hex_encode(char *out, const unsigned char *bytes, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * n] = '\0';
}

char *gt_hex(const unsigned char *bytes, size_t n)
{
    char *out = malloc(2 * n + 1);
    if (out) gt_hex_encode(out, bytes, n);
    return out;
}
