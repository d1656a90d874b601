#include "backend/audio/wav_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "backend/audio/sample_layout.hpp"
#include "core/protocol/sndif_wire.hpp"

namespace xensnd::backend::audio {
namespace {

constexpr std::uint16_t kTagPcm = 1;
constexpr std::uint16_t kTagFloat = 3;
constexpr std::uint16_t kTagExtensible = 0xFFFE;
constexpr std::uint64_t kRiffLimit = 0xFFFFFFFFu;
// KSDATAFORMAT_SUBTYPE_{PCM,IEEE_FLOAT}: the format tag followed by this fixed tail.
constexpr std::array<std::uint8_t, 14> kGuidTail{0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
constexpr std::size_t kHeadBytes = 1 << 20;  // how much of a file the reader looks at

struct Spelling {
    std::uint16_t tag;        // kTagPcm or kTagFloat
    std::uint16_t container;  // bits per sample in the file
    std::uint16_t valid;      // significant bits
};

std::optional<Spelling> spelling(std::uint8_t format) {
    switch (format) {
        case XENSND_PCM_FORMAT_U8:
            return Spelling{kTagPcm, 8, 8};
        case XENSND_PCM_FORMAT_S16_LE:
            return Spelling{kTagPcm, 16, 16};
        case XENSND_PCM_FORMAT_S24_LE:
            return Spelling{kTagPcm, 32, 24};
        case XENSND_PCM_FORMAT_S32_LE:
            return Spelling{kTagPcm, 32, 32};
        case XENSND_PCM_FORMAT_F32_LE:
            return Spelling{kTagFloat, 32, 32};
        case XENSND_PCM_FORMAT_F64_LE:
            return Spelling{kTagFloat, 64, 64};
        default:
            return std::nullopt;
    }
}

std::uint16_t u16(const std::byte* p) {
    return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) |
                                      (std::to_integer<unsigned>(p[1]) << 8));
}
std::uint32_t u32(const std::byte* p) {
    return static_cast<std::uint32_t>(u16(p)) | (static_cast<std::uint32_t>(u16(p + 2)) << 16);
}
void put16(std::vector<std::byte>& out, std::uint16_t v) {
    out.push_back(std::byte(v & 0xFF));
    out.push_back(std::byte(v >> 8));
}
void put32(std::vector<std::byte>& out, std::uint32_t v) {
    put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
    put16(out, static_cast<std::uint16_t>(v >> 16));
}
void put_id(std::vector<std::byte>& out, const char* id) {
    for (int i = 0; i < 4; ++i)
        out.push_back(std::byte(id[i]));
}
bool is_id(const std::byte* p, const char* id) {
    return std::memcmp(p, id, 4) == 0;
}

Err fail(std::string* why, std::string text, int e = EINVAL) {
    if (why) *why = std::move(text);
    return Err(e);
}

std::string errno_text(int e) {
    return std::strerror(e);
}

Result<void> write_all(int fd, const std::byte* p, std::size_t n, std::uint64_t offset) {
    while (n > 0) {
        ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
        if (w < 0) {
            if (errno == EINTR) continue;
            return Err(errno);
        }
        if (w == 0) return Err(EIO);
        p += w;
        n -= static_cast<std::size_t>(w);
        offset += static_cast<std::uint64_t>(w);
    }
    return ok();
}

// Reads up to n bytes at offset; fewer only at the end of the file.
Result<std::size_t> read_at(int fd, std::byte* p, std::size_t n, std::uint64_t offset) {
    std::size_t got = 0;
    while (got < n) {
        ssize_t r = ::pread(fd, p + got, n - got, static_cast<off_t>(offset + got));
        if (r < 0) {
            if (errno == EINTR) continue;
            return Err(errno);
        }
        if (r == 0) break;
        got += static_cast<std::size_t>(r);
    }
    return got;
}

}  // namespace

std::uint64_t wav_formats_mask() noexcept {
    std::uint64_t mask = 0;
    for (unsigned f = 0; f < 64; ++f)
        if (wav_can_hold(static_cast<std::uint8_t>(f))) mask |= std::uint64_t{1} << f;
    return mask;
}

bool wav_can_hold(std::uint8_t format) noexcept {
    return spelling(format).has_value();
}

Result<WavLayout> parse_wav_header(std::span<const std::byte> head, std::uint64_t file_size,
                                   std::string* why) {
    const std::size_t n = head.size();
    if (n < 12 || !is_id(head.data(), "RIFF") || !is_id(head.data() + 8, "WAVE"))
        return fail(why, "not a RIFF/WAVE file");
    std::size_t pos = 12;
    bool have_fmt = false;
    std::uint16_t tag = 0, channels = 0, block_align = 0, bits = 0, valid = 0;
    std::uint32_t rate = 0;
    for (;;) {
        if (n - pos < 8) return fail(why, "truncated WAV header (no data chunk)");
        const std::byte* chunk = head.data() + pos;
        const std::uint64_t size = u32(chunk + 4);
        const std::size_t body = pos + 8;
        if (is_id(chunk, "data")) {
            if (!have_fmt) return fail(why, "WAV data chunk before its fmt chunk");
            WavLayout out;
            out.data_offset = body;
            std::uint64_t available = file_size > body ? file_size - body : 0;
            out.data_bytes =
                (size == 0 || size == kRiffLimit) ? available : std::min(size, available);
            // Map the header to a sndif format.
            std::optional<std::uint8_t> format;
            if (tag == kTagPcm && bits == 8 && valid == 8) format = XENSND_PCM_FORMAT_U8;
            if (tag == kTagPcm && bits == 16 && valid == 16) format = XENSND_PCM_FORMAT_S16_LE;
            if (tag == kTagPcm && bits == 32 && valid == 24) format = XENSND_PCM_FORMAT_S24_LE;
            // Fewer valid bits at the top of 32 are exactly S32 with zero low bits.
            if (tag == kTagPcm && bits == 32 && valid != 24 && valid > 0 && valid <= 32)
                format = XENSND_PCM_FORMAT_S32_LE;
            if (tag == kTagFloat && bits == 32 && valid == 32) format = XENSND_PCM_FORMAT_F32_LE;
            if (tag == kTagFloat && bits == 64 && valid == 64) format = XENSND_PCM_FORMAT_F64_LE;
            if (!format)
                return fail(why, "unsupported WAV sample format (tag " + std::to_string(tag) +
                                     ", " + std::to_string(bits) + " bits, " +
                                     std::to_string(valid) + " valid)");
            out.format = {*format, rate, channels};
            out.frame_bytes = block_align;
            out.data_bytes -= out.data_bytes % block_align;
            return out;
        }
        if (is_id(chunk, "fmt ")) {
            if (size < 16 || n - body < size) return fail(why, "truncated or short WAV fmt chunk");
            const std::byte* f = chunk + 8;
            tag = u16(f);
            channels = u16(f + 2);
            rate = u32(f + 4);
            block_align = u16(f + 12);
            bits = u16(f + 14);
            valid = bits;
            if (tag == kTagExtensible) {
                if (size < 40 || u16(f + 16) < 22) return fail(why, "short WAVE_FORMAT_EXTENSIBLE");
                valid = u16(f + 18);
                if (valid == 0) valid = bits;
                tag = u16(f + 24);
                if (std::memcmp(f + 26, kGuidTail.data(), kGuidTail.size()) != 0)
                    return fail(why, "WAVE_FORMAT_EXTENSIBLE with an unknown sub-format");
            }
            if (channels == 0 || channels > kWavMaxChannels)
                return fail(why, "WAV channel count " + std::to_string(channels) + " out of range");
            if (rate == 0 || rate > kWavMaxRate)
                return fail(why, "WAV rate " + std::to_string(rate) + " out of range");
            if (bits == 0 || bits % 8 != 0 || valid > bits || block_align != channels * (bits / 8))
                return fail(why, "inconsistent WAV fmt chunk (block align, bits per sample)");
            have_fmt = true;
        }
        // RIFF chunks are padded to an even size.
        std::uint64_t next = body + size + (size & 1);
        if (next > n) return fail(why, "truncated WAV header (no data chunk)");
        pos = static_cast<std::size_t>(next);
    }
}

std::vector<std::byte> make_wav_header(const WavFormat& format, std::uint64_t data_bytes) {
    std::vector<std::byte> out;
    auto sp = spelling(format.format);
    if (!sp) return out;
    const std::uint16_t block = static_cast<std::uint16_t>(format.channels * (sp->container / 8));
    const bool extensible = sp->valid != sp->container || format.channels > 2;
    const std::uint32_t fmt_size = extensible ? 40 : (sp->tag == kTagPcm ? 16 : 18);
    const std::uint64_t header = 12 + 8 + fmt_size + 8;
    data_bytes = std::min(data_bytes, kRiffLimit - (header - 8));
    put_id(out, "RIFF");
    put32(out, static_cast<std::uint32_t>(header - 8 + data_bytes));
    put_id(out, "WAVE");
    put_id(out, "fmt ");
    put32(out, fmt_size);
    put16(out, extensible ? kTagExtensible : sp->tag);
    put16(out, static_cast<std::uint16_t>(format.channels));
    put32(out, format.rate);
    put32(out, format.rate * block);
    put16(out, block);
    put16(out, sp->container);
    if (fmt_size > 16) put16(out, static_cast<std::uint16_t>(fmt_size - 18));  // cbSize
    if (extensible) {
        put16(out, sp->valid);
        // Speaker positions are the guest's business: 0 says "not assigned".
        put32(out, 0);
        put16(out, sp->tag);
        for (std::uint8_t b : kGuidTail)
            out.push_back(std::byte(b));
    }
    put_id(out, "data");
    put32(out, static_cast<std::uint32_t>(data_bytes));
    return out;
}

void guest_to_wav(std::span<std::byte> samples, std::uint8_t format) noexcept {
    if (format != XENSND_PCM_FORMAT_S24_LE) return;
    for (std::size_t i = 0; i + 4 <= samples.size(); i += 4) {
        std::byte* p = samples.data() + i;
        p[3] = p[2];
        p[2] = p[1];
        p[1] = p[0];
        p[0] = std::byte{0};
    }
}

void wav_to_guest(std::span<std::byte> samples, std::uint8_t format) noexcept {
    if (format != XENSND_PCM_FORMAT_S24_LE) return;
    for (std::size_t i = 0; i + 4 <= samples.size(); i += 4) {
        std::byte* p = samples.data() + i;
        p[0] = p[1];
        p[1] = p[2];
        p[2] = p[3];
        p[3] = (std::to_integer<unsigned>(p[2]) & 0x80) ? std::byte{0xFF} : std::byte{0};
    }
}

// ---- WavWriter

Result<WavWriter> WavWriter::create(const std::string& path, const WavFormat& format,
                                    std::string* why) {
    auto sp = spelling(format.format);
    if (!sp || format.channels == 0 || format.channels > kWavMaxChannels || format.rate == 0 ||
        format.rate > kWavMaxRate)
        return fail(why, "a WAV file cannot hold format " + std::to_string(format.format) + " x" +
                             std::to_string(format.channels) + " at " +
                             std::to_string(format.rate) + " Hz");
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        return fail(why, "cannot create WAV file '" + path + "': " + errno_text(e), e);
    }
    WavWriter w;
    w.fd_ = fd;
    w.path_ = path;
    w.format_ = format;
    w.frame_bytes_ = format.channels * (sp->container / 8u);
    auto header = make_wav_header(format, 0);
    w.header_bytes_ = header.size();
    if (auto r = write_all(fd, header.data(), header.size(), 0); !r) {
        int e = r.errno_value();
        return fail(why, "cannot write WAV file '" + path + "': " + errno_text(e), e);
    }
    return w;
}

WavWriter::WavWriter(WavWriter&& o) noexcept {
    *this = std::move(o);
}

WavWriter& WavWriter::operator=(WavWriter&& o) noexcept {
    if (this != &o) {
        close();
        fd_ = std::exchange(o.fd_, -1);
        path_ = std::move(o.path_);
        format_ = o.format_;
        frame_bytes_ = o.frame_bytes_;
        header_bytes_ = o.header_bytes_;
        data_bytes_ = o.data_bytes_;
        dropped_bytes_ = o.dropped_bytes_;
        bytes_since_fixup_ = o.bytes_since_fixup_;
        scratch_ = std::move(o.scratch_);
    }
    return *this;
}

WavWriter::~WavWriter() {
    close();
}

void WavWriter::close() {
    if (fd_ < 0) return;
    (void)update_header();  // nothing better to do with an error while closing
    ::close(fd_);
    fd_ = -1;
}

Result<void> WavWriter::append(std::span<const std::byte> frames) {
    if (fd_ < 0) return Err(EBADF);
    std::uint64_t bytes = frames.size() - frames.size() % frame_bytes_;
    const std::uint64_t room = kRiffLimit - (header_bytes_ - 8) - data_bytes_;
    std::uint64_t keep = std::min(bytes, room - room % frame_bytes_);
    dropped_bytes_ += bytes - keep;
    if (keep == 0) return ok();
    const std::byte* src = frames.data();
    if (format_.format == XENSND_PCM_FORMAT_S24_LE) {
        scratch_.assign(src, src + keep);
        guest_to_wav(scratch_, format_.format);
        src = scratch_.data();
    }
    if (auto r = write_all(fd_, src, static_cast<std::size_t>(keep), header_bytes_ + data_bytes_);
        !r)
        return r;
    data_bytes_ += keep;
    bytes_since_fixup_ += keep;
    if (bytes_since_fixup_ >= std::uint64_t{format_.rate} * frame_bytes_) return update_header();
    return ok();
}

Result<void> WavWriter::update_header() {
    if (fd_ < 0) return Err(EBADF);
    bytes_since_fixup_ = 0;
    auto header = make_wav_header(format_, data_bytes_);
    return write_all(fd_, header.data(), header.size(), 0);
}

// ---- WavReader

Result<WavReader> WavReader::open(const std::string& path, std::string* why) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return fail(why, "cannot open WAV file '" + path + "': " + errno_text(e), e);
    }
    WavReader r;
    r.fd_ = fd;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return fail(why, "'" + path + "' is not a regular file");
    std::vector<std::byte> head(std::min<std::uint64_t>(kHeadBytes, st.st_size));
    auto got = read_at(fd, head.data(), head.size(), 0);
    if (!got) {
        int e = got.errno_value();
        return fail(why, "cannot read WAV file '" + path + "': " + errno_text(e), e);
    }
    head.resize(*got);
    std::string reason;
    auto layout = parse_wav_header(head, static_cast<std::uint64_t>(st.st_size), &reason);
    if (!layout) return fail(why, "'" + path + "': " + reason);
    r.layout_ = *layout;
    return r;
}

WavReader::WavReader(WavReader&& o) noexcept {
    *this = std::move(o);
}

WavReader& WavReader::operator=(WavReader&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(o.fd_, -1);
        layout_ = o.layout_;
        position_ = o.position_;
    }
    return *this;
}

WavReader::~WavReader() {
    if (fd_ >= 0) ::close(fd_);
}

std::uint64_t WavReader::frames_left() const {
    return (layout_.data_bytes - position_) / layout_.frame_bytes;
}

Result<std::size_t> WavReader::read_frames(std::span<std::byte> out) {
    if (fd_ < 0) return Err(EBADF);
    std::uint64_t frames = std::min<std::uint64_t>(out.size() / layout_.frame_bytes, frames_left());
    std::size_t bytes = static_cast<std::size_t>(frames * layout_.frame_bytes);
    auto got = read_at(fd_, out.data(), bytes, layout_.data_offset + position_);
    if (!got) return Err(got.error());
    // A file cut short under us ends early, at a whole frame.
    std::size_t whole = *got - *got % layout_.frame_bytes;
    if (whole < bytes) layout_.data_bytes = position_ + whole;
    position_ += whole;
    wav_to_guest(out.first(whole), layout_.format.format);
    return whole / layout_.frame_bytes;
}

void WavReader::skip_frames(std::uint64_t frames) {
    position_ += std::min(frames, frames_left()) * layout_.frame_bytes;
}

Result<WavContents> read_wav(const std::string& path, std::string* why) {
    auto reader = WavReader::open(path, why);
    if (!reader) return Err(reader.error());
    WavContents out;
    out.format = reader->format();
    out.data.resize(static_cast<std::size_t>(reader->layout().data_bytes));
    auto got = reader->read_frames(out.data);
    if (!got) return fail(why, "cannot read WAV file '" + path + "'", got.errno_value());
    out.data.resize(*got * reader->layout().frame_bytes);
    return out;
}

Result<void> write_wav(const std::string& path, const WavFormat& format,
                       std::span<const std::byte> data, std::string* why) {
    auto writer = WavWriter::create(path, format, why);
    if (!writer) return Err(writer.error());
    if (auto r = writer->append(data); !r) {
        if (why) *why = "cannot write WAV file '" + path + "': " + errno_text(r.errno_value());
        return r;
    }
    return writer->update_header();
}

}  // namespace xensnd::backend::audio
