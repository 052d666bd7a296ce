/* Two clocks: a monotonic one for task progress (immune to the wall clock being set), counted
 * from the simulator's start so that stats read as small numbers, and the wall clock for the
 * `created` timestamps that providers put in their bodies. */
#ifndef GENTASK_SIM_CLOCK_H
#define GENTASK_SIM_CLOCK_H

#include <stdint.h>
#include <time.h>

void sim_clock_start(void);
int64_t sim_clock_ms(void);      /* milliseconds since sim_clock_start() */
int64_t sim_clock_unix_ms(void); /* the wall clock in milliseconds (APIXO's createTime) */
/* The monotonic time `ms` from now, as a condition variable on CLOCK_MONOTONIC waits for it. */
struct timespec sim_clock_in(int64_t ms);

#endif
