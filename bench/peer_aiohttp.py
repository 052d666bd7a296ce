"""bench/peer_aiohttp.py BASE_URL N POLL_INTERVAL — Python asyncio + aiohttp's side of `make bench`.

One ClientSession with aiohttp's default connector (at most 100 connections, kept alive;
HTTP/1.1 only); over https it trusts BENCH_CA. The job itself is peer_job.py's.
"""
import os
import ssl

import aiohttp

import peer_job


async def session_job(base, job):
    ca = os.environ.get("BENCH_CA") or None
    connector = aiohttp.TCPConnector(ssl=ssl.create_default_context(cafile=ca)) if ca else aiohttp.TCPConnector()
    headers = {"Authorization": "Bearer " + peer_job.FOXAPI_KEY}
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30, sock_read=60)
    async with aiohttp.ClientSession(headers=headers, connector=connector, timeout=timeout) as session:
        async def submit(index):
            async with session.post(peer_job.submit_url(base), json=peer_job.submit_body(index)) as r:
                if r.status != 200:
                    return None, "HTTP %d" % r.status
                return peer_job.created_id(await r.json()), None

        async def poll(task_id):
            try:
                async with session.get(peer_job.poll_url(base, task_id)) as r:
                    return (await r.json(), None) if r.status == 200 else (None, "HTTP %d" % r.status)
            except (aiohttp.ClientError, ValueError) as e:
                return None, "%s: %s" % (type(e).__name__, e)

        return await job(submit, poll)


if __name__ == "__main__":
    peer_job.run("peer_aiohttp", session_job)
