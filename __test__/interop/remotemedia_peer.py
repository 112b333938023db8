"""Drives an edgemix server with RemoteMedia's own Python client (remotemedia-client
0.2.0, unchanged): GetStatus, ListNodes, ExecuteNode (json) on AudioMixer and MFCC,
StreamNode, ExecuteNode and StreamNode with numpy arrays in the client's default format
(pickle), snake_case parameters, and refusals (among them a pickle that would run
os.system). Reads the job as JSON on stdin, writes what the client returned as JSON on
stdout; the test compares it with edgemix's native results."""

import asyncio
import json
import logging
import os
import sys

logging.disable(logging.CRITICAL)  # the SDK logs optional-import warnings at import time

from remotemedia.core.exceptions import RemoteExecutionError  # noqa: E402
from remotemedia.core.node import RemoteExecutorConfig  # noqa: E402
from remotemedia.remote.client import RemoteExecutionClient  # noqa: E402
import numpy as np  # noqa: E402


class Shell:
    """Pickles as a call of os.system: what an unpickler that runs code would execute."""

    def __reduce__(self):
        return (os.system, ("echo unpickled",))


def described(value):
    """A reply as JSON: arrays with their type, dtype and shape; tuples and dicts inside."""
    if isinstance(value, np.ndarray):
        return {"ndarray": value.tolist(), "dtype": str(value.dtype), "shape": list(value.shape)}
    if isinstance(value, tuple):
        return {"tuple": [described(v) for v in value]}
    if isinstance(value, dict):
        return {k: described(v) for k, v in value.items()}
    return value


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

        async def numpy_frames():
            for frame in job["frames"]:
                yield np.asarray(frame, dtype=np.float32)

        streamed = [out async for out in client.stream_node("AudioMixer", mixer_config, frames(), "json")]
        # The client's default serialization (pickle) from here on.
        signal = np.asarray(audio, dtype=np.float32)
        shell = await refusal(client.execute_node("PassThrough", {}, Shell()))
        pcm = np.array(job["pcm16"], dtype=np.int16)
        return {
            "shell": shell,
            "transform": described(await client.execute_node("AudioTransform", job["transformConfig"], (signal, 48000))),
            "transformDict": described(
                await client.execute_node("AudioTransform", job["transformConfig"], {"audio_data": signal, "sample_rate": 48000})
            ),
            "pcm16": described(await client.execute_node("PassThrough", {}, pcm)),
            "numpyStream": [described(out) async for out in client.stream_node("AudioMixer", mixer_config, numpy_frames())],
            "mfccSnake": await client.execute_node("MFCC", {"n_mfcc": 13, "sample_rate": 48000}, audio, "json"),
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
            "bothSpellings": await refusal(client.execute_node("MFCC", {"sample_rate": 48000, "sampleRate": 48000}, audio, "json")),
            "badParameter": await refusal(client.execute_node("AudioMixer", {"compressor": {"ratio": 0}}, audio, "json")),
        }
    finally:
        await client.disconnect()


if __name__ == "__main__":
    result = asyncio.run(main(json.load(sys.stdin)))
    json.dump(result, sys.stdout)
