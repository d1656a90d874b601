// CurPosTrace: when each CUR_POS position was posted (backend) or applied (frontend), for
// measuring CUR_POS latency on the real product path: the demo and the benchmarks run both
// halves with a trace file each and join the two on (stream, position).
//
// Off unless asked for (a path from the command line or an environment variable). Recording
// is a store into a preallocated buffer; the file is written when the buffer fills and when the
// trace is destroyed, so the hot path makes no system call. Lines are
//   <CLOCK_MONOTONIC ns> <stream> <position bytes>
// where <stream> is "dom<D>-vsnd<N>-<P>.<S>" (no spaces). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "coro/result.hpp"

namespace xensnd::trace {

// The stream's name in a trace: "dom5-vsnd0-0.1".
std::string stream_key(unsigned domid, unsigned device, unsigned pcm, unsigned stream);

// CLOCK_MONOTONIC now, in nanoseconds.
std::int64_t monotonic_ns();

class CurPosTrace {
  public:
    // Opens (creates or appends to) `path`. An error names the path.
    static Result<std::unique_ptr<CurPosTrace>> open(const std::string& path,
                                                     std::string* why = nullptr);
    ~CurPosTrace();
    CurPosTrace(const CurPosTrace&) = delete;
    CurPosTrace& operator=(const CurPosTrace&) = delete;

    void record(std::string_view stream, std::uint64_t position, std::int64_t t_ns);
    // Writes what is buffered.
    void flush();

  private:
    explicit CurPosTrace(int fd) : fd_(fd) {}
    struct Entry {
        std::int64_t t_ns;
        std::uint64_t position;
        std::string stream;
    };
    void flush_locked();
    int fd_;
    std::mutex mutex_;
    std::vector<Entry> entries_;
};

}  // namespace xensnd::trace
