"""The Python peer of the cloud benchmark: RemoteMedia's own client (remotemedia-client
0.2.0, json, its only non-pickle format) against an edgemix server. Prints one JSON line
of per-call ns for ExecuteNode(AudioMixer) on 960-sample frames and the frame rate of
one StreamNode stream."""

import argparse
import asyncio
import json
import logging
import math
import time

logging.disable(logging.CRITICAL)

from remotemedia.core.node import RemoteExecutorConfig  # noqa: E402
from remotemedia.remote.client import RemoteExecutionClient  # noqa: E402


def frames(count):
    # A 220 Hz tone at -12 dBFS: the round trip does not depend on the content.
    return [[0.25 * math.sin(2 * math.pi * 220 * (k * 960 + i) / 48000) for i in range(960)] for k in range(count)]


async def main(port, calls, warmup, stream_frames):
    client = RemoteExecutionClient(RemoteExecutorConfig(host="127.0.0.1", port=port, ssl_enabled=False, timeout=30.0))
    await client.connect()
    data = frames(50)
    for i in range(warmup):
        await client.execute_node("AudioMixer", {}, data[i % 50], "json")
    times = []
    for i in range(calls):
        t0 = time.perf_counter_ns()
        out = await client.execute_node("AudioMixer", {}, data[i % 50], "json")
        times.append(time.perf_counter_ns() - t0)
        assert len(out) == 960

    async def source():
        for i in range(stream_frames):
            yield data[i % 50]

    t0 = time.perf_counter_ns()
    answers = [x async for x in client.stream_node("AudioMixer", {}, source(), "json")]
    seconds = (time.perf_counter_ns() - t0) / 1e9
    assert len(answers) == stream_frames + 1  # + the flushed tail
    await client.disconnect()
    return {"executeNs": times, "stream": {"framesPerSecond": stream_frames / seconds, "frames": stream_frames}}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--stream-frames", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.port, args.calls, args.warmup, args.stream_frames))))
