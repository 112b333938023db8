#!/usr/bin/env python3
"""The held-out speech of the VAD tests: voices of engines the network never hears.

    .venv/bin/python heldout.py            # heldout.wav + heldout.json here (committed)

Two sources, neither used by train.py (which hears espeak-ng and Flite only):

  * Festival 2.5 (Debian `festival` with festvox-kdlpc16k, festvox-italp16k,
    festvox-itapc16k, festvox-ru, festvox-suopuhe-lj, festvox-suopuhe-mv,
    festvox-czech-dita, festvox-czech-machac, festvox-czech-ph, festvox-ca-ona-hts): ten
    voices in six languages (English, Italian, Russian, Finnish, Czech, Catalan), diphone, unit
    selection and HTS synthesis. Festival's kal and slt voices are left out: Flite has
    the same speakers.
  * The 27 recordings of PyPI `pytest-audioeval` 0.1.3 (nine languages: English,
    Spanish, French, Hindi, Italian, Japanese, Polish, Portuguese, Chinese; 16 kHz;
    MIT licence, Copyright (c) 2026 Damien Volkov), fetched by
    ../genre_set/fetch_audioeval.py into AUDIOEVAL_DIR (default
    ~/.cache/edgemix/audioeval).

The utterances alternate between the sources in a seeded order with seeded pauses of
0.3-2.5 s, every one scaled to -26 dBFS over its active frames and labelled by
generate.py's rule; stored as 16-bit mono PCM at 16 kHz (the tests convert it to 48 kHz).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import numpy as np

import generate

HERE = os.path.dirname(os.path.abspath(__file__))
RATE = 16_000
SEED = 20250119
AUDIOEVAL_DIR = os.environ.get("AUDIOEVAL_DIR", os.path.expanduser("~/.cache/edgemix/audioeval"))

# (festival voice, text); generate.FESTIVAL_ENCODING names each voice's text encoding.
FESTIVAL = [
    ("ked_diphone", "Please put the heavy box on the lower shelf."),
    ("ked_diphone", "We will meet at the station after lunch, if the weather holds."),
    ("lp_diphone", "Domani andremo al mercato a comprare la frutta."),
    ("pc_diphone", "Il treno per Roma parte alle otto e mezza."),
    ("msu_ru_nsh_clunits", "Завтра мы поедем к бабушке в деревню."),
    ("msu_ru_nsh_clunits", "Он долго читал письмо и молчал."),
    ("suo_fi_lj_diphone", "Huomenna menemme torille ostamaan kalaa."),
    ("hy_fi_mv_diphone", "Kissa nukkuu ikkunan vieressä koko päivän."),
    ("czech_dita", "Zítra pojedeme vlakem do Prahy."),
    ("czech_machac", "Na zahradě kvetou jabloně a třešně."),
    ("czech_ph", "Večer jsme si četli knihu u krbu."),
    ("upc_ca_ona_hts", "Demà anirem a la platja amb els meus amics."),
]


def main() -> None:
    subprocess.run([sys.executable, os.path.join(HERE, "..", "genre_set", "fetch_audioeval.py"), AUDIOEVAL_DIR], check=True)
    recordings = sorted(glob.glob(os.path.join(AUDIOEVAL_DIR, "samples", "*", "*.wav")))
    assert len(recordings) == 27, f"{len(recordings)} recordings in {AUDIOEVAL_DIR}"
    rng = np.random.default_rng(SEED)
    items = [(f"festival:{v}", 0, 0, text) for v, text in FESTIVAL]
    items += [(f"recording:{path}", 0, 0, os.path.relpath(path, os.path.join(AUDIOEVAL_DIR, "samples"))) for path in recordings]
    items = [items[i] for i in rng.permutation(len(items))]
    utterances = [(v, w, p, t, float(rng.uniform(0.3, 2.5))) for v, w, p, t in items]
    audio, labels, placed = generate.build(utterances, lead_s=1.0, rate=RATE)
    for u in placed:
        if u["voice"].startswith("recording:"):
            u["voice"] = "pytest-audioeval"
        u.pop("wpm")
        u.pop("pitch")
    generate.write(
        HERE,
        "heldout",
        audio,
        labels,
        placed,
        rate=RATE,
        sources=(
            "Festival 2.5 voices (Debian festvox packages) and the recordings of PyPI pytest-audioeval 0.1.3 "
            "(MIT licence, Copyright (c) 2026 Damien Volkov); see heldout.py"
        ),
    )


if __name__ == "__main__":
    main()
