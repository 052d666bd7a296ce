/* The text of --help: the simulator's user documentation. */
#ifndef GENTASK_SIM_HELP_H
#define GENTASK_SIM_HELP_H

#include <stdio.h>

void help_print(FILE *out);

/* Its parts, in help_dialects.c and help_scenario.c. */
void help_print_dialects(FILE *out);
void help_print_scenario(FILE *out);

#endif
