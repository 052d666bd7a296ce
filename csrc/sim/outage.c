#include "outage.h"

void outage_set_until(struct outage *outage, int64_t until_ms)
{
    atomic_store(&outage->until_ms, until_ms);
}

int64_t outage_until(struct outage *outage, int64_t now_ms)
{
    int64_t until_ms = atomic_load(&outage->until_ms);
    return until_ms > now_ms ? until_ms : 0;
}

bool outage_refuse(struct outage *outage, int64_t now_ms)
{
    if (outage_until(outage, now_ms) == 0) return false;
    atomic_fetch_add(&outage->refused, 1);
    return true;
}

void outage_reset(struct outage *outage)
{
    atomic_store(&outage->until_ms, 0);
    atomic_store(&outage->refused, 0);
}

void outage_stats_json(struct outage *outage, cJSON *body, int64_t now_ms)
{
    cJSON_AddNumberToObject(body, "outage_refused", (double)atomic_load(&outage->refused));
    cJSON_AddNumberToObject(body, "outage_until_ms", (double)outage_until(outage, now_ms));
}
