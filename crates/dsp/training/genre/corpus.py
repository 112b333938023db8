#!/usr/bin/env python3
"""Generates the synthetic genre corpus: stylised MIDI per genre rendered with fluidsynth
and three Debian General-MIDI soundfonts, and espeak-ng speech.

    .venv/bin/python corpus.py OUT_DIR [--clips N] [--heldout]

Music (Rock, Jazz, Electronic, Classical): every clip is a seeded MIDI file written with
`mido` (tempo, key, progression, instruments and patterns drawn from the seed), rendered
by `fluidsynth -r 22050` with each of the three soundfonts, mixed to mono, cut to
CLIP_S seconds and scaled to a seeded RMS of -32 to -14 dBFS. Speech: 2 to 4 espeak-ng
sentences (many languages, voices, variants, speeds and pitches) with pauses between
them; a third of the clips lie over low-level room noise (low-passed noise plus mains hum
at 12 to 30 dB SNR). Speech has no soundfont: its voices are split into three groups
that take the soundfonts' place in the leave-one-soundfont-out folds.

Writes OUT_DIR/<fold>/<genre>/<seed>.wav (16-bit mono, 22050 Hz; with --heldout 16000
Hz, 6 s, seeds from HELDOUT_SEED on, never used for training) and OUT_DIR/manifest.json.
Deterministic for a given fluidsynth/espeak-ng build: every random choice comes from
numpy's PCG64 seeded per clip.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import wave

import mido
import numpy as np

SOUNDFONTS = {
    "timgm6mb": "/usr/share/sounds/sf2/TimGM6mb.sf2",
    "musescore": "/usr/share/sounds/sf3/MuseScore_General_Lite.sf3",
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
}
GENRES = ["speech", "rock", "jazz", "electronic", "classical"]
CLIP_S = 8.0
HELDOUT_CLIP_S = 6.0
RATE = 22050
HELDOUT_RATE = 16000
HELDOUT_SEED = 900_000
TPB = 480  # ticks per beat

MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 10]


class Song:
    """Absolute-tick events on 16 channels, written as one type-0 MIDI track."""

    def __init__(self, bpm: float):
        self.events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = []
        self.tempo(0, bpm)

    def tempo(self, tick: float, bpm: float):
        self.events.append((int(tick), 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))))

    def program(self, ch: int, program: int):
        self.events.append((0, 1, mido.Message("program_change", channel=ch, program=int(program))))

    def cc(self, tick: float, ch: int, control: int, value: float):
        v = int(np.clip(value, 0, 127))
        self.events.append((int(tick), 2, mido.Message("control_change", channel=ch, control=control, value=v)))

    def note(self, tick: float, ch: int, pitch: int, dur: float, vel: float):
        pitch = int(np.clip(pitch, 0, 127))
        vel = int(np.clip(vel, 1, 127))
        start, end = int(tick), int(tick + max(dur, 10))
        self.events.append((start, 4, mido.Message("note_on", channel=ch, note=pitch, velocity=vel)))
        self.events.append((end, 3, mido.Message("note_off", channel=ch, note=pitch, velocity=0)))

    def save(self, path: str):
        mid = mido.MidiFile(type=0, ticks_per_beat=TPB)
        track = mido.MidiTrack()
        mid.tracks.append(track)
        now = 0
        for tick, _, msg in sorted(self.events, key=lambda e: (e[0], e[1])):
            track.append(msg.copy(time=tick - now))
            now = tick
        mid.save(path)


def chord(root: int, scale: list[int], degree: int, tones=(0, 2, 4)) -> list[int]:
    """Scale-degree chord: pitches of `tones` (0 = root, 2 = third, ...) above degree."""
    out = []
    for t in tones:
        i = degree + t
        out.append(root + scale[i % 7] + 12 * (i // 7))
    return out


def rock(rng: np.random.Generator, seconds: float) -> Song:
    bpm = rng.uniform(100, 160)
    s = Song(bpm)
    song_bars = int(np.ceil(seconds * bpm / 240)) + 2
    key = int(rng.integers(40, 48))  # E2..B2
    scale = MINOR if rng.random() < 0.5 else MAJOR
    progs = [[0, 4, 5, 3], [0, 6, 3, 0], [0, 3, 4, 4], [5, 3, 0, 4], [0, 2, 3, 4]]
    prog = progs[int(rng.integers(len(progs)))]
    gtr = int(rng.choice([29, 30, 30, 29, 27]))
    s.program(0, gtr)
    s.program(1, int(rng.choice([33, 34, 35])))
    lead = rng.random() < 0.5
    s.program(2, int(rng.choice([29, 30, 81])))
    gtr_pattern = int(rng.integers(3))
    kick_var = int(rng.integers(3))
    hat = int(rng.choice([42, 42, 46, 51]))
    for bar in range(song_bars):
        t0 = bar * 4 * TPB
        deg = prog[bar % len(prog)]
        root = key + scale[deg % 7]
        # drums: backbeat
        for beat in range(4):
            tb = t0 + beat * TPB
            if beat in (0, 2):
                s.note(tb, 9, 36, 100, rng.uniform(100, 124))
            if beat in (1, 3):
                s.note(tb, 9, int(rng.choice([38, 40])), 100, rng.uniform(100, 124))
            for e in range(2):
                s.note(tb + e * TPB // 2, 9, hat, 60, rng.uniform(70, 100))
        if kick_var == 1:
            s.note(t0 + int(2.5 * TPB), 9, 36, 100, 105)
        if kick_var == 2:
            s.note(t0 + int(1.5 * TPB), 9, 36, 100, 100)
        if bar % 4 == 0:
            s.note(t0, 9, 49, 400, 115)
        if bar % 4 == 3 and rng.random() < 0.6:
            for k in range(4):
                s.note(t0 + 3 * TPB + k * TPB // 4, 9, int(rng.choice([45, 47, 48, 50])), 80, 110)
        # power chords
        steps = {0: [i * TPB // 2 for i in range(8)], 1: [0, TPB, 2 * TPB, 3 * TPB], 2: [0, int(1.5 * TPB), 3 * TPB]}[gtr_pattern]
        for k, st in enumerate(steps):
            dur = (steps[k + 1] if k + 1 < len(steps) else 4 * TPB) - st
            for p in (root + 12, root + 19, root + 24):
                s.note(t0 + st, 0, p, dur * 0.9, rng.uniform(95, 120))
        for e in range(8):
            s.note(t0 + e * TPB // 2, 1, root, TPB // 2 * 0.9, rng.uniform(90, 115))
        if lead and bar % 2 == 1:
            for e in range(int(rng.integers(3, 8))):
                p = key + 24 + scale[int(rng.integers(7))] + 12 * int(rng.integers(2))
                s.note(t0 + e * TPB // 2, 2, p, TPB // 2, rng.uniform(90, 115))
    return s


def jazz(rng: np.random.Generator, seconds: float) -> Song:
    bpm = rng.uniform(90, 210)
    s = Song(bpm)
    song_bars = int(np.ceil(seconds * bpm / 240)) + 2
    key = int(rng.integers(36, 48))
    swing = rng.uniform(0.62, 0.7)  # position of the off-beat eighth within the beat
    s.program(0, int(rng.choice([0, 0, 4, 26])))  # piano, e-piano, jazz guitar
    s.program(1, int(rng.choice([32, 32, 33])))  # acoustic bass
    horn = int(rng.choice([65, 66, 56, 64, 71, 11]))  # saxes, trumpet, clarinet, vibes
    s.program(2, horn)
    melody = rng.random() < 0.7
    # ii-V-I-(vi) in major with sevenths
    progs = [[1, 4, 0, 5], [1, 4, 0, 0], [0, 5, 1, 4], [2, 5, 1, 4]]
    prog = progs[int(rng.integers(len(progs)))]
    brushes = rng.random() < 0.3
    for bar in range(song_bars):
        t0 = bar * 4 * TPB
        deg = prog[bar % len(prog)]
        tones = chord(key, MAJOR, deg, (0, 2, 4, 6))
        # ride: ding, ding-ga-ding, ding-ga
        for beat in range(4):
            tb = t0 + beat * TPB
            s.note(tb, 9, 51 if not brushes else 59, 80, rng.uniform(55, 80))
            if beat in (1, 3):
                s.note(tb + int(swing * TPB), 9, 51 if not brushes else 59, 60, rng.uniform(45, 65))
                s.note(tb, 9, 44, 60, rng.uniform(40, 60))
        if rng.random() < 0.4:
            s.note(t0 + int((int(rng.integers(4)) + swing) * TPB), 9, 38, 60, rng.uniform(35, 60))
        if rng.random() < 0.2:
            s.note(t0, 9, 36, 60, rng.uniform(40, 60))
        # walking bass: chord tones, last beat a chromatic approach to the next root
        nxt = chord(key, MAJOR, prog[(bar + 1) % len(prog)])[0]
        line = [tones[0], tones[int(rng.integers(1, 3))], tones[int(rng.integers(1, 4))], nxt + int(rng.choice([-1, 1, 2]))]
        for beat, p in enumerate(line):
            p = p - 12 if p > key + 12 else p
            s.note(t0 + beat * TPB, 1, p, TPB * 0.85, rng.uniform(75, 100))
        # comping: rootless voicing (3, 5, 7, 9) on syncopated hits
        voicing = [tones[1] + 12, tones[2] + 12, tones[3] + 12, tones[0] + 26]
        for hit in rng.choice([0, swing, 1 + swing, 2, 2 + swing, 3 + swing], size=int(rng.integers(1, 4)), replace=False):
            for p in voicing:
                s.note(t0 + hit * TPB, 0, p, TPB * rng.uniform(0.3, 1.2), rng.uniform(45, 75))
        # horn line: swung eighths from the chord scale
        if melody:
            pos = 0.0
            while pos < 4:
                dur = rng.choice([0.5, 0.5, 1.0, 1.5])
                off = pos if pos % 1 == 0 else (int(pos) + swing)
                if rng.random() < 0.8:
                    p = key + 24 + MAJOR[int(rng.integers(7))] + int(rng.choice([0, 0, 0, -1, 1]))
                    s.note(t0 + off * TPB, 2, p, dur * TPB * 0.9, rng.uniform(60, 95))
                pos += dur
    return s


def electronic(rng: np.random.Generator, seconds: float) -> Song:
    bpm = rng.uniform(120, 130)
    s = Song(bpm)
    song_bars = int(np.ceil(seconds * bpm / 240)) + 2
    key = int(rng.integers(33, 45))
    scale = MINOR
    s.program(0, int(rng.choice([38, 39, 87, 81])))  # synth bass
    s.program(1, int(rng.choice([88, 89, 90, 91, 94, 95, 50])))  # pads
    s.program(2, int(rng.choice([80, 81, 84, 87, 62])))  # leads
    prog = [[0, 5, 2, 6], [0, 3, 5, 4], [0, 0, 5, 6]][int(rng.integers(3))]
    arp = rng.random() < 0.6
    bass_pattern = int(rng.integers(3))
    clap = int(rng.choice([39, 38, 40]))
    for bar in range(song_bars):
        t0 = bar * 4 * TPB
        deg = prog[bar % len(prog)]
        root = key + scale[deg % 7]
        for beat in range(4):
            tb = t0 + beat * TPB
            s.note(tb, 9, 36, 120, 125)  # four on the floor
            s.note(tb + TPB // 2, 9, 46, 100, rng.uniform(80, 100))
            for q in range(4):
                if q != 2:
                    s.note(tb + q * TPB // 4, 9, 42, 40, rng.uniform(50, 75))
            if beat in (1, 3):
                s.note(tb, 9, clap, 100, rng.uniform(95, 115))
            # sidechain feel: the pad ducks on every kick and swells back
            for k, level in enumerate((40, 70, 95, 115)):
                s.cc(tb + k * TPB // 4, 1, 11, level)
        steps = {0: [TPB // 2 + i * TPB for i in range(4)], 1: [i * TPB // 4 for i in range(16)], 2: [i * TPB // 2 for i in range(8)]}[bass_pattern]
        for st in steps:
            s.note(t0 + st, 0, root, TPB // 4, rng.uniform(95, 120))
        pad = chord(key + 24, scale, deg, (0, 2, 4))
        for p in pad:
            s.note(t0, 1, p, 4 * TPB - 20, 85)
        if arp:
            tones = pad + [pad[0] + 12]
            for q in range(16):
                s.note(t0 + q * TPB // 4, 2, tones[q % len(tones)] + 12, TPB // 5, rng.uniform(70, 95))
    return s


def classical(rng: np.random.Generator, seconds: float) -> Song:
    bpm = rng.uniform(60, 120)
    s = Song(bpm)
    song_bars = int(np.ceil(seconds * bpm / 240)) + 2
    key = int(rng.integers(48, 60))
    scale = MAJOR if rng.random() < 0.6 else MINOR
    ensembles = [
        [40, 40, 41, 42],  # string quartet
        [0, 0, 0, 0],  # piano
        [73, 68, 71, 70],  # woodwinds
        [48, 48, 49, 42],  # string orchestra
        [40, 0, 0, 0],  # violin and piano
        [73, 46, 46, 42],  # flute, harp, cello
        [60, 48, 49, 42],  # horn and strings
    ]
    ens = ensembles[int(rng.integers(len(ensembles)))]
    for ch, prog in enumerate(ens):
        s.program(ch, prog)
    progs = [[0, 3, 4, 0], [0, 5, 1, 4], [0, 3, 1, 4], [5, 1, 4, 0], [0, 4, 5, 3]]
    prog = progs[int(rng.integers(len(progs)))]
    beats = song_bars * 4
    # rubato: a slowly drifting tempo with ritardandi at phrase ends
    drift = 0.0
    for b in range(beats):
        drift = 0.8 * drift + rng.normal(0, 0.05)
        phrase_end = (b % 16) >= 13
        s.tempo(b * TPB, bpm * (1 + drift) * (0.85 if phrase_end else 1.0))
    # wide dynamics: phrase-long crescendi / diminuendi between pp and ff
    lo, hi = rng.uniform(25, 50), rng.uniform(85, 120)
    def dyn(beat: float) -> float:
        ph = (beat % 16) / 16
        shape = np.sin(np.pi * ph) if (int(beat) // 16) % 2 == 0 else 1 - np.sin(np.pi * ph)
        return lo + (hi - lo) * shape
    for b in range(0, beats, 2):
        for ch in range(4):
            s.cc(b * TPB, ch, 11, 50 + dyn(b) * 0.6)
    melody_pitch = key + 12 + scale[int(rng.integers(7))]
    arpeggiate = ens[1] in (0, 46) or rng.random() < 0.3
    for bar in range(song_bars):
        t0 = bar * 4 * TPB
        deg = prog[bar % len(prog)]
        tones = chord(key - 12, scale, deg)
        # bass in half notes
        for h in range(2):
            s.note(t0 + h * 2 * TPB, 3, tones[0] - 12 if ens[3] == 42 else tones[0], 2 * TPB * 0.95, dyn(bar * 4 + 2 * h) * 0.9)
        # inner voices: sustained chords or arpeggios
        if arpeggiate:
            pattern = [tones[0] + 12, tones[1] + 12, tones[2] + 12, tones[1] + 12]
            for e in range(8):
                s.note(t0 + e * TPB // 2, 1, pattern[e % 4], TPB // 2 * 1.5, dyn(bar * 4 + e / 2) * 0.7)
        else:
            s.note(t0, 1, tones[1] + 12, 4 * TPB * 0.97, dyn(bar * 4) * 0.75)
            s.note(t0, 2, tones[2] + 12, 4 * TPB * 0.97, dyn(bar * 4) * 0.75)
        # melody: stepwise with leaps, mixed note values
        pos = 0.0
        while pos < 4:
            dur = float(rng.choice([0.5, 1.0, 1.0, 1.5, 2.0]))
            dur = min(dur, 4 - pos)
            step = int(rng.choice([-2, -1, -1, 1, 1, 2, 3, -3, 0]))
            deg_now = int(np.clip((melody_pitch - key) // 2 + step, 0, 12))
            melody_pitch = key + 12 + scale[deg_now % 7] + 12 * (deg_now // 7)
            s.note(t0 + pos * TPB, 0, melody_pitch, dur * TPB * 0.95, dyn(bar * 4 + pos))
            pos += dur
    return s


MUSIC = {"rock": rock, "jazz": jazz, "electronic": electronic, "classical": classical}

# Speech: (voice, text) material. Voices are split round-robin into three groups.
VOICES = [
    "en-us", "en-gb", "en-gb-scotland", "en-029", "en-gb-x-rp", "en-us-nyc", "de", "fr-fr", "es",
    "it", "pt-br", "nl", "sv", "pl", "ru", "cs", "fi", "hu", "es-419", "en-gb-x-gbclan", "da",
    "ro", "tr", "el",
]
VARIANTS = ["", "+m1", "+m2", "+m3", "+m4", "+f1", "+f2", "+f3", "+f4", "+klatt", "+Andrea", "+Mario"]
SENTENCES = [
    "The meeting will start again after a short break, so please stay close to your seats.",
    "Yesterday the weather changed quickly, and by the evening the streets were covered in snow.",
    "Can you tell me how long the journey takes if we leave before the morning traffic?",
    "Our guest today has spent twenty years building instruments from recycled materials.",
    "Please remember to switch off the lights and close every window before you go home.",
    "In the next chapter we look at how rivers shape the valleys they run through.",
    "I think the simplest answer is usually the right one, but not always.",
    "The report shows that sales grew by almost twelve percent during the last quarter.",
    "Welcome back to the show; today we are talking about sleep, memory and learning.",
    "He picked up the phone, listened for a moment, and then quietly put it down again.",
    "Der Zug nach Berlin hat heute leider eine Verspätung von etwa zwanzig Minuten.",
    "Nous avons visité le musée le matin et nous avons déjeuné près de la rivière.",
    "La reunión empieza a las diez y termina antes de la hora de comer.",
    "Domani mattina andremo al mercato a comprare frutta e verdura fresca.",
    "A biblioteca fica aberta até tarde durante a semana de exames.",
    "Het is vandaag erg druk op de weg, dus we vertrekken wat eerder.",
    "Numbers such as four hundred and seven or nineteen eighty four are easy to read aloud.",
    "Every good story needs a beginning, a middle and an end that surprises you.",
    "The engineer explained why the bridge moves slightly when the wind is strong.",
    "Thank you all for listening, and see you again next week at the same time.",
]
HELDOUT_SENTENCES = [
    "This sentence is only used for the evaluation clips and never for training.",
    "Dieser Satz gehört nur zu den Testaufnahmen und wird nie zum Lernen benutzt.",
]


def render_midi(song: Song, soundfont: str, rate: int, seconds: float, tmp: str) -> np.ndarray:
    mid, wav = os.path.join(tmp, "clip.mid"), os.path.join(tmp, "clip.wav")
    song.save(mid)
    subprocess.run(
        ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(rate), "-T", "wav", "-O", "s16", "-F", wav, soundfont, mid],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    x = read_wav(wav)
    n = int(seconds * rate)
    if len(x) < n:
        x = np.concatenate([x, np.zeros(n - len(x))])
    return x[:n]


def read_wav(path: str) -> np.ndarray:
    with wave.open(path) as w:
        ch, width = w.getnchannels(), w.getsampwidth()
        assert width == 2, path
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    return x.reshape(-1, ch).mean(axis=1)


def write_wav(path: str, x: np.ndarray, rate: int):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    if src == dst:
        return x
    from scipy.signal import resample_poly

    g = np.gcd(src, dst)
    return resample_poly(x, dst // g, src // g)


def speech(rng: np.random.Generator, voice: str, sentences: list[str], rate: int, seconds: float, tmp: str) -> tuple[np.ndarray, dict]:
    out = [np.zeros(int(rng.uniform(0.05, 0.4) * rate))]
    info = {"voice": voice, "parts": []}
    variant = VARIANTS[int(rng.integers(len(VARIANTS)))]
    while sum(len(p) for p in out) < seconds * rate:
        text = sentences[int(rng.integers(len(sentences)))]
        wpm, pitch = int(rng.uniform(120, 230)), int(rng.uniform(15, 85))
        wav = os.path.join(tmp, "speech.wav")
        subprocess.run(["espeak-ng", "-v", voice + variant, "-s", str(wpm), "-p", str(pitch), "-w", wav, text], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with wave.open(wav) as w:
            src = w.getframerate()
        out.append(resample(read_wav(wav), src, rate))
        out.append(np.zeros(int(rng.uniform(0.15, 0.9) * rate)))
        info["parts"].append({"variant": variant, "wpm": wpm, "pitch": pitch, "text": text})
    x = np.concatenate(out)[: int(seconds * rate)]
    if rng.random() < 1 / 3:
        snr = rng.uniform(12, 30)
        noise = rng.normal(0, 1, len(x))
        # room noise: one-pole low-pass (~500 Hz) plus 50/60 Hz hum with harmonics
        a = np.exp(-2 * np.pi * 500 / rate)
        from scipy.signal import lfilter

        noise = lfilter([1 - a], [1, -a], noise)
        t = np.arange(len(x)) / rate
        mains = float(rng.choice([50, 60]))
        noise += 0.3 * np.std(noise) * sum(np.sin(2 * np.pi * mains * k * t) / k for k in (1, 2, 3))
        ps = np.mean(x[np.abs(x) > 1e-4] ** 2) if np.any(np.abs(x) > 1e-4) else 1.0
        noise *= np.sqrt(ps / np.mean(noise**2) / 10 ** (snr / 10))
        x = x + noise
        info["room_noise_snr_db"] = round(snr, 1)
    return x, info


def level(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(x**2)) + 1e-12
    target = 10 ** (rng.uniform(-32, -14) / 20)
    y = x * target / rms
    peak = np.max(np.abs(y))
    return y * (0.98 / peak) if peak > 0.98 else y


def make_clip(job) -> dict:
    """Renders one clip (skips a music clip whose WAV exists: the recipe is deterministic)."""
    out, genre, g_index, fold, f_index, seed, rate, seconds, heldout = job
    rel = os.path.join(fold, genre, f"{seed}.wav")
    path = os.path.join(out, rel)
    if genre != "speech" and os.path.exists(path):
        return {"path": rel, "genre": genre, "fold": fold, "seed": seed}
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        if genre == "speech":
            group = [v for k, v in enumerate(VOICES) if k % 3 == f_index]
            voice = group[int(rng.integers(len(group)))]
            x, info = speech(rng, voice, HELDOUT_SENTENCES if heldout else SENTENCES, rate, seconds, tmp)
        else:
            song = MUSIC[genre](rng, seconds)
            x, info = render_midi(song, SOUNDFONTS[fold], rate, seconds, tmp), {}
    write_wav(path + ".part", level(rng, x), rate)
    os.replace(path + ".part", path)
    return {"path": rel, "genre": genre, "fold": fold, "seed": seed, **info}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--clips", type=int, default=36, help="clips per genre and soundfont (speech: per voice group)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count(), help="parallel renderers")
    ap.add_argument("--heldout", action="store_true", help="the evaluation clips: 16 kHz, 6 s, held-out seeds")
    args = ap.parse_args()
    rate = HELDOUT_RATE if args.heldout else RATE
    seconds = HELDOUT_CLIP_S if args.heldout else CLIP_S
    base_seed = HELDOUT_SEED if args.heldout else 0
    jobs = [
        (args.out, genre, g_index, fold, f_index, base_seed + 100_000 * g_index + 1000 * f_index + i, rate, seconds, args.heldout)
        for g_index, genre in enumerate(GENRES)
        for f_index, fold in enumerate(SOUNDFONTS)
        for i in range(args.clips)
    ]
    with multiprocessing.Pool(args.jobs) as pool:
        manifest = pool.map(make_clip, jobs, chunksize=1)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"rate": rate, "seconds": seconds, "clips": manifest}, f, indent=1)


if __name__ == "__main__":
    main()
