#!/usr/bin/env python3
"""Audio files for the end-to-end tests (tests/e2e/real_backend.sh).

  make FORMAT RATE CHANNELS SECONDS OUT.raw [--wav OUT.wav] [--seed N]
      deterministic audio in an ALSA format (U8, S16_LE, S24_LE, S32_LE, FLOAT_LE): OUT.raw
      holds the bare frames; --wav also writes them as a WAV file the backend's WAV source reads
  starts GOT.wav REF.raw [SKIP]
      the data of GOT.wav begins with every byte of REF.raw (after its first SKIP bytes); a
      playback sink may hold trailing silence: aplay pads its last period
  equal GOT.raw REF
      GOT.raw holds exactly the frames of REF (a .raw file, or the data of a .wav file)
  frames FILE.wav MIN
      FILE.wav holds at least MIN frames and not all of them are silence
  scaled GOT.wav REF.raw MILLIDB|mute
      S16_LE: the data of GOT.wav begins with REF.raw's samples scaled by MILLIDB (0.001 dB),
      within one step of rounding, or with silence for "mute"

  make-many FILE | check-many FILE
      one make (its arguments) or one check ("LABEL<TAB>starts ...") per line of FILE, in one
      process

Exit status 0 when the check holds, 1 otherwise (with a line saying what differs).
"""
import random
import struct
import sys

FORMATS = {
    # name: (bytes per sample, WAV format tag, valid bits)
    "U8": (1, 1, 8),
    "S16_LE": (2, 1, 16),
    "S24_LE": (4, 1, 24),
    "S32_LE": (4, 1, 32),
    "FLOAT_LE": (4, 3, 32),
}
GUID_TAIL = bytes([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38,
                   0x9B, 0x71])


def samples(fmt, count, rng):
    if fmt == "U8":
        return rng.randbytes(count)
    if fmt == "S16_LE":
        return rng.randbytes(2 * count)
    if fmt == "S24_LE":  # 24 significant bits, sign-extended into 32 as ALSA keeps them
        raw = struct.unpack("<%di" % count, rng.randbytes(4 * count))
        return struct.pack("<%di" % count, *(v >> 8 for v in raw))
    if fmt == "S32_LE":
        return rng.randbytes(4 * count)
    if fmt == "FLOAT_LE":
        return struct.pack("<%df" % count, *(rng.uniform(-1.0, 1.0) for _ in range(count)))
    raise SystemExit("unknown format " + fmt)


def wav_bytes(fmt, rate, channels, data):
    width, tag, valid = FORMATS[fmt]
    if valid < width * 8:
        # WAV keeps fewer valid bits at the top of the container; ALSA's S24_LE at the bottom.
        n = len(data) // 4
        data = struct.pack("<%di" % n, *(v << 8 for v in struct.unpack("<%di" % n, data)))
    block = width * channels
    if valid != width * 8 or channels > 2:
        # WAVE_FORMAT_EXTENSIBLE: valid bits below the container, or more than two channels.
        fmt_chunk = struct.pack("<HHIIHHHHIH", 0xFFFE, channels, rate, rate * block, block,
                                width * 8, 22, valid, 0, tag) + GUID_TAIL
    else:
        fmt_chunk = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, width * 8)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk + b"data" +
            struct.pack("<I", len(data)) + data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def wav_data(path):
    """The data chunk as ALSA would hold the samples (24 valid bits of 32 moved to the bottom,
    sign-extended), and the whole file."""
    blob = open(path, "rb").read()
    if blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        raise SystemExit(path + ": not a WAV file")
    pos = 12
    bits = valid = 0
    while pos + 8 <= len(blob):
        cid, size = blob[pos:pos + 4], struct.unpack("<I", blob[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            bits = struct.unpack("<H", blob[pos + 22:pos + 24])[0]
            valid = bits
            if struct.unpack("<H", blob[pos + 8:pos + 10])[0] == 0xFFFE and size >= 40:
                valid = struct.unpack("<H", blob[pos + 26:pos + 28])[0] or bits
        if cid == b"data":
            data = blob[pos + 8:pos + 8 + size]
            if bits == 32 and valid == 24:
                n = len(data) // 4
                data = struct.pack("<%di" % n, *(v >> 8 for v in struct.unpack("<%di" % n, data[:4 * n])))
            return data, blob
        pos += 8 + size + (size & 1)
    raise SystemExit(path + ": no data chunk")


def load(path):
    return wav_data(path)[0] if path.endswith(".wav") else open(path, "rb").read()


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def run_many(path, verb):
    """Runs one command per line of PATH (python starts slowly on a loaded machine). For
    "check", a line is LABEL<TAB>COMMAND...: prints "ok   LABEL" or "FAIL LABEL: why"."""
    status = 0
    for line in open(path):
        line = line.rstrip("\n")
        if not line:
            continue
        if verb == "make":
            status |= main(["e2e_audio.py", "make"] + line.split())
            continue
        label, command = line.split("\t", 1)
        import contextlib
        import io
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = main(["e2e_audio.py"] + command.split())
        print(("ok   %s" % label) if rc == 0 else ("FAIL %s: %s" % (label, out.getvalue().strip())))
        status |= rc
    return status


def main(argv):
    if len(argv) == 3 and argv[1] in ("make-many", "check-many"):
        return run_many(argv[2], argv[1].split("-")[0])
    if len(argv) >= 6 and argv[1] == "make":
        fmt, rate, channels, seconds, out = argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6]
        seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 1
        rng = random.Random(seed)
        frames = int(rate * seconds)
        data = samples(fmt, frames * channels, rng)
        open(out, "wb").write(data)
        if "--wav" in argv:
            open(argv[argv.index("--wav") + 1], "wb").write(wav_bytes(fmt, rate, channels, data))
        return 0
    if len(argv) in (4, 5) and argv[1] == "starts":
        got, ref = load(argv[2]), load(argv[3])[int(argv[4]) if len(argv) == 5 else 0:]
        if got[:len(ref)] == ref:
            return 0
        print("%s: differs from %s at byte %d (%d bytes, want at least %d)" %
              (argv[2], argv[3], first_difference(got, ref), len(got), len(ref)))
        return 1
    if len(argv) == 4 and argv[1] == "equal":
        got, ref = load(argv[2]), load(argv[3])
        if got == ref:
            return 0
        print("%s: differs from %s at byte %d (%d bytes, want %d)" %
              (argv[2], argv[3], first_difference(got, ref), len(got), len(ref)))
        return 1
    if len(argv) == 4 and argv[1] == "frames":
        data, blob = wav_data(argv[2])
        block = struct.unpack("<H", blob[32:34])[0] if len(blob) >= 34 else 1
        frames = len(data) // max(block, 1)
        if frames >= int(argv[3]) and any(data):
            return 0
        print("%s: %d frames (want at least %s), %s" %
              (argv[2], frames, argv[3], "silent" if not any(data) else "not silent"))
        return 1
    if len(argv) == 5 and argv[1] == "scaled":
        got, ref = load(argv[2]), load(argv[3])
        gain = 0.0 if argv[4] == "mute" else 10.0 ** (int(argv[4]) / 20000.0)
        if len(got) < len(ref):
            print("%s: %d bytes, want at least %d" % (argv[2], len(got), len(ref)))
            return 1
        n = len(ref) // 2
        g = struct.unpack("<%dh" % n, got[:2 * n])
        r = struct.unpack("<%dh" % n, ref[:2 * n])
        for i, (x, y) in enumerate(zip(g, r)):
            if abs(x - y * gain) > (0.0 if argv[4] == "0" else 1.0):
                print("%s: sample %d is %d, want %.2f (%d x %.5f)" % (argv[2], i, x, y * gain, y, gain))
                return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
