/* error.c — the error kinds, their default retryability, gt_error's life cycle and its fields. */
#include "base.h"

#include <stdlib.h>
#include <string.h>

/* The kinds, once: the Lua layer reads this table (core.kinds) instead of restating it. */
static const struct {
    const char *name;
    bool retryable; /* the default: can trying again help? */
    const char *meaning;
} kinds[GT_KIND_COUNT] = {
    [GT_KIND_NONE] = {"none", false, NULL},
    [GT_INVALID_REQUEST] = {"invalid_request", false, "the request itself is wrong: fix the parameters"},
    [GT_AUTHENTICATION] = {"authentication", false, "the key is missing, wrong or revoked"},
    [GT_PAYMENT_REQUIRED] = {"payment_required", false, "out of credits"},
    [GT_PERMISSION_DENIED] = {"permission_denied", false, "the key may not do this"},
    [GT_NOT_FOUND] = {"not_found", false, "no such task or model"},
    [GT_CONFLICT] = {"conflict", false, "clashes with another request (idempotency key reuse)"},
    [GT_RATE_LIMITED] = {"rate_limited", true, "too many requests: wait retry_after, then again"},
    [GT_MODERATED] = {"moderated", false, "content policy; stage says input or output"},
    [GT_INPUT_UNREACHABLE] = {"input_unreachable", false, "an input URL could not be fetched by the provider"},
    /* the provider says trying again may work, but a new attempt is a new paid generation: the
     * flag informs the caller, the engine never resubmits on its own */
    [GT_GENERATION_FAILED] = {"generation_failed", true, "the provider failed; a new attempt is a new paid generation"},
    [GT_TIMEOUT] = {"timeout", true, "the provider timed out"},
    [GT_UNAVAILABLE] = {"unavailable", true, "the model or service is down for now"},
    [GT_SERVER_ERROR] = {"server_error", true, "the provider broke (5xx)"},
    [GT_NETWORK] = {"network", true, "connection refused or reset, DNS, a client-side timeout"},
    [GT_PROTOCOL] = {"protocol", false, "the response could not be understood"},
    [GT_CANCELLED] = {"cancelled", false, "the caller (or the provider) cancelled the task"},
    /* the task goes on; waiting again is the remedy, and a resubmit would pay twice */
    [GT_DEADLINE_EXCEEDED] = {"deadline_exceeded", false, "a wait or the task_timeout ran out"},
    [GT_USAGE] = {"usage", false, "gentask was called wrongly"},
    [GT_BUDGET_EXCEEDED] = {"budget_exceeded", false,
                            "the client's budget (max_submits or max_cost) is spent: nothing was sent"},
};

const char *gt_kind_name(gt_kind kind)
{
    return kind < GT_KIND_COUNT ? kinds[kind].name : "none";
}

gt_kind gt_kind_from_name(const char *name)
{
    for (int k = 1; name && k < GT_KIND_COUNT; k++)
        if (strcmp(kinds[k].name, name) == 0) return (gt_kind)k;
    return GT_KIND_NONE;
}

bool gt_kind_retryable(gt_kind kind)
{
    return kind < GT_KIND_COUNT && kinds[kind].retryable;
}

const char *gt_kind_meaning(gt_kind kind)
{
    return kind < GT_KIND_COUNT ? kinds[kind].meaning : NULL;
}

const char *gt_phase_name(gt_phase phase)
{
    static const char *const names[] = {"submit", "poll", "cancel", "download", "webhook"};
    return names[phase];
}

const char *gt_submitted_name(gt_submitted s)
{
    static const char *const names[] = {NULL, "no", "yes", "unknown"};
    return names[s];
}

gt_error *gt_error_new(gt_kind kind, gt_phase phase, const char *message)
{
    gt_error *err = calloc(1, sizeof *err);
    if (!err) return NULL;
    err->kind = kind;
    err->retryable = gt_kind_retryable(kind);
    err->phase = phase;
    err->message = gt_strdup(message);
    err->retry_after = -1;
    return err;
}

gt_error *gt_error_copy(const gt_error *err)
{
    gt_error *out = err ? malloc(sizeof *out) : NULL;
    if (!out) return NULL;
    *out = *err;
    out->code = gt_strdup(err->code);
    out->message = gt_strdup(err->message);
    out->stage = gt_strdup(err->stage);
    out->request_id = gt_strdup(err->request_id);
    out->task_id = gt_strdup(err->task_id);
    out->body = gt_strdup(err->body);
    out->idempotency_key = gt_strdup(err->idempotency_key);
    out->cause = NULL;
    return out;
}

void gt_error_free(gt_error *err)
{
    if (!err) return;
    free(err->code);
    free(err->message);
    free(err->stage);
    free(err->request_id);
    free(err->task_id);
    free(err->body);
    free(err->idempotency_key);
    gt_error_free(err->cause);
    free(err);
}

static const char *const error_field_names[GT_ERROR_FIELD_COUNT] = {
    [GT_ERROR_KIND] = "kind",
    [GT_ERROR_RETRYABLE] = "retryable",
    [GT_ERROR_MESSAGE] = "message",
    [GT_ERROR_PROVIDER] = "provider",
    [GT_ERROR_PHASE] = "phase",
    [GT_ERROR_SUBMITTED] = "submitted",
    [GT_ERROR_STATUS] = "status",
    [GT_ERROR_CODE] = "code",
    [GT_ERROR_STAGE] = "stage",
    [GT_ERROR_REQUEST_ID] = "request_id",
    [GT_ERROR_TASK_ID] = "task_id",
    [GT_ERROR_BODY] = "body",
    [GT_ERROR_RETRY_AFTER] = "retry_after",
    [GT_ERROR_ATTEMPTS] = "attempts",
    [GT_ERROR_IDEMPOTENCY_KEY] = "idempotency_key",
    [GT_ERROR_CAUSE] = "cause",
};

const char *gt_error_field_name(gt_error_field field)
{
    return field < GT_ERROR_FIELD_COUNT ? error_field_names[field] : NULL;
}

static gt_error_value text_value(const char *text)
{
    return (gt_error_value){.type = text ? GT_VALUE_TEXT : GT_VALUE_NONE, .text = text};
}

/* a count or a status: 0 means none came */
static gt_error_value integer_value(long integer)
{
    return (gt_error_value){.type = integer ? GT_VALUE_INTEGER : GT_VALUE_NONE, .integer = integer};
}

gt_error_value gt_error_field_value(const gt_error *err, const char *provider, gt_error_field field)
{
    switch (field) {
    case GT_ERROR_KIND: return text_value(gt_kind_name(err->kind));
    case GT_ERROR_RETRYABLE: return (gt_error_value){.type = GT_VALUE_FLAG, .flag = err->retryable};
    case GT_ERROR_MESSAGE: return text_value(err->message);
    case GT_ERROR_PROVIDER: return text_value(provider);
    case GT_ERROR_PHASE: return text_value(gt_phase_name(err->phase));
    case GT_ERROR_SUBMITTED: return text_value(gt_submitted_name(err->submitted));
    case GT_ERROR_STATUS: return integer_value(err->status);
    case GT_ERROR_CODE: return text_value(err->code);
    case GT_ERROR_STAGE: return text_value(err->stage);
    case GT_ERROR_REQUEST_ID: return text_value(err->request_id);
    case GT_ERROR_TASK_ID: return text_value(err->task_id);
    case GT_ERROR_BODY: return text_value(err->body);
    case GT_ERROR_RETRY_AFTER: /* < 0: the provider gave none */
        return (gt_error_value){.type = err->retry_after >= 0 ? GT_VALUE_NUMBER : GT_VALUE_NONE,
                                .number = err->retry_after};
    case GT_ERROR_ATTEMPTS: return integer_value(err->attempts);
    case GT_ERROR_IDEMPOTENCY_KEY: return text_value(err->idempotency_key);
    case GT_ERROR_CAUSE:
        return (gt_error_value){.type = err->cause ? GT_VALUE_ERROR : GT_VALUE_NONE, .error = err->cause};
    case GT_ERROR_FIELD_COUNT: break;
    }
    return (gt_error_value){.type = GT_VALUE_NONE};
}
