"""bench/peer_aiohttp.py BASE_URL N POLL_INTERVAL — Python asyncio + aiohttp's side of `make bench`.

Submits N FoxAPI tasks (POST BASE_URL/v1/images/generations) at once, polls each
(GET BASE_URL/v1/tasks/ID) every POLL_INTERVAL seconds until it ends, keeps the result URL,
and prints one line {"ok": K, "n": N}. One ClientSession with aiohttp's default connector (at
most 100 connections, kept alive; HTTP/1.1 only); over https it trusts BENCH_CA. BENCH_KEY is
the API key (default sk-test-gentask).
"""
import asyncio
import collections
import json
import os
import ssl
import sys

import aiohttp


async def one(session, base, index, interval, failures):
    try:
        async with session.post(base + "/v1/images/generations",
                                json={"model": "flux-dev", "prompt": "bench %d" % index}) as r:
            if r.status != 200:
                failures["submit HTTP %d" % r.status] += 1
                return False
            task_id = (await r.json())["id"]
        errors = 0
        while True:
            await asyncio.sleep(interval)
            try:
                async with session.get(base + "/v1/tasks/" + task_id) as r:
                    body = await r.json() if r.status == 200 else None
                    problem = "HTTP %d" % r.status
            except (aiohttp.ClientError, ValueError) as e:
                body, problem = None, "%s: %s" % (type(e).__name__, e)
            if body is None:  # a poll is free to retry: a few in a row, then give up
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


async def main(base, n, interval):
    ca = os.environ.get("BENCH_CA") or None
    ssl_context = ssl.create_default_context(cafile=ca) if ca else None
    failures = collections.Counter()
    headers = {"Authorization": "Bearer " + os.environ.get("BENCH_KEY", "sk-test-gentask")}
    connector = aiohttp.TCPConnector(ssl=ssl_context) if ssl_context else aiohttp.TCPConnector()
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)
    async with aiohttp.ClientSession(headers=headers, connector=connector, timeout=timeout) as session:
        results = await asyncio.gather(*(one(session, base, i + 1, interval, failures) for i in range(n)))
    for what, count in failures.items():
        print("peer_aiohttp: %d× %s" % (count, what), file=sys.stderr)
    return sum(results)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: peer_aiohttp.py BASE_URL N POLL_INTERVAL")
    n = int(sys.argv[2])
    ok = asyncio.run(main(sys.argv[1], n, float(sys.argv[3])))
    print(json.dumps({"ok": ok, "n": n}))
