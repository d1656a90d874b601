#include "frontend-user/xen_ctl.hpp"

#include <alsa/control_external.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "frontend-user/mixer_state.hpp"
#include "frontend-user/ownership_lock.hpp"

namespace xensnd::frontend {

namespace {

// Volume controls count in 0.01 dB from -100 dB (0) to 0 dB (10000), as a dB scale TLV says,
// so alsamixer and `amixer sset ... -6dB` work in decibels; sndif counts in 0.001 dB.
constexpr long kVolumeSteps = 10000;

long control_of(std::int32_t milli_db) {
    return (milli_db - kMinVolumeMilliDb) / 10;
}
std::int32_t milli_db_of(long value) {
    return static_cast<std::int32_t>(value * 10) + kMinVolumeMilliDb;
}

struct Element {
    const char* name;
    Direction direction;
    bool is_volume;
};
constexpr std::array<Element, 4> kElements{{
    {"PCM Playback Volume", Direction::Playback, true},
    {"PCM Playback Switch", Direction::Playback, false},
    {"Capture Volume", Direction::Capture, true},
    {"Capture Switch", Direction::Capture, false},
}};

// SNDRV_CTL_TLVD_DB_SCALE(min -100.00 dB, step 0.01 dB, no mute at the minimum).
const unsigned int kDbScale[] = {SND_CTL_TLVT_DB_SCALE, 2 * sizeof(unsigned int),
                                 static_cast<unsigned int>(-10000), 1};

struct XenCtl {
    snd_ctl_ext_t ext{};
    std::string mixer_path;
    std::string doorbell;
    int event_fd = -1;
};

XenCtl* self(snd_ctl_ext_t* ext) {
    return static_cast<XenCtl*>(ext->private_data);
}

void ctl_close(snd_ctl_ext_t* ext) {
    XenCtl* c = self(ext);
    if (c->event_fd >= 0) ::close(c->event_fd);
    delete c;
}

int ctl_elem_count(snd_ctl_ext_t*) {
    return static_cast<int>(kElements.size());
}

int ctl_elem_list(snd_ctl_ext_t*, unsigned int offset, snd_ctl_elem_id_t* id) {
    if (offset >= kElements.size()) return -EINVAL;
    snd_ctl_elem_id_set_interface(id, SND_CTL_ELEM_IFACE_MIXER);
    snd_ctl_elem_id_set_name(id, kElements[offset].name);
    return 0;
}

snd_ctl_ext_key_t ctl_find_elem(snd_ctl_ext_t*, const snd_ctl_elem_id_t* id) {
    const char* name = snd_ctl_elem_id_get_name(id);
    if (snd_ctl_elem_id_get_index(id) != 0 || name == nullptr) return SND_CTL_EXT_KEY_NOT_FOUND;
    for (std::size_t k = 0; k < kElements.size(); ++k)
        if (std::strcmp(name, kElements[k].name) == 0) return k;
    return SND_CTL_EXT_KEY_NOT_FOUND;
}

int ctl_get_attribute(snd_ctl_ext_t*, snd_ctl_ext_key_t key, int* type, unsigned int* acc,
                      unsigned int* count) {
    if (key >= kElements.size()) return -EINVAL;
    *type = kElements[key].is_volume ? SND_CTL_ELEM_TYPE_INTEGER : SND_CTL_ELEM_TYPE_BOOLEAN;
    *acc = SND_CTL_EXT_ACCESS_READWRITE;
    if (kElements[key].is_volume) *acc |= SND_CTL_EXT_ACCESS_TLV_READ;
    *count = 1;
    return 0;
}

int ctl_get_integer_info(snd_ctl_ext_t*, snd_ctl_ext_key_t key, long* imin, long* imax,
                         long* istep) {
    if (key >= kElements.size()) return -EINVAL;
    *imin = 0;
    *imax = kElements[key].is_volume ? kVolumeSteps : 1;
    *istep = 1;
    return 0;
}

int ctl_read_integer(snd_ctl_ext_t* ext, snd_ctl_ext_key_t key, long* value) {
    if (key >= kElements.size()) return -EINVAL;
    auto v = load_mixer(self(ext)->mixer_path);
    if (!v) return -v.errno_value();
    const StreamMix& m = v->of(kElements[key].direction);
    // A switch is "on" when the stream is heard (ALSA's convention), i.e. not muted.
    *value = kElements[key].is_volume ? control_of(m.volume_mdb) : (m.muted ? 0 : 1);
    return 0;
}

int ctl_write_integer(snd_ctl_ext_t* ext, snd_ctl_ext_key_t key, long* value) {
    if (key >= kElements.size()) return -EINVAL;
    const Element& e = kElements[key];
    const long wanted = *value;
    if (wanted < 0 || wanted > (e.is_volume ? kVolumeSteps : 1)) return -EINVAL;
    bool changed = false;
    auto v = update_mixer(self(ext)->mixer_path, [&](MixerValues& values) {
        StreamMix& m = values.of(e.direction);
        const StreamMix before = m;
        if (e.is_volume)
            m.volume_mdb = milli_db_of(wanted);
        else
            m.muted = wanted == 0;
        changed = !(before == m);
    });
    if (!v) return -v.errno_value();
    if (changed) ring_mixer_doorbell(self(ext)->doorbell);
    return changed ? 1 : 0;
}

int ctl_read_event(snd_ctl_ext_t*, snd_ctl_elem_id_t*, unsigned int*) {
    return -EAGAIN;  // no change events: mixers re-read on their own
}

const snd_ctl_ext_callback_t kCallbacks = [] {
    snd_ctl_ext_callback_t c{};
    c.close = ctl_close;
    c.elem_count = ctl_elem_count;
    c.elem_list = ctl_elem_list;
    c.find_elem = ctl_find_elem;
    c.get_attribute = ctl_get_attribute;
    c.get_integer_info = ctl_get_integer_info;
    c.read_integer = ctl_read_integer;
    c.write_integer = ctl_write_integer;
    c.read_event = ctl_read_event;
    return c;
}();

}  // namespace

int open_xen_ctl(snd_ctl_t** handlep, const char* name, const PluginParams& params, int mode,
                 std::string& why) {
    std::string reason;
    auto kind = platform::choose_platform(params.platform, &reason);
    if (!kind) {
        why = reason;
        return -kind.errno_value();
    }
    const std::string identity = platform_identity(*kind);
    auto c = std::make_unique<XenCtl>();
    c->mixer_path = mixer_file_path(identity, params.device);
    c->doorbell = mixer_doorbell_name(identity, params.device);
    // Never readable: there are no change events, but mixers poll a descriptor.
    c->event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (c->event_fd < 0) {
        why = "eventfd failed";
        return -errno;
    }
    snd_ctl_ext_t& ext = c->ext;
    ext.version = SND_CTL_EXT_VERSION;
    ext.card_idx = 0;
    std::snprintf(ext.id, sizeof ext.id, "xen%u", params.device);
    std::snprintf(ext.driver, sizeof ext.driver, "xensnd");
    std::snprintf(ext.name, sizeof ext.name, "Xen vsnd %u", params.device);
    std::snprintf(ext.longname, sizeof ext.longname, "Xen para-virtual sound, vsnd device %u",
                  params.device);
    std::snprintf(ext.mixername, sizeof ext.mixername, "Xen vsnd");
    ext.poll_fd = c->event_fd;
    ext.callback = &kCallbacks;
    ext.private_data = c.get();
    ext.tlv.p = kDbScale;
    int err = snd_ctl_ext_create(&ext, name, mode);
    if (err < 0) {
        why = "snd_ctl_ext_create failed";
        return err;
    }
    XenCtl* raw = c.release();  // owned by the ctl from here: ctl_close deletes it
    *handlep = raw->ext.handle;
    return 0;
}

}  // namespace xensnd::frontend
