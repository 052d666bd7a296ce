/* The tasks the simulator accepted, in submission order (stats list them that way) and by id,
 * with what their polls did. Not locked: the store calls it under its own lock. */
#ifndef GENTASK_SIM_TASK_TABLE_H
#define GENTASK_SIM_TASK_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/loop/timerheap.h"
#include "indexed.h"
#include "task.h"

struct stored_task {
    struct task task;
    unsigned polls;
    int64_t first_poll_ms;
    int64_t last_poll_ms;
    unsigned downloads[17];      /* requests of each result file (n= is at most 16) */
    gt_timer generating;         /* armed in the simulator's in-flight heap until the task ends */
    gt_timer generating_for_key; /* the same in its API key's heap, under --max-active */
};

struct task_table {
    struct indexed_list tasks;
};

/* The stored copy, allocated before the store's lock is taken; NULL when memory ran out. */
struct stored_task *stored_task_new(const struct task *task);
void stored_task_free(struct stored_task *entry);

bool task_table_reserve(struct task_table *table);
/* After a successful task_table_reserve: cannot fail. */
void task_table_add(struct task_table *table, struct stored_task *entry);

/* Records a poll of the task with that id and copies the task, with this poll's number, into
 * *out (release with task_release). False when there is no such task (or no memory to copy). */
bool task_table_poll(struct task_table *table, const char *id, int64_t now_ms, struct task *out);

/* The stored task with that id, or NULL. */
struct stored_task *task_table_find(struct task_table *table, const char *id);
/* Counts a request of result file `index` of the task with that id and copies the task, with
 * that request's number, into *out. False when there is no such task. */
bool task_table_download(struct task_table *table, const char *id, unsigned index, struct task *out);

/* {ID: {"dialect", "polls", ..., "state", "scenario"}}, for GET /_sim/stats. */
cJSON *task_table_json(const struct task_table *table, int64_t now_ms);

/* Frees every task. The timer heaps that hold their timers must be freed first. */
void task_table_free(struct task_table *table);

#endif
