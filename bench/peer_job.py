"""bench/peer_job.py — the job both Python peers of `make bench` do, written once.

A peer supplies two coroutines over its own HTTP library: submit(index) → (task id or None,
problem) and poll(task_id) → (decoded body or None, problem). This module submits N tasks at
once, polls each every POLL_INTERVAL seconds until it ends (a poll is free to retry: a few in a
row, then the task counts as failed), keeps the result URL, and prints {"ok": K, "n": N}.
"""
import asyncio
import collections
import json
import os
import sys

FOXAPI_KEY = os.environ.get("BENCH_KEY", "sk-test-gentask")


def submit_body(index):
    return {"model": "flux-dev", "prompt": "bench %d" % index}


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
                return bool(body["results"][0]["url"])
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
