/* Files a submit carries inline: a data URI (data:image/png;base64,…) anywhere in the body, or
 * bare base64 under a field a provider documents for it (BFL's input_image, input_image_2, …).
 * Each must decode to an image whose first bytes agree with its declared type; what it decoded
 * to (size, SHA-256) goes to the stats, so that a spec can compare it with the file it sent. */
#ifndef GENTASK_SIM_INPUTS_H
#define GENTASK_SIM_INPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#define INPUT_PROBLEM_MAX 160

/* Appends {field, form, bytes, sha256} to `found` for every inline file in body; false with a
 * message in problem (INPUT_PROBLEM_MAX) for one that does not decode to an image. */
bool inputs_read(const cJSON *body, cJSON *found, char *problem);

#endif
