#!/usr/bin/env python3
"""Product-level benchmarks: the real xensnd-backend, the real pcm.xen plugin and a small ALSA
application (alsa_stream_client) on the loopback platform, each figure beside a reference
measured in the same run.

  cur-pos   CUR_POS latency: backend post -> plugin applied, and -> the application's poll()
            wake-up, beside the eventfd floor measured by wake_floor at the same cadence
            (the producer sleeps half a period between events) and at a 20 us busy gap
  latency   end-to-end: application write -> the backend's device position passing the sample,
            at periods of 64, 256 and 1024 frames, beside the configured buffer latency
  accuracy  the application's position (written - snd_pcm_delay) vs the backend's device
            clock: max error, drift in ppm, xruns, lost frames (--seconds 30 quick; --long 600)
  cpu       user+sys CPU seconds per second of 48 kHz stereo S16 at 10 ms periods: backend and
            player through xensnd, beside the player on a paced null ALSA sink (the floor) and
            through PulseAudio's native protocol (null sink, the alsa `pulse` plugin)
  scale     one backend, N frontend processes each with a playback and a capture stream:
            backend CPU, CUR_POS p99, xruns, lost frames; the largest N with zero of both

Common options: --build-dir DIR (default build/), --json FILE, --seconds S, --quick.
Exit status: 0 figures printed (a missed target is printed, not an error), 1 a failure,
77 a needed tool is missing (the reason is printed).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

RATE = 48000
CLK_TCK = os.sysconf('SC_CLK_TCK')


def percentile(sorted_values, p):
    if not sorted_values:
        return float('nan')
    k = min(len(sorted_values) - 1, max(0, int(-(-p / 100.0 * len(sorted_values) // 1)) - 1))
    return sorted_values[k]


def stats(values_us):
    d = sorted(values_us)
    if not d:
        return {'samples': 0, 'p50_us': None, 'p99_us': None, 'p999_us': None, 'max_us': None}
    return {'samples': len(d), 'p50_us': percentile(d, 50), 'p99_us': percentile(d, 99),
            'p999_us': percentile(d, 99.9), 'max_us': d[-1]}


def fmt(v, w=9, prec=1):
    return f"{v:{w}.{prec}f}" if isinstance(v, (int, float)) and v == v else f"{'-':>{w}}"


def proc_cpu(pid):
    """user+sys CPU seconds of a live process (and its waited-for children)."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def task_schedstats(pid):
    """{tid: (comm, run_ns, wait_ns, slices)} of a live process's threads."""
    out = {}
    base = f'/proc/{pid}/task'
    for tid in os.listdir(base):
        try:
            with open(f'{base}/{tid}/comm') as f:
                comm = f.read().strip()
            with open(f'{base}/{tid}/schedstat') as f:
                run, wait, slices = (int(x) for x in f.read().split()[:3])
        except (OSError, ValueError):
            continue
        out[tid] = (comm, run, wait, slices)
    return out


def print_sched(rows):
    """rows: (label, run_ns, wait_ns, slices) -> per wake-up CPU and run-queue wait."""
    print(f"{'thread':<44} {'runs':>7} {'CPU us/run':>11} {'runqueue wait us/run':>21}")
    for label, run, wait, slices in rows:
        if slices == 0:
            continue
        print(f"{label:<44} {slices:>7} {run / slices / 1000:>11.1f} {wait / slices / 1000:>21.1f}")


def read_trace(path):
    """(stream -> sorted [(t_ns, position)]) and {(stream, position): first t_ns}."""
    first = {}
    by_stream = {}
    if not os.path.exists(path):
        return by_stream, first
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 3:
                continue
            t, stream, pos = int(parts[0]), parts[1], int(parts[2])
            if (stream, pos) not in first:
                first[(stream, pos)] = t
                by_stream.setdefault(stream, []).append(t)
    for v in by_stream.values():
        v.sort()
    return by_stream, first


class Rig:
    """Loopback hypervisor + xensnd-backend (null endpoints) + N guests (domains 1..N), each
    with one vsnd device (one playback and one capture stream), as `xl` would create them.
    One domain per guest: xenstored's quota of 1000 nodes per domain (which the loopback
    keeps) allows only a few dozen devices in one domain."""

    def __init__(self, build, work, guests, trace=True, log_level='info'):
        self.build, self.work = build, work
        self.procs = []
        run = os.path.join(work, 'run')
        domains = ','.join(str(d) for d in range(guests + 1))
        self.loopback = self._start([f'{build}/loopback/xensnd-loopback', '--rundir', run,
                                     '--domains', domains], 'loopback.log')
        self._wait_ready('loopback.log', 'the loopback hypervisor')
        self.run = run
        self.dom0 = f'{run}/xenstore/domain-0.sock'
        with open(f'{work}/backend.toml', 'w') as f:
            f.write('[routing]\ndefault = "null"\n')
        self.backend_trace = f'{work}/backend-cur-pos.trace'
        args = [f'{build}/backend/daemon/xensnd-backend', '--platform', 'loopback',
                '--config', f'{work}/backend.toml', '--ready-fd', '1', '--log-level', log_level]
        if trace:
            args += ['--cur-pos-trace', self.backend_trace]
        self.backend = self._start(args, 'backend.log', env={'XENSTORED_PATH': self.dom0})
        self._wait_ready('backend.log', 'xensnd-backend')
        for guest in range(1, guests + 1):
            r = subprocess.run(
                [f'{build}/loopback/toolstack/xensnd-xl', '--xenstore', self.dom0, 'vsnd-attach',
                 str(guest), f'card, short-name=Bench, sample-rates={RATE}, sample-formats=s16_le, '
                 'channels-min=2, channels-max=2', 'pcm, name=Main', 'stream, unique-id=0, type=p',
                 'stream, unique-id=1, type=c'], capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f'xensnd-xl vsnd-attach failed: {r.stdout}{r.stderr}')
        plugin = f'{build}/frontend-user/libasound_module_pcm_xen.so'
        self.asoundrc = f'{work}/asoundrc'
        with open(self.asoundrc, 'w') as f:
            f.write(f'pcm_type.xen {{ lib "{plugin}" }}\n'
                    'pcm.xenbench {\n  @args [ DEV ]\n  @args.DEV { type integer default 0 }\n'
                    '  type xen\n  device $DEV\n  platform loopback\n  timeout_ms 20000\n}\n')

    def _start(self, args, log, env=None):
        e = dict(os.environ)
        e.update(env or {})
        out = open(os.path.join(self.work, log), 'w')
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=e)
        self.procs.append(p)
        return p

    def _wait_ready(self, log, what):
        path = os.path.join(self.work, log)
        for _ in range(200):
            with open(path) as f:
                if 'ready\n' in f.read():
                    return
            time.sleep(0.05)
        raise RuntimeError(f'{what} did not become ready; see {path}')

    def client_env(self, trace_file=None, guest=1):
        e = dict(os.environ)
        e['XENSTORED_PATH'] = f'{self.run}/xenstore/domain-{guest}.sock'
        e['ALSA_CONFIG_PATH'] = f'/usr/share/alsa/alsa.conf:{self.asoundrc}'
        if trace_file:
            e['XENSND_CUR_POS_TRACE'] = trace_file
        return e

    def stop_backend(self):
        if self.backend.poll() is None:
            self.backend.send_signal(signal.SIGTERM)
            self.backend.wait(timeout=30)

    def close(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def backend_counters(self):
        """Sums of the backend's 'stream ended' lines, also per direction (stream 0 of each
        device plays, stream 1 captures)."""
        out = {'underrun_frames': 0, 'host_xruns': 0, 'cur_pos_events': 0,
               'playback_frames': 0, 'playback_underrun_frames': 0, 'capture_frames': 0,
               'playback_host_xruns': 0, 'capture_host_xruns': 0}
        with open(os.path.join(self.work, 'backend.log')) as f:
            for line in f:
                if 'stream ended:' not in line:
                    continue
                head, tail = line.split('stream ended:')
                playback = head.rstrip().rstrip(':').endswith('/0')
                words = tail.replace(',', ' ').split()
                for i, w in enumerate(words):
                    if w == 'frames' and i > 0 and words[i - 1].isdigit() and (
                            i < 2 or words[i - 2] != 'underrun'):
                        if i >= 2 and words[i - 2] == 'opens':
                            out['playback_frames' if playback else 'capture_frames'] += \
                                int(words[i - 1])
                    if w == 'underrun':
                        out['underrun_frames'] += int(words[i - 1])
                        if playback:
                            out['playback_underrun_frames'] += int(words[i - 1])
                    if w == 'host' and i + 1 < len(words) and words[i + 1] == 'xruns':
                        out['host_xruns'] += int(words[i - 1])
                        out['playback_host_xruns' if playback else 'capture_host_xruns'] += \
                            int(words[i - 1])
                    if w == 'CUR_POS':
                        out['cur_pos_events'] += int(words[i - 1])
        return out


CLIENT_PREFIX = []  # e.g. strace: --client-prefix 'strace -f -c -o FILE'


def client(build, args, env, log):
    return subprocess.Popen(CLIENT_PREFIX + [f'{build}/benchmarks/alsa_stream_client'] + args,
                            env=env,
                            stdout=subprocess.PIPE, stderr=open(log, 'w'), text=True)


def client_result(p, log):
    out, _ = p.communicate(timeout=600)
    if p.returncode != 0:
        with open(log) as f:
            raise RuntimeError(f'alsa_stream_client failed ({p.returncode}): {f.read()[-800:]}')
    return json.loads(out.strip().splitlines()[-1])


def wake_latencies(wake_log, posts, direction='p'):
    """For each poll() that blocked and saw its stream ready: now - the last post while blocked."""
    import bisect
    out = []
    with open(wake_log) as f:
        for line in f:
            start, end, d, ready = line.split()
            if d != direction or ready != '1':
                continue
            start, end = int(start), int(end)
            i = bisect.bisect_right(posts, end) - 1
            if i >= 0 and posts[i] > start:
                out.append((end - posts[i]) / 1000.0)
    return out


def run_wake_floor(build, gap_us, iterations, work):
    path = os.path.join(work, 'wake_floor.json')
    subprocess.run([f'{build}/benchmarks/wake_floor', '--iterations', str(iterations),
                    '--gap-us', str(gap_us), '--json', path], check=True,
                   stdout=subprocess.DEVNULL)
    with open(path) as f:
        return json.load(f)


def print_rows(title, rows, floor):
    print(title)
    print(f"{'path':<44} {'n':>6} {'p50 us':>9} {'p99 us':>9} {'p99.9 us':>9} {'max us':>9}"
          f" {'p50 x':>7} {'p99 x':>7}")
    for name, s in rows:
        r50 = s['p50_us'] / floor['p50_us'] if s['p50_us'] and floor['p50_us'] else None
        r99 = s['p99_us'] / floor['p99_us'] if s['p99_us'] and floor['p99_us'] else None
        print(f"{name:<44} {s['samples']:>6} {fmt(s['p50_us'])} {fmt(s['p99_us'])}"
              f" {fmt(s['p999_us'])} {fmt(s['max_us'])} {fmt(r50, 7, 2)} {fmt(r99, 7, 2)}")


# ---- 1. CUR_POS latency

def bench_cur_pos(a, work):
    period = a.period
    rig = Rig(a.build_dir, work, 1)
    try:
        plugin_trace = f'{work}/plugin-cur-pos.trace'
        wake_log = f'{work}/wakes.log'
        log = f'{work}/client.log'
        sched_before = task_schedstats(rig.backend.pid)
        p = client(a.build_dir, ['--playback', 'xenbench', '--period', str(period),
                                 '--periods', '4', '--seconds', str(a.seconds),
                                 '--wake-log', wake_log], rig.client_env(plugin_trace), log)
        res = client_result(p, log)
        sched_after = task_schedstats(rig.backend.pid)
        rig.stop_backend()
        counters = rig.backend_counters()
    finally:
        rig.close()
    by_stream, posted = read_trace(rig.backend_trace)
    _, applied = read_trace(plugin_trace)
    applied_us = [(applied[k] - t) / 1000.0 for k, t in posted.items() if k in applied]
    posts = by_stream.get('dom1-vsnd0-0.0', [])
    gaps = sorted(b - a_ for a_, b in zip(posts, posts[1:]))
    gap_us = int(percentile(gaps, 50) / 1000) if gaps else period * 1_000_000 // RATE // 2
    floor = run_wake_floor(a.build_dir, gap_us, a.floor_iterations, work)
    s_applied = stats(applied_us)
    s_wake = stats(wake_latencies(wake_log, posts))
    print(f"CUR_POS latency, product path: alsa_stream_client -> pcm.xen -> xensnd-backend "
          f"(paced null endpoint), {period}-frame periods at {RATE} Hz, {a.seconds} s; "
          f"CUR_POS every {gap_us} us (median)")
    rows = [('floor: eventfd 1 hop, busy 20 us gap', floor['busy_1hop']),
            ('floor: eventfd 1 hop, same cadence (sleeping)', floor['sleep_1hop']),
            ('floor: eventfd 2 hops, same cadence', floor['sleep_2hop']),
            ('product: backend post -> plugin applied', s_applied),
            ('product: backend post -> app poll() wake', s_wake)]
    print_rows('', rows, floor['sleep_1hop'])
    print("(ratios against the 1-hop floor at the same cadence; 'applied' is 1 hop, 'app wake' "
          "is 2 hops: compare with the 2-hop row)")
    target_met = (s_applied['p50_us'] is not None and
                  s_applied['p50_us'] <= 1.2 * floor['sleep_1hop']['p50_us'] and
                  s_applied['p99_us'] <= 1.5 * floor['sleep_1hop']['p99_us'])
    print(f"target (applied p50 <= 1.2x, p99 <= 1.5x the same-cadence floor): "
          f"{'met' if target_met else 'MISSED'}; vs the busy-gap floor "
          f"{s_applied['p50_us'] / floor['busy_1hop']['p50_us']:.1f}x at p50"
          if s_applied['p50_us'] else "no CUR_POS was joined: MISSED")
    sched = []
    for tid, (comm, run, wait, slices) in sorted(sched_after.items()):
        b = sched_before.get(tid, (comm, 0, 0, 0))
        sched.append((f'backend {comm} ({tid})', run - b[1], wait - b[2], slices - b[3]))
    for t in res.get('threads', []):
        sched.append((f"client {t['comm']} ({t['tid']})", t['run_ns'], t['wait_ns'], t['slices']))
    print("where the time goes (schedstat: CPU per run, time runnable but waiting for a CPU):")
    print_sched(sched)
    print(f"client: {res['frames']} frames, {res['xruns']} xruns; backend: "
          f"{counters['cur_pos_events']} CUR_POS, {counters['underrun_frames']} underrun frames")
    return {'period_frames': period, 'seconds': a.seconds, 'cur_pos_gap_us': gap_us,
            'floor': floor, 'applied': s_applied, 'app_wake': s_wake, 'client': res,
            'backend': counters, 'target_met': target_met,
            'sched': [{'thread': n, 'run_ns': r, 'wait_ns': w, 'runs': k} for n, r, w, k in sched]}


# ---- 2. end-to-end latency and 3. position accuracy: one playback stream with a write log

def device_positions(trace_path, stream='dom1-vsnd0-0.0', frame_bytes=4):
    """[(t_ns, device position in frames)] from the backend's CUR_POS trace, in time order."""
    pts = []
    with open(trace_path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[1] == stream:
                pts.append((int(parts[0]), int(parts[2]) // frame_bytes))
    pts.sort()
    # A new OPEN (the plugin re-opens after some xruns) starts the position again from 0: keep
    # the first run only, as the application's write log is cut at its first xrun.
    for i in range(1, len(pts)):
        if pts[i][1] < pts[i - 1][1]:
            return pts[:i]
    return pts


def when_passed(pts, frame):
    """Interpolated time at which the device position reached `frame`, or None."""
    import bisect
    positions = [p for _, p in pts]
    i = bisect.bisect_left(positions, frame)
    if i == 0 or i >= len(pts):
        return None
    (t0, p0), (t1, p1) = pts[i - 1], pts[i]
    return t0 + (frame - p0) * (t1 - t0) / (p1 - p0) if p1 > p0 else t1


def position_at(pts, t):
    """Interpolated device position (frames) at time t, or None outside the trace."""
    import bisect
    times = [x for x, _ in pts]
    i = bisect.bisect_left(times, t)
    if i == 0 or i >= len(pts):
        return None
    (t0, p0), (t1, p1) = pts[i - 1], pts[i]
    return p0 + (p1 - p0) * (t - t0) / (t1 - t0) if t1 > t0 else p1


def slope(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float('nan')


def run_logged_playback(a, work, period, seconds, periods=4):
    rig = Rig(a.build_dir, work, 1)
    try:
        write_log = f'{work}/writes.log'
        log = f'{work}/client.log'
        p = client(a.build_dir, ['--playback', 'xenbench', '--period', str(period), '--periods',
                                 str(periods), '--seconds', str(seconds), '--write-log', write_log],
                   rig.client_env(), log)
        res = client_result(p, log)
        rig.stop_backend()
        counters = rig.backend_counters()
    finally:
        rig.close()
    writes = []
    with open(write_log) as f:
        for line in f:
            t, first, n, delay = (int(x) for x in line.split())
            if n < 0:
                # An xrun: the restart realigns the device position with the application's,
                # so only what came before it can be joined.
                break
            writes.append((t, first, n, delay))
    return res, counters, writes, device_positions(rig.backend_trace)


def bench_latency(a, work):
    out = []
    periods = 4
    print(f"End-to-end latency: a sample written by the application (the first frame of each "
          f"writei) -> the backend's device position passing it (its CUR_POS trace, "
          f"interpolated); {periods} periods per buffer, {a.seconds} s each")
    print(f"{'period':>7} {'buffer ms':>10} {'joined':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
          f" {'p50 x buffer':>13} {'xruns':>6} {'late':>6}")
    for period in a.periods:
        sub = os.path.join(work, f'p{period}')
        os.makedirs(sub)
        res, counters, writes, pts = run_logged_playback(a, sub, period, a.seconds, periods)
        buffer_frames = period * periods
        lat = []
        late = 0  # the device passed the sample before it was written: the guest underran
        for t, first, n, _ in writes:
            if first < buffer_frames:  # the prefill waits for the start, not for the device
                continue
            tp = when_passed(pts, first + 1)
            if tp is None:
                continue
            if tp < t:
                late += 1
            else:
                lat.append((tp - t) / 1e6)
        lat.sort()
        buffer_ms = buffer_frames * 1000.0 / RATE
        st = {'samples': len(lat), 'p50_ms': percentile(lat, 50), 'p99_ms': percentile(lat, 99),
              'max_ms': lat[-1] if lat else None}
        xr = res['xruns'] + counters['host_xruns']
        print(f"{period:>7} {buffer_ms:>10.2f} {len(lat):>6} {fmt(st['p50_ms'], 8, 2)}"
              f" {fmt(st['p99_ms'], 8, 2)} {fmt(st['max_ms'], 8, 2)}"
              f" {fmt(st['p50_ms'] / buffer_ms if lat else None, 13, 2)} {xr:>6} {late:>6}")
        out.append({'period_frames': period, 'buffer_frames': buffer_frames, 'late_writes': late,
                    'buffer_ms': buffer_ms, 'latency': st, 'xruns': xr,
                    'client': res, 'backend': counters})
    print("(reference: the configured buffer latency; a full buffer means ~1x. The device "
          "position is the backend's paced null endpoint, which includes its host buffer; "
          "'late': writes the device had already passed (played as silence), not in the "
          "percentiles; only writes before the first xrun are joined)")
    return {'runs': out}


def bench_accuracy(a, work):
    seconds = 600.0 if a.long else a.seconds
    res, counters, writes, pts = run_logged_playback(a, work, 480, seconds)
    errs, times = [], []
    for t, first, n, delay in writes:
        if delay < 0:
            continue
        dev = position_at(pts, t)
        if dev is None:
            continue
        errs.append((first + n - delay) - dev)
        times.append(t / 1e9)
    abs_err = sorted(abs(e) for e in errs)
    device_ppm = (slope([t / 1e9 for t, _ in pts], [p for _, p in pts]) / RATE - 1) * 1e6 \
        if len(pts) > 2 else float('nan')
    err_ppm = slope(times, errs) / RATE * 1e6 if len(errs) > 2 else float('nan')
    played = res['played']
    from_guest = counters['playback_frames'] - counters['playback_underrun_frames']
    lost = max(0, played - from_guest)
    xr = res['xruns'] + counters['host_xruns']
    print(f"Position accuracy: {seconds:.0f} s of playback, 480-frame periods; the application's "
          f"position (frames written - snd_pcm_delay) vs the backend's device position at the "
          f"same instant (its CUR_POS trace, interpolated)")
    print(f"  samples {len(errs)} (until the first xrun); |error| p50 {fmt(percentile(abs_err, 50), 0, 1)} frames, "
          f"p99 {fmt(percentile(abs_err, 99), 0, 1)}, max {fmt(abs_err[-1] if abs_err else None, 0, 1)}"
          f" (one period = 480)")
    print(f"  drift: device position vs CLOCK_MONOTONIC {device_ppm:+.1f} ppm (host xruns hold the "
          f"position back); application position vs device {err_ppm:+.1f} ppm")
    print(f"  xruns {xr} (application {res['xruns']}, host {counters['host_xruns']}); frames "
          f"lost {lost} (must be 0: {'met' if lost == 0 else 'MISSED'})")
    return {'seconds': seconds, 'samples': len(errs),
            'abs_error_frames': {'p50': percentile(abs_err, 50), 'p99': percentile(abs_err, 99),
                                 'max': abs_err[-1] if abs_err else None},
            'device_drift_ppm': device_ppm, 'app_vs_device_drift_ppm': err_ppm,
            'xruns': xr, 'lost_frames': lost, 'client': res, 'backend': counters}


# ---- 4. CPU per stream

def paced_reference(a, work, pcm, env, label):
    log = f'{work}/client-{label}.log'
    p = client(a.build_dir, ['--playback', pcm, '--period', '480', '--periods', '4',
                             '--seconds', str(a.seconds)], env, log)
    res = client_result(p, log)
    return res


def bench_cpu(a, work):
    audio_s = a.seconds
    rows = []
    out = {}
    # xensnd
    rig = Rig(a.build_dir, work, 1, trace=False)
    try:
        before = proc_cpu(rig.backend.pid)
        log = f'{work}/client-xen.log'
        p = client(a.build_dir, ['--playback', 'xenbench', '--period', '480', '--periods', '4',
                                 '--seconds', str(audio_s)], rig.client_env(), log)
        res = client_result(p, log)
        backend_cpu = proc_cpu(rig.backend.pid) - before
    finally:
        rig.close()
    out['xensnd'] = {'backend_cpu_s': backend_cpu, 'player': res}
    rows.append(('xensnd: backend', backend_cpu / audio_s))
    rows.append(('xensnd: player (pcm.xen)', (res['user_s'] + res['sys_s']) / audio_s))
    rows.append(('xensnd: total', (backend_cpu + res['user_s'] + res['sys_s']) / audio_s))
    # PulseAudio
    if shutil.which('pulseaudio') and os.path.exists(
            '/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so'):
        pa_dir = os.path.join(work, 'pulse')
        os.makedirs(pa_dir, exist_ok=True)
        sock = os.path.join(pa_dir, 'native')
        env = dict(os.environ, HOME=pa_dir, XDG_RUNTIME_DIR=pa_dir, XDG_CONFIG_HOME=pa_dir,
                   PULSE_SERVER=f'unix:{sock}')
        with open(f'{pa_dir}/default.pa', 'w') as f:
            f.write(f'load-module module-null-sink sink_name=bench rate={RATE}\n'
                    f'load-module module-native-protocol-unix socket={sock} auth-anonymous=1\n'
                    'set-default-sink bench\n')
        pa = subprocess.Popen(['pulseaudio', '--daemonize=no', '-n', '--exit-idle-time=-1',
                               '--disallow-exit', '--use-pid-file=no', '--system=false',
                               '-F', f'{pa_dir}/default.pa', '--log-target=stderr'],
                              env=env, stdout=subprocess.DEVNULL,
                              stderr=open(f'{pa_dir}/pulse.log', 'w'))
        try:
            for _ in range(100):
                if os.path.exists(sock):
                    break
                time.sleep(0.05)
            time.sleep(0.2)
            with open(f'{pa_dir}/asoundrc', 'w') as f:
                f.write('pcm.pulsebench { type pulse }\n')
            env['ALSA_CONFIG_PATH'] = f'/usr/share/alsa/alsa.conf:{pa_dir}/asoundrc'
            before = proc_cpu(pa.pid)
            res = paced_reference(a, work, 'pulsebench', env, 'pulse')
            pa_cpu = proc_cpu(pa.pid) - before
            out['pulseaudio'] = {'server_cpu_s': pa_cpu, 'player': res}
            rows.append(('pulseaudio: server', pa_cpu / audio_s))
            rows.append(('pulseaudio: player (alsa pulse plugin)',
                         (res['user_s'] + res['sys_s']) / audio_s))
            rows.append(('pulseaudio: total', (pa_cpu + res['user_s'] + res['sys_s']) / audio_s))
        finally:
            pa.send_signal(signal.SIGTERM)
            pa.wait(timeout=10)
    else:
        out['pulseaudio'] = None
        out['skip'] = 'pulseaudio or the alsa pulse plugin is missing (as root: apt-get install ' \
            '-y --no-install-recommends pulseaudio libasound2-plugins)'
        rows.append(('pulseaudio: MISSING (apt-get install pulseaudio libasound2-plugins)', None))
    # The floor: the same player on a paced null ALSA sink (benchmarks/paced_null_pcm.cpp).
    null_lib = f'{a.build_dir}/benchmarks/libasound_module_pcm_benchnull.so'
    rc = os.path.join(work, 'asoundrc-null')
    with open(rc, 'w') as f:
        f.write(f'pcm_type.benchnull {{ lib "{null_lib}" }}\npcm.pacednull {{ type benchnull }}\n')
    env = dict(os.environ, ALSA_CONFIG_PATH=f'/usr/share/alsa/alsa.conf:{rc}')
    res = paced_reference(a, work, 'pacednull', env, 'null')
    floor = (res['user_s'] + res['sys_s']) / audio_s
    out['paced_null_floor'] = {'player': res}
    rows.append(('floor: player on a paced null ALSA sink', floor))
    pulse_total = next((v for n, v in rows if n == 'pulseaudio: total'), None)
    print(f"CPU per second of {RATE} Hz stereo S16 audio, 10 ms periods, {audio_s} s played "
          "(the player's figure includes opening and connecting)")
    print(f"{'path':<60} {'CPU s / audio s':>16} {'x floor':>8} {'x pulse':>8}")
    for name, v in rows:
        rf = v / floor if v is not None and floor else None
        rp = v / pulse_total if v is not None and pulse_total else None
        print(f"{name:<60} {fmt(v, 16, 4)} {fmt(rf, 8, 2)} {fmt(rp, 8, 2)}")
    out['rows'] = [{'path': n, 'cpu_per_audio_s': v} for n, v in rows]
    return out


# ---- 5. scale

def bench_scale(a, work):
    results = []
    for n in a.n:
        sub = os.path.join(work, f'n{n}')
        os.makedirs(sub)
        rig = Rig(a.build_dir, sub, n)
        procs = []
        try:
            before = proc_cpu(rig.backend.pid)
            t0 = time.monotonic()
            for i in range(n):
                env = rig.client_env(f'{sub}/plugin-{i}.trace', guest=i + 1)
                log = f'{sub}/client-{i}.log'
                procs.append((client(a.build_dir, ['--playback', 'xenbench', '--capture',
                                                   'xenbench', '--period', '480',
                                                   '--periods', '4', '--seconds', str(a.seconds)],
                                     env, log), log))
            reslist = []
            failures = []
            for p, log in procs:
                try:
                    reslist.append(client_result(p, log))
                except RuntimeError as e:
                    failures.append(str(e))
            wall = time.monotonic() - t0
            backend_cpu = proc_cpu(rig.backend.pid) - before
            rig.stop_backend()
            counters = rig.backend_counters()
        finally:
            rig.close()
        _, posted = read_trace(rig.backend_trace)
        applied = {}
        for i in range(n):
            applied.update(read_trace(f'{sub}/plugin-{i}.trace')[1])
        lat = stats([(applied[k] - t) / 1000.0 for k, t in posted.items() if k in applied])
        target = int(a.seconds * RATE) * 2 * n
        moved = sum(r['frames'] for r in reslist)
        played = sum(r['played'] for r in reslist)
        # Playback frames the guest wrote that the host never played (the backend's position
        # passed them while the guest was late), plus frames the applications never moved.
        from_guest = counters['playback_frames'] - counters['playback_underrun_frames']
        lost = max(0, played - from_guest) + (target - moved)
        results.append({'n': n, 'backend_cpu_s': backend_cpu, 'wall_s': wall,
                        'backend_cpu_per_audio_s': backend_cpu / a.seconds,
                        'cur_pos': lat, 'client_xruns': sum(r['xruns'] for r in reslist),
                        'backend': counters, 'frames_target': target, 'frames_moved': moved,
                        'lost_frames': lost, 'failed_clients': len(failures),
                        'frames_played_by_apps': played, 'frames_from_guest_played': from_guest,
                        'failures': failures[:3]})
        print(f"  N={n}: done ({len(failures)} clients failed)", file=sys.stderr)
    print(f"Scale: one xensnd-backend, N guests (domains) with one process each playing and capturing 2ch S16 {RATE} Hz, "
          f"10 ms periods, {a.seconds} s (paced null endpoints)")
    print(f"{'N':>4} {'backend CPU %':>14} {'CUR_POS p50 us':>15} {'p99 us':>9} {'app xruns':>9}"
          f" {'host xruns':>10} {'lost frames':>12} {'failed':>7}")
    best = 0
    for r in results:
        print(f"{r['n']:>4} {fmt(100 * r['backend_cpu_per_audio_s'], 14, 1)}"
              f" {fmt(r['cur_pos']['p50_us'], 15)} {fmt(r['cur_pos']['p99_us'])}"
              f" {r['client_xruns']:>9} {r['backend']['host_xruns']:>10} {r['lost_frames']:>12}"
              f" {r['failed_clients']:>7}")
        if r['client_xruns'] + r['backend']['host_xruns'] == 0 and r['lost_frames'] == 0 \
                and r['failed_clients'] == 0:
            best = max(best, r['n'])
    print("host xruns: the backend's paced null device starved (playback) or overran "
          "(capture); lost frames: playback frames written but passed over by the device, plus "
          "frames the applications could not move")
    print(f"largest N with zero xruns and zero lost frames: {best if best else 'none'}")
    return {'runs': results, 'largest_clean_n': best}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('mode', choices=['cur-pos', 'latency', 'accuracy', 'cpu', 'scale'])
    ap.add_argument('--build-dir', default='build')
    ap.add_argument('--json')
    ap.add_argument('--seconds', type=float, default=10.0)
    ap.add_argument('--period', type=int, default=480, help='frames (cur-pos)')
    ap.add_argument('--floor-iterations', type=int, default=2000)
    ap.add_argument('--periods', type=int, nargs='+', default=[64, 256, 1024],
                    help='frames (latency)')
    ap.add_argument('--long', action='store_true', help='accuracy: 10 minutes')
    ap.add_argument('--n', type=int, nargs='+', default=[1, 8, 32, 128, 256], help='scale')
    ap.add_argument('--keep', action='store_true', help='keep the work directory')
    ap.add_argument('--client-prefix', default='',
                    help="run the ALSA client under this command (e.g. 'strace -f -c -o F')")
    a = ap.parse_args()
    CLIENT_PREFIX[:] = a.client_prefix.split()
    a.build_dir = os.path.abspath(a.build_dir)
    for tool in ['loopback/xensnd-loopback', 'loopback/toolstack/xensnd-xl',
                 'backend/daemon/xensnd-backend', 'frontend-user/libasound_module_pcm_xen.so',
                 'benchmarks/alsa_stream_client', 'benchmarks/wake_floor']:
        if not os.path.exists(os.path.join(a.build_dir, tool)):
            print(f"SKIP: {tool} is not built in {a.build_dir}")
            return 77
    work = tempfile.mkdtemp(prefix=f'xensnd-bench-{a.mode}.')
    ok = False
    try:
        fn = {'cur-pos': bench_cur_pos, 'latency': bench_latency, 'accuracy': bench_accuracy,
              'cpu': bench_cpu, 'scale': bench_scale}[a.mode]
        result = fn(a, work)
        result['date'] = time.strftime('%Y-%m-%d %H:%M:%S %Z')
        if a.json:
            with open(a.json, 'w') as f:
                json.dump(result, f, indent=1)
        ok = True
        if result.get('skip'):
            print(f"SKIP: {result['skip']}")
            return 77
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        print(f"product_bench: {e}", file=sys.stderr)
    finally:
        if a.keep or not ok:
            print(f"product_bench: work directory kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
