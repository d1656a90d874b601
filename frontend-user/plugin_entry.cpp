// The entry point alsa-lib looks up in libasound_module_pcm_xen.so for `type xen`.
#include <alsa/asoundlib.h>
#include <alsa/pcm_external.h>

#include <cstdlib>
#include <mutex>
#include <string>

#include "core/log/log.hpp"

#include "frontend-user/plugin_params.hpp"
#include "frontend-user/xen_pcm.hpp"

// The rest of the plugin is hidden (-fvisibility=hidden); these two symbols are what alsa-lib
// looks up, so they are visible (and plugin.map keeps everything else local).
#pragma GCC visibility push(default)
extern "C" {

SND_PCM_PLUGIN_DEFINE_FUNC(xen) {
    (void)root;
    // A plugin's lines land on the application's stderr: warnings and errors only, unless
    // XENSND_LOG_LEVEL asks for more (info, debug).
    static std::once_flag logging;
    std::call_once(logging, [] {
        xensnd::log::set_program("pcm.xen");
        const char* level = std::getenv("XENSND_LOG_LEVEL");
        auto parsed = xensnd::log::parse_level(level ? level : "");
        xensnd::log::set_level(parsed ? *parsed : xensnd::log::Level::Warning);
    });
    xensnd::frontend::PluginParams params;
    std::string why;
    int err = xensnd::frontend::parse_plugin_params(conf, true, params, why);
    if (err < 0) {
        SNDERR("%s", why.c_str());
        return err;
    }
    err = xensnd::frontend::open_xen_pcm(pcmp, name, params, stream, mode, why);
    if (err < 0) SNDERR("xen: %s", why.c_str());
    return err;
}

SND_PCM_PLUGIN_SYMBOL(xen);

}  // extern "C"
#pragma GCC visibility pop
