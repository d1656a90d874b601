#include "core/protocol/sndif_wire.hpp"

namespace xensnd::sndif {

std::string_view operation_name(std::uint8_t operation) noexcept {
    switch (operation) {
        case XENSND_OP_OPEN:
            return "open";
        case XENSND_OP_CLOSE:
            return "close";
        case XENSND_OP_READ:
            return "read";
        case XENSND_OP_WRITE:
            return "write";
        case XENSND_OP_SET_VOLUME:
            return "set-volume";
        case XENSND_OP_GET_VOLUME:
            return "get-volume";
        case XENSND_OP_MUTE:
            return "mute";
        case XENSND_OP_UNMUTE:
            return "unmute";
        case XENSND_OP_TRIGGER:
            return "trigger";
        case XENSND_OP_HW_PARAM_QUERY:
            return "hw-param-query";
        default:
            return "unknown";
    }
}

std::string_view trigger_name(std::uint8_t trigger_type) noexcept {
    switch (trigger_type) {
        case XENSND_OP_TRIGGER_START:
            return "start";
        case XENSND_OP_TRIGGER_PAUSE:
            return "pause";
        case XENSND_OP_TRIGGER_STOP:
            return "stop";
        case XENSND_OP_TRIGGER_RESUME:
            return "resume";
        default:
            return "unknown";
    }
}

std::string_view event_name(std::uint8_t event_type) noexcept {
    switch (event_type) {
        case XENSND_EVT_CUR_POS:
            return "cur-pos";
        default:
            return "unknown";
    }
}

}  // namespace xensnd::sndif
