#!/usr/bin/env python3
"""Small tools the loopback demo uses around the real programs.

  tone OUT.wav [--rate R] [--channels C] [--seconds S] [--hz F]
      a 16-bit stereo (by default) sine tone, distinct per channel, never all-zero frames
  compare REFERENCE.wav GOT.wav [--label L]
      bit-exactness of GOT's PCM data against REFERENCE's: GOT must start with every frame
      of REFERENCE (playback: the backend's WAV sink may hold trailing silence after the
      drain) or be a prefix of it (capture: arecord took fewer frames than the source holds)
  latency BACKEND_TRACE PLUGIN_TRACE
      CUR_POS latency: joins the two CurPosTrace files on (stream, position) and prints
      percentiles of (applied - posted)

Exit status 0 when everything checked out, 1 otherwise.
"""
import argparse
import math
import struct
import sys
import wave


def make_tone(path, rate, channels, seconds, hz):
    frames = int(rate * seconds)
    out = bytearray()
    for i in range(frames):
        for c in range(channels):
            # A different pitch per channel, so a swapped or dropped channel shows.
            v = int(12000 * math.sin(2 * math.pi * hz * (1 + 0.5 * c) * i / rate))
            out += struct.pack('<h', v if v != 0 else 1)
    with wave.open(path, 'wb') as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(out))
    return frames


def read_wav(path):
    with wave.open(path, 'rb') as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.readframes(w.getnframes())


def compare(reference, got, label):
    rc, rw, rr, rdata = read_wav(reference)
    gc, gw, gr, gdata = read_wav(got)
    frame = rc * rw
    if (rc, rw, rr) != (gc, gw, gr):
        print(f"{label}: format differs: reference {rc} ch x {rw * 8} bit @ {rr} Hz, "
              f"got {gc} ch x {gw * 8} bit @ {gr} Hz")
        return False
    n = min(len(rdata), len(gdata))
    frames = n // frame
    if rdata[:n] != gdata[:n]:
        first = next(i for i in range(n) if rdata[i] != gdata[i]) // frame
        print(f"{label}: {frames} frames compared, NOT bit-exact (first difference at frame {first})")
        return False
    extra = gdata[n:]
    if len(gdata) > len(rdata) and extra.count(0) != len(extra):
        print(f"{label}: {frames} frames bit-exact, but {len(extra) // frame} frames after "
              f"the reference's end are not silence")
        return False
    tail = f", then {len(extra) // frame} frames of silence" if extra else ""
    print(f"{label}: {frames} frames, bit-exact{tail}")
    return frames > 0


def read_trace(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue
            t, stream, pos = int(parts[0]), parts[1], int(parts[2])
            # The first time a position was seen (the backend may re-post a held position).
            out.setdefault((stream, pos), t)
    return out


def percentile(sorted_values, p):
    if not sorted_values:
        return float('nan')
    k = min(len(sorted_values) - 1, max(0, int(math.ceil(p / 100.0 * len(sorted_values))) - 1))
    return sorted_values[k]


def latency(backend_trace, plugin_trace):
    posted = read_trace(backend_trace)
    applied = read_trace(plugin_trace)
    d = sorted((applied[k] - t) / 1000.0 for k, t in posted.items() if k in applied)
    if not d:
        print("CUR_POS latency: no position was seen by both halves")
        return False
    print(f"CUR_POS latency (backend post -> plugin applied), {len(d)} events of "
          f"{len(posted)} posted: p50 {percentile(d, 50):.1f} us, p99 {percentile(d, 99):.1f} us, "
          f"p99.9 {percentile(d, 99.9):.1f} us, max {d[-1]:.1f} us")
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('tone')
    t.add_argument('out')
    t.add_argument('--rate', type=int, default=48000)
    t.add_argument('--channels', type=int, default=2)
    t.add_argument('--seconds', type=float, default=2.0)
    t.add_argument('--hz', type=float, default=440.0)
    c = sub.add_parser('compare')
    c.add_argument('reference')
    c.add_argument('got')
    c.add_argument('--label', default='compare')
    l = sub.add_parser('latency')
    l.add_argument('backend_trace')
    l.add_argument('plugin_trace')
    a = ap.parse_args()
    if a.cmd == 'tone':
        n = make_tone(a.out, a.rate, a.channels, a.seconds, a.hz)
        print(f"tone: {n} frames, {a.channels} ch, S16_LE @ {a.rate} Hz -> {a.out}")
        return 0
    if a.cmd == 'compare':
        return 0 if compare(a.reference, a.got, a.label) else 1
    return 0 if latency(a.backend_trace, a.plugin_trace) else 1


if __name__ == '__main__':
    sys.exit(main())
