#include "timerheap.h"

#include <stdlib.h>

static void place(gt_timerheap *h, size_t i, gt_timer *t)
{
    h->items[i] = t;
    t->slot = i + 1;
}

static void sift_up(gt_timerheap *h, size_t i)
{
    gt_timer *t = h->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->items[parent]->due_ms <= t->due_ms) break;
        place(h, i, h->items[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(gt_timerheap *h, size_t i)
{
    gt_timer *t = h->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->count) break;
        if (child + 1 < h->count && h->items[child + 1]->due_ms < h->items[child]->due_ms) child++;
        if (t->due_ms <= h->items[child]->due_ms) break;
        place(h, i, h->items[child]);
        i = child;
    }
    place(h, i, t);
}

void gt_timerheap_free(gt_timerheap *h)
{
    for (size_t i = 0; i < h->count; i++) h->items[i]->slot = 0;
    free(h->items);
    h->items = NULL;
    h->count = h->capacity = 0;
}

void gt_timerheap_disarm(gt_timerheap *h, gt_timer *t)
{
    if (t->slot == 0) return;
    size_t i = t->slot - 1;
    t->slot = 0;
    h->count--;
    if (i == h->count) return;
    gt_timer *moved = h->items[h->count];
    place(h, i, moved);
    sift_up(h, i);
    sift_down(h, moved->slot - 1);
}

int gt_timerheap_arm(gt_timerheap *h, gt_timer *t, int64_t due_ms)
{
    if (t->slot != 0) {
        size_t i = t->slot - 1;
        t->due_ms = due_ms;
        sift_up(h, i);
        sift_down(h, t->slot - 1);
        return 0;
    }
    if (h->count == h->capacity) {
        size_t capacity = h->capacity ? h->capacity * 2 : 64;
        gt_timer **items = realloc(h->items, capacity * sizeof *items);
        if (!items) return -1;
        h->items = items;
        h->capacity = capacity;
    }
    t->due_ms = due_ms;
    place(h, h->count++, t);
    sift_up(h, h->count - 1);
    return 0;
}

gt_timer *gt_timerheap_peek(const gt_timerheap *h)
{
    return h->count ? h->items[0] : NULL;
}

gt_timer *gt_timerheap_pop_due(gt_timerheap *h, int64_t now_ms)
{
    gt_timer *top = gt_timerheap_peek(h);
    if (!top || top->due_ms > now_ms) return NULL;
    gt_timerheap_disarm(h, top);
    return top;
}
