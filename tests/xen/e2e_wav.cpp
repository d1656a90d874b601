// xen-e2e-wav: makes the test signals the Xen end-to-end scenarios play and capture, and
// checks what came out at the other end. It runs inside the dom0 and guest images (busybox
// has nothing that can parse a WAV file), so it depends on nothing but the C++ library.
//
//   xen-e2e-wav gen OUT.wav FORMAT RATE CHANNELS FRAMES SEED
//       FORMAT is s16 or s32. Pseudo-random samples, none of them zero, so padding and
//       dropped or repeated frames cannot hide. The same arguments give the same file.
//   xen-e2e-wav compare MODE REF.wav GOT.wav [MAX_PAD_FRAMES]
//       exact   GOT holds exactly REF's frames
//       padded  GOT is REF followed by at most MAX_PAD_FRAMES zero frames (aplay pads its last
//               chunk with silence)
//       prefix  GOT is the start of REF, at least one frame long (a capture of a source)
//       gapped  GOT is all of REF, in order, with runs of zero frames inserted (an underrun
//               heard as silence) and at most MAX_PAD_FRAMES zero frames after it; nothing
//               lost, repeated or stale
//   xen-e2e-wav info FILE.wav
//       prints "format=.. rate=.. channels=.. frames=.."
//
// Every verdict is one line on stdout starting with "ok" or "mismatch"; exit status 0 for ok,
// 1 for a mismatch, 2 for a usage or file error.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Wav {
    unsigned bits = 0;  // 16 or 32 (integer PCM only: all the scenarios use)
    unsigned rate = 0;
    unsigned channels = 0;
    std::vector<unsigned char> data;

    std::size_t frame_bytes() const { return bits / 8 * channels; }
    std::size_t frames() const { return frame_bytes() ? data.size() / frame_bytes() : 0; }
};

std::uint32_t le32(const unsigned char* p) {
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
           std::uint32_t(p[3]) << 24;
}
unsigned le16(const unsigned char* p) {
    return unsigned(p[0]) | unsigned(p[1]) << 8;
}
void put32(std::vector<unsigned char>& v, std::uint32_t x) {
    for (int i = 0; i < 4; ++i)
        v.push_back(static_cast<unsigned char>(x >> (8 * i)));
}
void put16(std::vector<unsigned char>& v, unsigned x) {
    v.push_back(static_cast<unsigned char>(x));
    v.push_back(static_cast<unsigned char>(x >> 8));
}

// Reads a RIFF/WAVE file: walks its chunks for "fmt " and "data". A data size of 0 or
// 0xFFFFFFFF (a writer that never fixed its header) means "to the end of the file".
std::optional<Wav> read_wav(const char* path, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::string(path) + ": " + std::strerror(errno);
        return std::nullopt;
    }
    std::vector<unsigned char> file((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
    if (file.size() < 12 || std::memcmp(file.data(), "RIFF", 4) != 0 ||
        std::memcmp(file.data() + 8, "WAVE", 4) != 0) {
        why = std::string(path) + ": not a RIFF/WAVE file";
        return std::nullopt;
    }
    Wav w;
    bool have_fmt = false;
    std::size_t pos = 12;
    while (pos + 8 <= file.size()) {
        const unsigned char* c = file.data() + pos;
        std::uint64_t size = le32(c + 4);
        std::size_t body = pos + 8;
        if (std::memcmp(c, "fmt ", 4) == 0) {
            if (size < 16 || body + 16 > file.size()) break;
            unsigned tag = le16(file.data() + body);
            w.channels = le16(file.data() + body + 2);
            w.rate = le32(file.data() + body + 4);
            w.bits = le16(file.data() + body + 14);
            // 1 = PCM, 0xFFFE = EXTENSIBLE (valid for integer PCM in the scenarios' use)
            if ((tag != 1 && tag != 0xFFFE) || (w.bits != 16 && w.bits != 32) || w.channels == 0 ||
                w.channels > 64) {
                why = std::string(path) + ": not 16/32-bit integer PCM";
                return std::nullopt;
            }
            have_fmt = true;
        } else if (std::memcmp(c, "data", 4) == 0) {
            if (!have_fmt) break;
            std::uint64_t avail = file.size() - body;
            if (size == 0 || size == 0xFFFFFFFFu || size > avail) size = avail;
            size -= size % w.frame_bytes();
            w.data.assign(file.begin() + static_cast<std::ptrdiff_t>(body),
                          file.begin() + static_cast<std::ptrdiff_t>(body + size));
            return w;
        }
        pos = body + size + (size & 1);
    }
    why = std::string(path) + ": no fmt/data chunk";
    return std::nullopt;
}

bool write_wav(const char* path, const Wav& w) {
    std::vector<unsigned char> h;
    h.insert(h.end(), {'R', 'I', 'F', 'F'});
    put32(h, static_cast<std::uint32_t>(36 + w.data.size()));
    h.insert(h.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
    put32(h, 16);
    put16(h, 1);
    put16(h, w.channels);
    put32(h, w.rate);
    put32(h, static_cast<std::uint32_t>(w.rate * w.frame_bytes()));
    put16(h, static_cast<unsigned>(w.frame_bytes()));
    put16(h, w.bits);
    h.insert(h.end(), {'d', 'a', 't', 'a'});
    put32(h, static_cast<std::uint32_t>(w.data.size()));
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size()));
    out.write(reinterpret_cast<const char*>(w.data.data()),
              static_cast<std::streamsize>(w.data.size()));
    return static_cast<bool>(out.flush());
}

std::optional<unsigned long> number(const char* s) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0') return std::nullopt;
    return v;
}

int usage() {
    std::fputs(
        "usage: xen-e2e-wav gen OUT.wav s16|s32 RATE CHANNELS FRAMES SEED\n"
        "       xen-e2e-wav compare exact|padded|prefix|gapped REF.wav GOT.wav [MAX_PAD]\n"
        "       xen-e2e-wav info FILE.wav\n",
        stderr);
    return 2;
}

int gen(int argc, char** argv) {
    if (argc != 8) return usage();
    std::string_view fmt = argv[3];
    auto rate = number(argv[4]);
    auto channels = number(argv[5]);
    auto frames = number(argv[6]);
    auto seed = number(argv[7]);
    if ((fmt != "s16" && fmt != "s32") || !rate || !channels || !frames || !seed ||
        *channels == 0 || *channels > 64 || *frames > 100'000'000) {
        return usage();
    }
    Wav w;
    w.bits = fmt == "s16" ? 16 : 32;
    w.rate = static_cast<unsigned>(*rate);
    w.channels = static_cast<unsigned>(*channels);
    w.data.reserve(*frames * w.frame_bytes());
    // A 64-bit LCG: cheap, deterministic, and every sample differs from its neighbours.
    std::uint64_t x = *seed * 0x9E3779B97F4A7C15ull + 1;
    for (std::uint64_t i = 0; i < *frames * w.channels; ++i) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        std::uint32_t s = static_cast<std::uint32_t>(x >> 32);
        if (w.bits == 16) {
            if ((s & 0xFFFF) == 0) s |= 1;  // never a zero sample
            put16(w.data, s & 0xFFFF);
        } else {
            if (s == 0) s = 1;
            put32(w.data, s);
        }
    }
    if (!write_wav(argv[2], w)) {
        std::fprintf(stderr, "%s: %s\n", argv[2], std::strerror(errno));
        return 2;
    }
    return 0;
}

// Where the frames at `at` of `got` come from: another place of the signal (frames lost or
// repeated, or a buffer read at the wrong time), silence, or nowhere. The signal is random, so
// a run of a few frames identifies its place.
std::string whence(const Wav& ref, const Wav& got, std::size_t at) {
    const std::size_t fb = ref.frame_bytes();
    const std::size_t run = std::min<std::size_t>(4, got.frames() - at);
    const unsigned char* probe = got.data.data() + at * fb;
    if (std::all_of(probe, probe + run * fb, [](unsigned char b) { return b == 0; })) {
        return "silence there";
    }
    for (std::size_t g = 0; g + run <= ref.frames(); ++g) {
        if (std::memcmp(ref.data.data() + g * fb, probe, run * fb) == 0) {
            long long shift = static_cast<long long>(g) - static_cast<long long>(at);
            return "it holds signal frame " + std::to_string(g) + ", " +
                   (shift > 0 ? "ahead by " : "behind by ") +
                   std::to_string(shift > 0 ? shift : -shift);
        }
    }
    return "its frames are not in the signal";
}

bool zero_frame(const unsigned char* p, std::size_t fb) {
    return std::all_of(p, p + fb, [](unsigned char b) { return b == 0; });
}

int compare_gapped(const Wav& ref, const Wav& got, unsigned long max_pad) {
    const std::size_t fb = ref.frame_bytes();
    std::size_t next = 0;  // the next signal frame expected
    std::size_t gaps = 0;
    std::size_t gap_frames = 0;
    std::size_t trailing = 0;  // zero frames since the last signal frame
    for (std::size_t f = 0; f < got.frames(); ++f) {
        const unsigned char* p = got.data.data() + f * fb;
        if (next < ref.frames() && std::memcmp(p, ref.data.data() + next * fb, fb) == 0) {
            if (trailing > 0) {
                ++gaps;
                gap_frames += trailing;
                trailing = 0;
            }
            ++next;
        } else if (zero_frame(p, fb)) {
            ++trailing;
        } else {
            std::printf("mismatch: frame %zu is neither signal frame %zu nor silence (%s)\n", f,
                        next, whence(ref, got, f).c_str());
            return 1;
        }
    }
    if (next < ref.frames()) {
        std::printf("mismatch: only %zu of %zu signal frames arrived\n", next, ref.frames());
        return 1;
    }
    if (trailing > max_pad) {
        std::printf("mismatch: %zu frames after the signal, at most %lu allowed\n", trailing,
                    max_pad);
        return 1;
    }
    std::printf("ok: %zu frames bit-exact in order, %zu silence gap(s) of %zu frames, %zu after\n",
                ref.frames(), gaps, gap_frames, trailing);
    return 0;
}

int compare(int argc, char** argv) {
    if (argc != 5 && argc != 6) return usage();
    std::string_view mode = argv[2];
    if (mode != "exact" && mode != "padded" && mode != "prefix" && mode != "gapped") {
        return usage();
    }
    unsigned long max_pad = 0;
    if (argc == 6) {
        auto v = number(argv[5]);
        if (!v) return usage();
        max_pad = *v;
    }
    std::string why;
    auto ref = read_wav(argv[3], why);
    if (!ref) {
        std::printf("mismatch: %s\n", why.c_str());
        return 1;
    }
    auto got = read_wav(argv[4], why);
    if (!got) {
        std::printf("mismatch: %s\n", why.c_str());
        return 1;
    }
    if (ref->bits != got->bits || ref->rate != got->rate || ref->channels != got->channels) {
        std::printf("mismatch: format %u-bit %u Hz %u ch, expected %u-bit %u Hz %u ch\n", got->bits,
                    got->rate, got->channels, ref->bits, ref->rate, ref->channels);
        return 1;
    }
    const std::size_t fb = ref->frame_bytes();
    const std::size_t ref_frames = ref->frames();
    const std::size_t got_frames = got->frames();
    if (mode == "gapped") return compare_gapped(*ref, *got, max_pad);
    const std::size_t common = std::min(ref_frames, got_frames);
    for (std::size_t f = 0; f < common; ++f) {
        if (std::memcmp(ref->data.data() + f * fb, got->data.data() + f * fb, fb) != 0) {
            std::printf("mismatch: frame %zu of %zu differs (got %zu frames; %s)\n", f, ref_frames,
                        got_frames, whence(*ref, *got, f).c_str());
            return 1;
        }
    }
    if (mode == "prefix") {
        if (got_frames == 0 || got_frames > ref_frames) {
            std::printf("mismatch: %zu frames, expected 1..%zu\n", got_frames, ref_frames);
            return 1;
        }
        std::printf("ok: %zu frames bit-exact (prefix of %zu)\n", got_frames, ref_frames);
        return 0;
    }
    if (got_frames < ref_frames) {
        std::printf("mismatch: only %zu of %zu frames (the rest lost)\n", got_frames, ref_frames);
        return 1;
    }
    std::size_t pad = got_frames - ref_frames;
    if (mode == "exact" && pad != 0) {
        std::printf("mismatch: %zu frames, expected exactly %zu\n", got_frames, ref_frames);
        return 1;
    }
    if (pad > max_pad) {
        std::printf("mismatch: %zu frames after the signal, at most %lu allowed\n", pad, max_pad);
        return 1;
    }
    for (std::size_t i = ref->data.size(); i < got->data.size(); ++i) {
        if (got->data[i] != 0) {
            std::printf("mismatch: frame %zu after the signal is not silence (stale samples)\n",
                        (i - ref->data.size()) / fb);
            return 1;
        }
    }
    std::printf("ok: %zu frames bit-exact, %zu frames of silence after\n", ref_frames, pad);
    return 0;
}

int info(int argc, char** argv) {
    if (argc != 3) return usage();
    std::string why;
    auto w = read_wav(argv[2], why);
    if (!w) {
        std::fprintf(stderr, "%s\n", why.c_str());
        return 2;
    }
    std::printf("format=s%u rate=%u channels=%u frames=%zu\n", w->bits, w->rate, w->channels,
                w->frames());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return usage();
    std::string_view cmd = argv[1];
    if (cmd == "gen") return gen(argc, argv);
    if (cmd == "compare") return compare(argc, argv);
    if (cmd == "info") return info(argc, argv);
    return usage();
}
