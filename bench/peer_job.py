"""bench/peer_job.py — the job both Python peers of `make bench` do, written once.

A peer supplies two coroutines over its own HTTP library: submit(index) → (task id or None,
problem) and poll(task_id) → (decoded body or None, problem), both built from this module's
submit_url, submit_body, created_id and poll_url. This module submits N tasks at once, polls each
every POLL_INTERVAL seconds until it ends (a poll is free to retry: a few in a row, then the task
counts as failed), keeps the result URL, and prints {"ok": K, "n": N}.

BENCH_DIALECT picks the wire format: foxapi (the default: POST /v1/images/generations, GET
/v1/tasks/ID) or flora (POST /techniques/flux-dev/runs with an idempotency_key of the task's own,
GET /techniques/flux-dev/runs/ID; the simulator's csrc/sim/flora.c).
"""
import asyncio
import collections
import json
import os
import sys
import uuid

FOXAPI_KEY = os.environ.get("BENCH_KEY", "sk-test-gentask")
DIALECT = os.environ.get("BENCH_DIALECT") or "foxapi"
if DIALECT not in ("foxapi", "flora"):
    sys.exit("BENCH_DIALECT is foxapi or flora, not %s" % DIALECT)
FLORA_RUNS = "/techniques/flux-dev/runs"


def submit_url(base):
    return base + (FLORA_RUNS if DIALECT == "flora" else "/v1/images/generations")


def submit_body(index):
    if DIALECT == "flora":
        # a key per task, as a client that wants a resent submit to be harmless sends
        return {"inputs": [{"id": "prompt", "type": "text", "value": "bench %d" % index}], "mode": "async",
                "idempotency_key": uuid.uuid4().hex}
    return {"model": "flux-dev", "prompt": "bench %d" % index}


def created_id(body):
    return body["runId"] if DIALECT == "flora" else body["id"]


def poll_url(base, task_id):
    return base + (FLORA_RUNS + "/" if DIALECT == "flora" else "/v1/tasks/") + task_id


def result_url(body):
    return body["outputs" if DIALECT == "flora" else "results"][0]["url"]


async def one(submit, poll, index, interval, failures):
    try:
        task_id, problem = await submit(index)
        if task_id is None:
            failures["submit " + problem] += 1
            return False
        errors = 0
        while True:
            await asyncio.sleep(interval)
            body, problem = await poll(task_id)
            if body is None:
                errors += 1
                if errors > 3:
                    failures["poll: " + problem] += 1
                    return False
                continue
            errors = 0
            status = body.get("status")
            if status == "completed":
                return bool(result_url(body))
            if status in ("failed", "cancelled"):
                failures["task " + status] += 1
                return False
    except Exception as e:  # noqa: BLE001 — every failure is counted, none ends the run
        failures["%s: %s" % (type(e).__name__, e)] += 1
        return False


def run(name, session_job):
    """session_job(n, interval, job) is the peer's coroutine: it opens its client, then awaits
    job(submit, poll) and returns its result."""
    if len(sys.argv) != 4:
        sys.exit("usage: %s BASE_URL N POLL_INTERVAL" % name)
    base, n, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    failures = collections.Counter()

    async def job(submit, poll):
        results = await asyncio.gather(*(one(submit, poll, i + 1, interval, failures) for i in range(n)))
        return sum(results)

    ok = asyncio.run(session_job(base, job))
    for what, count in failures.items():
        print("%s: %d× %s" % (name, count, what), file=sys.stderr)
    print(json.dumps({"ok": ok, "n": n}))
