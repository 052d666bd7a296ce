/* Fault injection, the same in every dialect: the scenario words that refuse a submit before any
 * task exists, those that spoil its answer after the task was stored, and those that spoil a
 * poll. The broken bodies are made from the answer the dialect would have sent, so that every
 * dialect's faults carry its own field names without a table of them. */
#ifndef GENTASK_SIM_FAULTS_H
#define GENTASK_SIM_FAULTS_H

#include <stdbool.h>

#include <cJSON.h>

#include "exchange.h"
#include "task.h"

/* submit-reset, submit-http=, http=, cdn=, body=html and echo-key, which answer a submit before any
 * task exists. raw_key is the key as received (the whole Authorization header, say; may be NULL).
 * True when it answered, with *result set. */
bool faults_refuse_submit(struct exchange *exchange, const char *raw_key, enum MHD_Result *result);

/* After the task was stored: reset and submit-reset-after drop the connection, submit-slow
 * delays the answer, body=KIND breaks the body; otherwise `json` goes out with the dialect's
 * created status (200 unless it says otherwise). */
enum MHD_Result faults_reply_created(struct exchange *exchange, const cJSON *json);

/* A submit answered with the task an earlier one created (FLORA idempotency): `json` with 200,
 * only submit-reset-after and submit-slow applying (they count attempts, and a replay is one). */
enum MHD_Result faults_reply_replayed(struct exchange *exchange, const cJSON *json);

/* Starts a poll of a found task: takes its scenario, then applies poll-reset, poll-slow (which
 * delays whatever the poll answers), poll-cdn and poll-http. True when it answered, with *result set. */
bool faults_refuse_poll(struct exchange *exchange, const struct task *task, enum MHD_Result *result);

/* The poll's answer: `json` with 200, or the poll-body fault that covers this poll. */
enum MHD_Result faults_reply_task(struct exchange *exchange, const struct task *task, const cJSON *json);

#endif
