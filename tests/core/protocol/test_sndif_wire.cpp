// Names for log lines and the message builders of sndif_wire.hpp.
#include <doctest/doctest.h>

#include <cstring>

#include "core/protocol/sndif_wire.hpp"

using namespace xensnd::sndif;

TEST_CASE("every operation, trigger and event has a log name; others are unknown") {
    CHECK(operation_name(XENSND_OP_OPEN) == "open");
    CHECK(operation_name(XENSND_OP_CLOSE) == "close");
    CHECK(operation_name(XENSND_OP_READ) == "read");
    CHECK(operation_name(XENSND_OP_WRITE) == "write");
    CHECK(operation_name(XENSND_OP_SET_VOLUME) == "set-volume");
    CHECK(operation_name(XENSND_OP_GET_VOLUME) == "get-volume");
    CHECK(operation_name(XENSND_OP_MUTE) == "mute");
    CHECK(operation_name(XENSND_OP_UNMUTE) == "unmute");
    CHECK(operation_name(XENSND_OP_TRIGGER) == "trigger");
    CHECK(operation_name(XENSND_OP_HW_PARAM_QUERY) == "hw-param-query");
    for (int op = XENSND_OP_HW_PARAM_QUERY + 1; op < 256; ++op)
        CHECK(operation_name(std::uint8_t(op)) == "unknown");

    CHECK(trigger_name(XENSND_OP_TRIGGER_START) == "start");
    CHECK(trigger_name(XENSND_OP_TRIGGER_PAUSE) == "pause");
    CHECK(trigger_name(XENSND_OP_TRIGGER_STOP) == "stop");
    CHECK(trigger_name(XENSND_OP_TRIGGER_RESUME) == "resume");
    CHECK(trigger_name(4) == "unknown");

    CHECK(event_name(XENSND_EVT_CUR_POS) == "cur-pos");
    CHECK(event_name(1) == "unknown");
}

TEST_CASE("a response echoes id and operation and sends zeroed reserved bytes") {
    Request req;
    std::memset(&req, 0xFF, sizeof req);
    req.id = 0xBEEF;
    req.operation = XENSND_OP_TRIGGER;
    const Response rsp = make_response(req, -22);
    CHECK(rsp.id == 0xBEEF);
    CHECK(rsp.operation == XENSND_OP_TRIGGER);
    CHECK(rsp.status == -22);
    CHECK(rsp.reserved == 0);
    for (auto b : rsp.resp.reserved1)
        CHECK(b == 0);
}

TEST_CASE("built requests and events carry only what was set") {
    const Request req = make_request(3, XENSND_OP_CLOSE);
    CHECK(req.id == 3);
    CHECK(req.operation == XENSND_OP_CLOSE);
    for (auto b : req.op.reserved)
        CHECK(b == 0);

    const Event evt = make_cur_pos_event(0x1122334455667788ull);
    CHECK(evt.type == XENSND_EVT_CUR_POS);
    CHECK(evt.op.cur_pos.position == 0x1122334455667788ull);
    for (auto b : evt.reserved)
        CHECK(b == 0);
}
