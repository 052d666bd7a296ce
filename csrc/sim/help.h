/* The text of --help: the simulator's user documentation. */
#ifndef GENTASK_SIM_HELP_H
#define GENTASK_SIM_HELP_H

#include <stdio.h>

void help_print(FILE *out);

/* Its parts, in help_dialects.c, help_scenario.c and help_replay.c. */
void help_print_dialects(FILE *out);
void help_print_scenario(FILE *out);
void help_print_replay(FILE *out);

#endif
