/* The text of --help: the simulator's user documentation. */
#ifndef GENTASK_SIM_HELP_H
#define GENTASK_SIM_HELP_H

#include <stdio.h>

void help_print(FILE *out);

#endif
