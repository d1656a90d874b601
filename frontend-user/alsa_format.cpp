#include "frontend-user/alsa_format.hpp"

#include <array>
#include <utility>

#include "core/protocol/pcm_format.hpp"
#include "core/protocol/sndif_wire.hpp"

namespace xensnd::frontend {

namespace {

constexpr std::array<std::pair<std::uint8_t, snd_pcm_format_t>, 20> kPairs{{
    {XENSND_PCM_FORMAT_S8, SND_PCM_FORMAT_S8},
    {XENSND_PCM_FORMAT_U8, SND_PCM_FORMAT_U8},
    {XENSND_PCM_FORMAT_S16_LE, SND_PCM_FORMAT_S16_LE},
    {XENSND_PCM_FORMAT_S16_BE, SND_PCM_FORMAT_S16_BE},
    {XENSND_PCM_FORMAT_U16_LE, SND_PCM_FORMAT_U16_LE},
    {XENSND_PCM_FORMAT_U16_BE, SND_PCM_FORMAT_U16_BE},
    // sndif's s24 occupies 32 bits, as ALSA's S24_LE does (not the packed S24_3LE).
    {XENSND_PCM_FORMAT_S24_LE, SND_PCM_FORMAT_S24_LE},
    {XENSND_PCM_FORMAT_S24_BE, SND_PCM_FORMAT_S24_BE},
    {XENSND_PCM_FORMAT_U24_LE, SND_PCM_FORMAT_U24_LE},
    {XENSND_PCM_FORMAT_U24_BE, SND_PCM_FORMAT_U24_BE},
    {XENSND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_S32_LE},
    {XENSND_PCM_FORMAT_S32_BE, SND_PCM_FORMAT_S32_BE},
    {XENSND_PCM_FORMAT_U32_LE, SND_PCM_FORMAT_U32_LE},
    {XENSND_PCM_FORMAT_U32_BE, SND_PCM_FORMAT_U32_BE},
    {XENSND_PCM_FORMAT_F32_LE, SND_PCM_FORMAT_FLOAT_LE},
    {XENSND_PCM_FORMAT_F32_BE, SND_PCM_FORMAT_FLOAT_BE},
    {XENSND_PCM_FORMAT_F64_LE, SND_PCM_FORMAT_FLOAT64_LE},
    {XENSND_PCM_FORMAT_F64_BE, SND_PCM_FORMAT_FLOAT64_BE},
    {XENSND_PCM_FORMAT_MU_LAW, SND_PCM_FORMAT_MU_LAW},
    {XENSND_PCM_FORMAT_A_LAW, SND_PCM_FORMAT_A_LAW},
}};

}  // namespace

std::optional<std::uint8_t> sndif_format(snd_pcm_format_t format) {
    for (const auto& [x, a] : kPairs)
        if (a == format) return x;
    return std::nullopt;
}

std::optional<snd_pcm_format_t> alsa_format(std::uint8_t sndif_value) {
    for (const auto& [x, a] : kPairs)
        if (x == sndif_value && sndif::bytes_per_sample(x)) return a;
    return std::nullopt;
}

std::vector<snd_pcm_format_t> alsa_formats_of_mask(std::uint64_t mask) {
    std::vector<snd_pcm_format_t> out;
    for (const auto& [x, a] : kPairs)
        if ((mask & sndif::format_bit(x)) != 0) out.push_back(a);
    return out;
}

}  // namespace xensnd::frontend
