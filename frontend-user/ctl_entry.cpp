// The entry point alsa-lib looks up in libasound_module_ctl_xen.so for `ctl.<name> { type xen }`.
#include <alsa/asoundlib.h>
#include <alsa/control_external.h>

#include <string>

#include "frontend-user/plugin_params.hpp"
#include "frontend-user/xen_ctl.hpp"

#pragma GCC visibility push(default)
extern "C" {

SND_CTL_PLUGIN_DEFINE_FUNC(xen) {
    (void)root;
    xensnd::frontend::PluginParams params;
    std::string why;
    int err = xensnd::frontend::parse_plugin_params(conf, false, params, why);
    if (err < 0) {
        SNDERR("%s", why.c_str());
        return err;
    }
    err = xensnd::frontend::open_xen_ctl(handlep, name, params, mode, why);
    if (err < 0) SNDERR("xen: %s", why.c_str());
    return err;
}

SND_CTL_PLUGIN_SYMBOL(xen);

}  // extern "C"
#pragma GCC visibility pop
