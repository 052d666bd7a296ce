"""bench/peer_httpx.py BASE_URL N POLL_INTERVAL — Python asyncio + httpx's side of `make bench`.

One AsyncClient with httpx's default pool (at most 100 connections, kept alive); over https it
trusts BENCH_CA and speaks HTTP/2 when the h2 package is there. The job itself is peer_job.py's.
"""
import os

import httpx

import peer_job


async def session_job(base, job):
    http2 = False
    if base.startswith("https:"):
        try:
            import h2  # noqa: F401
            http2 = True
        except ImportError:
            pass
    headers = {"Authorization": "Bearer " + peer_job.FOXAPI_KEY}
    async with httpx.AsyncClient(headers=headers, verify=os.environ.get("BENCH_CA") or True, http2=http2,
                                 timeout=httpx.Timeout(60.0)) as client:
        async def submit(index):
            r = await client.post(peer_job.submit_url(base), json=peer_job.submit_body(index))
            if r.status_code != 200:
                return None, "HTTP %d" % r.status_code
            return peer_job.created_id(r.json()), None

        async def poll(task_id):
            try:
                r = await client.get(peer_job.poll_url(base, task_id))
                return (r.json(), None) if r.status_code == 200 else (None, "HTTP %d" % r.status_code)
            except (httpx.HTTPError, ValueError) as e:
                return None, "%s: %s" % (type(e).__name__, e)

        return await job(submit, poll)


if __name__ == "__main__":
    peer_job.run("peer_httpx", session_job)
