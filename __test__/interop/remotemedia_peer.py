"""Drives an edgemix server with RemoteMedia's own Python client (remotemedia-client
0.2.0, unchanged): GetStatus, ListNodes, ExecuteNode (json) on AudioMixer and MFCC,
StreamNode, and two refusals. Reads the job as JSON on stdin, writes what the client
returned as JSON on stdout; the test compares it with edgemix's native results."""

import asyncio
import json
import logging
import sys

logging.disable(logging.CRITICAL)  # the SDK logs optional-import warnings at import time

from remotemedia.core.exceptions import RemoteExecutionError  # noqa: E402
from remotemedia.core.node import RemoteExecutorConfig  # noqa: E402
from remotemedia.remote.client import RemoteExecutionClient  # noqa: E402


async def refusal(call):
    try:
        await call
    except RemoteExecutionError as error:
        return str(error)
    return None


async def main(job):
    config = RemoteExecutorConfig(host="127.0.0.1", port=job["port"], ssl_enabled=False, timeout=20.0)
    client = RemoteExecutionClient(config)
    await client.connect()  # itself a GetStatus call
    try:
        audio = job["audio"]
        mixer_config = job["mixerConfig"]  # a dict of dicts: sent as str(dict), Python repr

        async def frames():
            for frame in job["frames"]:
                yield frame

        streamed = [out async for out in client.stream_node("AudioMixer", mixer_config, frames(), "json")]
        return {
            "status": await client.get_status(),
            "nodes": await client.list_available_nodes(),
            "analysisNodes": await client.list_available_nodes("analysis"),
            "mixer": await client.execute_node("AudioMixer", mixer_config, audio, "json"),
            "mixerDict": await client.execute_node(
                "AudioMixer", mixer_config, {"audio_data": audio, "sample_rate": 48000}, "json"
            ),
            "mfcc": await client.execute_node("MFCC", {"nMfcc": 13, "sampleRate": 48000}, audio, "json"),
            "stream": streamed,
            "unknownNode": await refusal(client.execute_node("Reverb", {}, audio, "json")),
            "pickle": await refusal(client.execute_node("PassThrough", {}, audio)),
            "badParameter": await refusal(client.execute_node("AudioMixer", {"compressor": {"ratio": 0}}, audio, "json")),
        }
    finally:
        await client.disconnect()


if __name__ == "__main__":
    result = asyncio.run(main(json.load(sys.stdin)))
    json.dump(result, sys.stdout)
