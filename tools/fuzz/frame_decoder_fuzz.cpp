// libFuzzer target for the frame decoder, the code that meets every byte a
// peer sends. Input: one byte choosing the framing, one the packet limit,
// one the read size; the rest is the stream. Checks, besides the
// sanitizers: no packet over the limit, no more bytes out than in, and the
// same packets whether the stream arrives whole or cut into reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "framing/frame_decoder.hpp"

namespace {

struct outcome {
  std::vector<std::string> packets;
  bool failed = false;
};

outcome decode(pss::packet_type type, size_t limit, const uint8_t* data,
               size_t size, size_t read_size) {
  pss::frame_decoder decoder{type, limit};
  outcome out;
  auto collect = [&](const char* bytes, size_t n) {
    if (n > limit)
      __builtin_trap();
    out.packets.emplace_back(bytes, n);
  };
  for (size_t offset = 0; offset < size && !out.failed; offset += read_size) {
    auto n = std::min(read_size, size - offset);
    out.failed = static_cast<bool>(
        decoder.feed(reinterpret_cast<const char*>(data + offset), n, collect));
  }
  if (!out.failed)
    out.failed = static_cast<bool>(decoder.finish(collect));
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3)
    return 0;
  static const pss::packet_type types[]
      = {pss::packet_type::raw, pss::packet_type::u8, pss::packet_type::u16,
         pss::packet_type::u32, pss::packet_type::line};
  auto type = types[data[0] % 5];
  size_t limit = 1 + data[1] * 4;
  size_t read_size = 1 + data[2] % 64;
  data += 3;
  size -= 3;
  auto whole = decode(type, limit, data, size, size == 0 ? 1 : size);
  auto pieces = decode(type, limit, data, size, read_size);
  size_t total = 0;
  for (auto& pkt : whole.packets)
    total += pkt.size();
  if (total > size)
    __builtin_trap();
  // Raw framing cuts at read boundaries by design; every other framing must
  // not depend on how the stream was cut.
  if (type != pss::packet_type::raw
      && (whole.failed != pieces.failed
          || (!whole.failed && whole.packets != pieces.packets)))
    __builtin_trap();
  return 0;
}
