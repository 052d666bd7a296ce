"""bench/peer_httpx.py BASE_URL N POLL_INTERVAL — Python asyncio + httpx's side of `make bench`.

Submits N FoxAPI tasks (POST BASE_URL/v1/images/generations) at once, polls each
(GET BASE_URL/v1/tasks/ID) every POLL_INTERVAL seconds until it ends, keeps the result URL,
and prints one line {"ok": K, "n": N}. One AsyncClient with httpx's default pool (at most 100
connections, kept alive); over https it trusts BENCH_CA and speaks HTTP/2 when the h2 package
is there. BENCH_KEY is the API key (default sk-test-gentask).
"""
import asyncio
import collections
import json
import os
import sys

import httpx


async def one(client, base, index, interval, failures):
    try:
        r = await client.post(base + "/v1/images/generations",
                              json={"model": "flux-dev", "prompt": "bench %d" % index})
        if r.status_code != 200:
            failures["submit HTTP %d" % r.status_code] += 1
            return False
        task_id = r.json()["id"]
        errors = 0
        while True:
            await asyncio.sleep(interval)
            try:
                r = await client.get(base + "/v1/tasks/" + task_id)
                body = r.json() if r.status_code == 200 else None
            except (httpx.HTTPError, ValueError) as e:
                body, r = None, e
            if body is None:  # a poll is free to retry: a few in a row, then give up
                errors += 1
                if errors > 3:
                    failures["poll: %s" % getattr(r, "status_code", r)] += 1
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


async def main(base, n, interval):
    ca = os.environ.get("BENCH_CA") or None
    http2 = False
    if base.startswith("https:"):
        try:
            import h2  # noqa: F401
            http2 = True
        except ImportError:
            pass
    failures = collections.Counter()
    headers = {"Authorization": "Bearer " + os.environ.get("BENCH_KEY", "sk-test-gentask")}
    async with httpx.AsyncClient(headers=headers, verify=ca or True, http2=http2,
                                 timeout=httpx.Timeout(60.0)) as client:
        results = await asyncio.gather(*(one(client, base, i + 1, interval, failures) for i in range(n)))
    for what, count in failures.items():
        print("peer_httpx: %d× %s" % (count, what), file=sys.stderr)
    return sum(results)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: peer_httpx.py BASE_URL N POLL_INTERVAL")
    n = int(sys.argv[2])
    ok = asyncio.run(main(sys.argv[1], n, float(sys.argv[3])))
    print(json.dumps({"ok": ok, "n": n}))
