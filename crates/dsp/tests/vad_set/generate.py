#!/usr/bin/env python3
"""The labelled speech set of the VAD tests, and the (uncommitted) training speech.

    .venv/bin/python generate.py                 # speech.wav + labels.json here (committed)
    .venv/bin/python generate.py --train DIR     # a different, longer set for train.py

Speech is synthesised by espeak-ng (1.51; `apt-get install -y espeak-ng`) with several
voices, languages, speeds and pitches, one utterance per entry below, placed at known
times with silence (exact zeros) between them. espeak-ng writes 22 050 Hz; the audio is
resampled to 48 kHz (`scipy.signal.resample_poly(x, 320, 147)`, its Kaiser-windowed FIR),
each utterance is scaled so that its speech-active frames have an RMS level of
`ACTIVE_LEVEL_DB` dBFS, and the whole is stored as 16-bit mono PCM WAV at 48 kHz.

Labels: one per 20 ms frame (960 samples, frame i = samples 960·i .. 960·i + 959), from
the CLEAN speech only, by this rule:

  1. level(i) = 10·log10(mean of x² over the frame), in dBFS (full scale = 1.0);
  2. a frame is active when level(i) ≥ peak(u) − 30 dB, where peak(u) is the highest
     frame level of the utterance u the frame belongs to (frames of the silence between
     utterances are never active);
  3. inside an utterance, inactive runs shorter than 200 ms (10 frames) between two
     active frames become active (the 200 ms hangover of ITU-T P.56's activity
     factor: a talk spurt does not end at a stop closure or a short word gap).

Noise and music are not stored: the Rust tests generate them (see signals.rs).

The training set (`--train`) uses other sentences, other voice/pitch/speed draws and a
fixed seed, and two engines: espeak-ng in 20 languages and, for 40 % of the English
sentences, Flite 2.2 (`apt-get install -y flite`; voices kal, kal16, awb, rms, slt). Nothing
of it is committed (train.py makes it again when needed). The held-out set of heldout.py
comes from neither engine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import warnings
import wave

from fractions import Fraction

import numpy as np
from scipy.io import wavfile
from scipy.signal import resample_poly

SAMPLE_RATE = 48_000
FRAME = 960  # 20 ms
ACTIVE_LEVEL_DB = -26.0  # RMS of the speech-active frames of each utterance, dBFS
PEAK_MINUS_DB = 30.0  # label rule 2
GAP_FILL_FRAMES = 10  # label rule 3: gaps of fewer frames are filled (200 ms)

# (voice, words per minute, pitch 0-99, text, silence after it in seconds). The first
# utterance starts after LEAD_S of silence.
LEAD_S = 1.0
TEST_UTTERANCES = [
    ("en-us+m3", 165, 45, "The birch canoe slid on the smooth planks.", 0.62),
    ("en-gb+f3", 150, 60, "Glue the sheet to the dark blue background.", 1.50),
    ("en-us+f4", 175, 55, "It is easy to tell, if you know how.", 0.44),
    ("en-gb-scotland+m1", 155, 35, "A chicken leg is a rare dish.", 1.85),
    ("en-us+f2", 160, 70, "Rice is served in round bowls.", 0.80),
    ("de+m2", 150, 40, "Der Wind weht heute sehr stark.", 1.22),
    ("en-029+m7", 170, 50, "The juice of lemons makes fine punch.", 2.10),
    ("fr-fr+f1", 160, 55, "Le chat dort, près de la fenêtre.", 0.70),
    ("en-us+m1", 145, 30, "Four hours of steady work faced us.", 1.35),
    ("en-gb-x-rp+f5", 170, 65, "The box was thrown beside the truck.", 1.00),
]

TRAIN_SENTENCES = [
    "The boy was there when the sun rose.",
    "A rod is used to catch pink salmon.",
    "The source of the huge river is the clear spring.",
    "Kick the ball straight and follow through.",
    "Help the woman get back to her feet.",
    "A pot of tea helps to pass the evening.",
    "Smoky fires lack flame and heat.",
    "The soft cushion broke the man's fall.",
    "The salt breeze came across from the sea.",
    "The girl at the booth sold fifty bonds.",
    "The small pup gnawed a hole in the sock.",
    "The fish twisted and turned on the bent hook.",
    "Press the pants and sew a button on the vest.",
    "The swan dive was far short of perfect.",
    "The beauty of the view stunned the young boy.",
    "Two blue fish swam in the tank.",
    "Her purse was full of useless trash.",
    "The colt reared and threw the tall rider.",
    "It snowed, rained, and hailed the same morning.",
    "Read verse out loud for pleasure.",
    "Hoist the load to your left shoulder.",
    "Take the winding path to reach the lake.",
    "Note closely the size of the gas tank.",
    "Wipe the grease off his dirty face.",
    "Mend the coat before you go out.",
    "The wrist was badly strained and hung limp.",
    "The stray cat gave birth to kittens.",
    "The young girl gave no clear response.",
    "The meal was cooked before the bell rang.",
    "What joy there is in living, said the old man.",
    "Numbers seven, twelve and forty one were called, then nothing.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "Six spoons of fresh snow peas, five thick slabs of blue cheese.",
    "We also need a small plastic snake and a big toy frog for the kids.",
    "The old lamp on the corner table flickered all night.",
    "My sister paints small boats along the harbour wall.",
    "Turn left at the bakery, then walk past the blue gate.",
    "The committee will meet again on Thursday afternoon.",
    "A thin layer of frost covered the parked cars.",
    "He forgot his umbrella, so he ran the whole way home.",
    "The children built a castle of sand and shells.",
    "Our train was delayed by almost forty minutes.",
    "Fresh bread smells wonderful early in the morning.",
    "She counted the coins twice before paying.",
    "The violin sounded warm in the empty church.",
    "Please switch off the lights when you leave the room.",
    "The farmer sold three crates of ripe tomatoes.",
    "Heavy clouds rolled over the hills by noon.",
    "They laughed at the joke about the clumsy penguin.",
    "The museum closes at six on weekdays.",
    "Write your name clearly at the top of the page.",
    "A gentle wind moved the tall grass in waves.",
    "The pilot announced that we would land soon.",
    "I would like a cup of coffee with a little milk.",
    "The quiet library was full of students.",
    "Nobody knew where the strange letter had come from.",
    "Bring a warm jacket, the evenings get cold.",
    "The kettle whistled just as the phone rang.",
    "Seven geese flew low across the frozen pond.",
    "The mechanic checked the brakes and the tyres.",
    "Yesterday we planted apple trees behind the barn.",
    "The crowd cheered when the final whistle blew.",
    "Grandfather told stories about the long winter of his youth.",
    "Hmm, let me think about that for a second.",
]
TRAIN_FOREIGN = [
    ("de", "Im Sommer fahren wir oft mit dem Fahrrad an den See."),
    ("de", "Könnten Sie mir bitte sagen, wie spät es ist?"),
    ("fr-fr", "Nous avons passé une très belle journée à la montagne."),
    ("fr-fr", "Il faut acheter du pain et du fromage avant ce soir."),
    ("es", "El perro corre por el parque todas las mañanas."),
    ("es", "¿Dónde está la estación de tren más cercana?"),
    ("it", "La pizza napoletana è famosa in tutto il mondo."),
    ("pt", "O menino leu o livro inteiro numa só tarde."),
    ("nl", "De fiets staat al de hele dag in de regen."),
    ("pl", "Jutro rano pojedziemy pociągiem do Krakowa."),
    ("sv", "Vi åt middag tillsammans på den lilla restaurangen."),
    ("ru", "Сегодня вечером мы пойдём в театр."),
    ("cmn", "我们明天早上一起去公园散步吧。"),
    ("cmn", "这家饭馆的菜又便宜又好吃。"),
    ("hi", "आज शाम को हम बाज़ार जाएंगे।"),
    ("ja", "あしたは友達と一緒に映画を見に行きます。"),
    ("tr", "Yarın sabah erkenden denize gideceğiz."),
    ("cs", "Včera jsme byli celý den na horách."),
    ("fi", "Kesällä uimme joka päivä järvessä."),
]
# Text encodings of the Festival voices (heldout.py); the others read UTF-8.
FESTIVAL_ENCODING = {
    "lp_diphone": "latin-1",
    "pc_diphone": "latin-1",
    "suo_fi_lj_diphone": "latin-1",
    "hy_fi_mv_diphone": "latin-1",
    "czech_dita": "iso-8859-2",
    "czech_machac": "iso-8859-2",
    "czech_ph": "iso-8859-2",
}
# Flite's voices (Debian's flite 2.2): the English sentences take one of them with
# probability FLITE_SHARE, so that the network hears a second engine's voices.
FLITE_VOICES = ["kal", "kal16", "awb", "rms", "slt"]
FLITE_SHARE = 0.4
TRAIN_ENGLISH_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc", "en-gb-x-gbclan"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "Andy", "Annie", "belinda", "boris", "edward", "john", "linda", "max", "steph", "travis", "zac"]


def synth(voice: str, wpm: int, pitch: int, text: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """One utterance at `rate` Hz as float64, leading and trailing silence trimmed.

    `voice` names the engine: "flite:<voice>" (Flite 2.2; `wpm` and `pitch` become its
    duration stretch 150/wpm and mean F0 `pitch` Hz + 60), "festival:<voice>" (Festival
    2.5's `text2wave`, the voice's own speed and pitch; `text` is written in the
    encoding of FESTIVAL_ENCODING) or an espeak-ng voice (`-s wpm -p pitch`).
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "u.wav")
        if voice.startswith("flite:"):
            subprocess.run(
                ["flite", "-voice", voice[6:], "--setf", f"duration_stretch={150 / wpm:.3f}",
                 "--setf", f"int_f0_target_mean={pitch + 60}", "-t", text, "-o", path],
                check=True,
            )
        elif voice.startswith("festival:"):
            name = voice[9:]
            text_path = os.path.join(tmp, "u.txt")
            with open(text_path, "wb") as f:
                f.write(text.encode(FESTIVAL_ENCODING.get(name, "utf-8")))
            subprocess.run(["text2wave", "-eval", f"(voice_{name})", text_path, "-o", path], check=True,
                           stderr=subprocess.DEVNULL)
        else:
            subprocess.run(
                ["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", path, text],
                check=True,
            )
        x, native = read_wav(path)
    return trim_and_resample(x, native, rate)


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """A mono WAV as float64 in [-1, 1) and its rate (16-bit PCM, or 32/64-bit float)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", wavfile.WavFileWarning)  # pytest-audioeval's LIST chunks
        native, x = wavfile.read(path)
    assert x.ndim == 1, f"{path}: mono expected"
    if x.dtype == np.int16:
        return x.astype(np.float64) / 32768.0, native
    assert x.dtype.kind == "f", f"{path}: {x.dtype}"
    return x.astype(np.float64), native


def trim_and_resample(x: np.ndarray, native: int, rate: int) -> np.ndarray:
    """Trims leading and trailing silence (below 1e-4) but 100 samples, and converts
    `native` Hz to `rate` Hz with scipy's polyphase Kaiser FIR."""
    nz = np.flatnonzero(np.abs(x) > 1e-4)
    x = x[max(nz[0] - 100, 0) : nz[-1] + 100]
    ratio = Fraction(rate, native)
    return resample_poly(x, ratio.numerator, ratio.denominator) if ratio != 1 else x


def frame_levels(x: np.ndarray, frame: int = FRAME) -> np.ndarray:
    n = len(x) // frame
    ms = np.mean(x[: n * frame].reshape(n, frame) ** 2, axis=1)
    return 10.0 * np.log10(ms + 1e-20)


def label_utterance(levels: np.ndarray) -> np.ndarray:
    active = levels >= levels.max() - PEAK_MINUS_DB
    idx = np.flatnonzero(active)
    for a, b in zip(idx[:-1], idx[1:]):
        if 1 < b - a <= GAP_FILL_FRAMES:
            active[a:b] = True
    return active


def build(utterances, lead_s: float, rate: int = SAMPLE_RATE):
    """Places the utterances on a 20 ms frame grid at `rate` Hz; returns (int16 audio,
    labels, placements). A voice "recording:<path>" is a WAV file, used as it is."""
    frame = rate // 50
    pieces, labels, placed = [], [], []
    lead = int(round(lead_s * 50)) * frame
    pieces.append(np.zeros(lead))
    labels.append(np.zeros(lead // frame, dtype=bool))
    pos = lead
    for voice, wpm, pitch, text, pause_s in utterances:
        if voice.startswith("recording:"):
            x = trim_and_resample(*read_wav(voice[10:]), rate)
        else:
            x = synth(voice, wpm, pitch, text, rate)
        # Pad to whole frames so that every frame belongs to one utterance or one gap.
        x = np.concatenate([x, np.zeros((-len(x)) % frame)])
        active = label_utterance(frame_levels(x, frame))
        active_rms = np.sqrt(np.mean(x.reshape(-1, frame)[active] ** 2))
        x *= 10 ** (ACTIVE_LEVEL_DB / 20) / active_rms
        q = np.round(x * 32768.0).clip(-32768, 32767)
        # Labels from the stored (quantised) clean speech.
        active = label_utterance(frame_levels(q / 32768.0, frame))
        gap = int(round(pause_s * 50)) * frame
        placed.append(
            {
                "voice": voice,
                "wpm": wpm,
                "pitch": pitch,
                "text": text,
                "startFrame": pos // frame,
                "frames": len(q) // frame,
            }
        )
        pieces += [q, np.zeros(gap)]
        labels += [active, np.zeros(gap // frame, dtype=bool)]
        pos += len(q) + gap
    return np.concatenate(pieces).astype(np.int16), np.concatenate(labels), placed


def write(out_dir: str, name: str, audio: np.ndarray, labels: np.ndarray, placed, rate: int = SAMPLE_RATE, **extra) -> None:
    os.makedirs(out_dir, exist_ok=True)
    with wave.open(os.path.join(out_dir, f"{name}.wav"), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(audio.astype("<i2").tobytes())
    meta = {
        # The script that called this one (heldout.py or this file), from the repository root.
        "generator": "crates/dsp/tests/vad_set/" + os.path.basename(sys.argv[0]),
        **extra,
        "sampleRate": rate,
        "frameSamples": rate // 50,
        "frames": len(labels),
        "speechFrames": int(labels.sum()),
        "rule": (
            f"frame active if its clean level >= utterance peak frame level - {PEAK_MINUS_DB:g} dB; "
            f"inactive runs shorter than {GAP_FILL_FRAMES} frames inside an utterance filled"
        ),
        "activeLevelDb": ACTIVE_LEVEL_DB,
        "utterances": placed,
        "labels": "".join("1" if a else "0" for a in labels),
    }
    with open(os.path.join(out_dir, f"{name}.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(
        f"{name}: {len(labels)} frames ({len(labels) * 0.02:.1f} s), "
        f"{labels.mean() * 100:.1f} % speech, {len(placed)} utterances",
        file=sys.stderr,
    )


def training_utterances(rng: np.random.Generator, count: int):
    items = [(None, s) for s in TRAIN_SENTENCES] + TRAIN_FOREIGN
    items = [items[i] for i in rng.permutation(len(items))]
    out = []
    for i in range(count):
        lang, text = items[i % len(items)]
        flite = lang is None and rng.uniform() < FLITE_SHARE
        if lang is None:
            lang = TRAIN_ENGLISH_VOICES[rng.integers(len(TRAIN_ENGLISH_VOICES))]
        voice = f"{lang}+{VARIANTS[rng.integers(len(VARIANTS))]}"
        if flite:
            voice = f"flite:{FLITE_VOICES[rng.integers(len(FLITE_VOICES))]}"
        wpm = int(rng.integers(130, 200))
        pitch = int(rng.integers(20, 80))
        # Pauses: mostly short, sometimes long (a pause of a few seconds lets the noise
        # trackers settle on the background alone).
        pause = float(rng.choice([rng.uniform(0.2, 0.8), rng.uniform(0.8, 2.0), rng.uniform(2.0, 4.0)], p=[0.5, 0.35, 0.15]))
        out.append((voice, wpm, pitch, text, pause))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", metavar="DIR", help="write the training speech (train.wav, train.json) to DIR")
    parser.add_argument("--count", type=int, default=160, help="training utterances (--train only; 83 = every sentence once)")
    args = parser.parse_args()
    if args.train:
        rng = np.random.default_rng(20240607)
        audio, labels, placed = build(training_utterances(rng, args.count), lead_s=1.5)
        write(args.train, "train", audio, labels, placed)
    else:
        here = os.path.dirname(os.path.abspath(__file__))
        audio, labels, placed = build(TEST_UTTERANCES, lead_s=LEAD_S)
        write(here, "speech", audio, labels, placed)


if __name__ == "__main__":
    main()
