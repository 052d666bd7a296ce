/* Building blocks for the task ids the dialects hand out. Each dialect formats its own ids (FoxAPI
 * `task-unified-…`, BFL a UUID, ModelsLab an integer), so only the ingredients are shared. */
#ifndef GENTASK_SIM_IDS_H
#define GENTASK_SIM_IDS_H

#include <stddef.h>
#include <stdint.h>

/* 1, 2, 3, … across the simulator's life; never reset, so an id is never handed out twice even
 * after POST /_sim/reset. */
uint64_t ids_next_sequence(void);

/* Writes `hex_digits` random lowercase hex digits and a NUL into out (size >= hex_digits + 1). */
void ids_random_hex(char *out, size_t hex_digits);

/* A random seed in 0..2^31-1, for a task whose request gave none (BFL, ModelsLab echo it). */
int64_t ids_random_seed(void);

#endif
