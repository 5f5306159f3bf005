#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "framing/frame_decoder.hpp"
#include "pss/framing.hpp"

using pss::frame_decoder;
using pss::packet_type;

namespace {

// Feeds `chunks` one after another and collects the packets.
struct decoded {
  std::vector<std::string> packets;
  caf::error err;
};

decoded decode(packet_type type, size_t limit,
               const std::vector<std::string>& chunks) {
  frame_decoder decoder{type, limit};
  decoded result;
  for (auto& chunk : chunks) {
    result.err = decoder.feed(chunk.data(), chunk.size(),
                              [&](const char* data, size_t size) {
                                result.packets.emplace_back(data, size);
                              });
    if (result.err)
      break;
  }
  return result;
}

std::string framed(const std::string& payload, packet_type type) {
  std::vector<char> out;
  REQUIRE(!pss::append_frame(out, type, payload.data(), payload.size()));
  return {out.begin(), out.end()};
}

} // namespace

TEST_CASE("length headers are big-endian and carry the payload size") {
  CHECK(framed("ab", packet_type::u8)
        == std::string("\x02"
                       "ab",
                       3));
  CHECK(framed("ab", packet_type::u16)
        == std::string("\x00\x02"
                       "ab",
                       4));
  CHECK(framed("ab", packet_type::u32)
        == std::string("\x00\x00\x00\x02"
                       "ab",
                       6));
  CHECK(framed(std::string(300, 'x'), packet_type::u16).substr(0, 2)
        == std::string("\x01\x2c", 2));
  CHECK(framed("ab", packet_type::raw) == "ab");
}

TEST_CASE("line framing adds a newline only where one is missing") {
  CHECK(framed("hi", packet_type::line) == "hi\n");
  CHECK(framed("hi\n", packet_type::line) == "hi\n");
  CHECK(framed("", packet_type::line) == "\n");
}

TEST_CASE("a payload too large for its header is refused and not written") {
  std::vector<char> out;
  std::string big(256, 'x');
  auto err = pss::append_frame(out, packet_type::u8, big.data(), big.size());
  CHECK(err == pss::error::packet_too_large);
  CHECK(out.empty());
  CHECK(!pss::append_frame(out, packet_type::u8, big.data(), 255));
}

TEST_CASE("packet types parse from their command-line spellings") {
  CHECK(*pss::parse_packet_type("0") == packet_type::raw);
  CHECK(*pss::parse_packet_type("raw") == packet_type::raw);
  CHECK(*pss::parse_packet_type("1") == packet_type::u8);
  CHECK(*pss::parse_packet_type("2") == packet_type::u16);
  CHECK(*pss::parse_packet_type("4") == packet_type::u32);
  CHECK(*pss::parse_packet_type("line") == packet_type::line);
  for (auto bad : {"3", "", "8", "lines", "-1", "4x"})
    CHECK(pss::parse_packet_type(bad).error() == pss::error::invalid_argument);
  for (auto type : {packet_type::raw, packet_type::u8, packet_type::u16,
                    packet_type::u32, packet_type::line})
    CHECK(*pss::parse_packet_type(pss::to_string(type)) == type);
}

TEST_CASE("length-prefixed packets decode however the stream is cut") {
  for (auto type : {packet_type::u8, packet_type::u16, packet_type::u32}) {
    auto stream
        = framed("hello", type) + framed("", type) + framed("world!", type);
    SECTION("all in one read, type " + pss::to_string(type)) {
      auto out = decode(type, 1000, {stream});
      CHECK(!out.err);
      CHECK(out.packets == std::vector<std::string>{"hello", "", "world!"});
    }
    SECTION("one byte per read, type " + pss::to_string(type)) {
      std::vector<std::string> chunks;
      for (auto c : stream)
        chunks.emplace_back(1, c);
      auto out = decode(type, 1000, chunks);
      CHECK(!out.err);
      CHECK(out.packets == std::vector<std::string>{"hello", "", "world!"});
    }
    SECTION("every split point, type " + pss::to_string(type)) {
      for (size_t cut = 0; cut <= stream.size(); ++cut) {
        auto out
            = decode(type, 1000, {stream.substr(0, cut), stream.substr(cut)});
        CHECK(!out.err);
        CHECK(out.packets == std::vector<std::string>{"hello", "", "world!"});
      }
    }
  }
}

TEST_CASE("a zero-length packet alone in a read is delivered") {
  auto out = decode(packet_type::u32, 10, {std::string(4, '\0')});
  CHECK(!out.err);
  REQUIRE(out.packets.size() == 1);
  CHECK(out.packets[0].empty());
}

TEST_CASE("a packet above the limit is refused from its header alone") {
  // Announces 2^32-1 bytes and sends none: refused at once, nothing buffered.
  frame_decoder decoder{packet_type::u32, 1024};
  std::string header("\xff\xff\xff\xff", 4);
  size_t delivered = 0;
  auto err = decoder.feed(header.data(), header.size(),
                          [&](const char*, size_t) { ++delivered; });
  CHECK(err == pss::error::packet_too_large);
  CHECK(delivered == 0);
  SECTION("also when the header arrives split") {
    frame_decoder split{packet_type::u16, 100};
    auto count = [&](const char*, size_t) { ++delivered; };
    CHECK(!split.feed("\x01", 1, count));
    CHECK(split.feed("\x00", 1, count) == pss::error::packet_too_large);
  }
}

TEST_CASE("packets up to the limit pass and one byte more fails") {
  auto at_limit
      = decode(packet_type::u16, 8, {framed("12345678", packet_type::u16)});
  CHECK(!at_limit.err);
  CHECK(at_limit.packets == std::vector<std::string>{"12345678"});
  auto over
      = decode(packet_type::u16, 8, {framed("123456789", packet_type::u16)});
  CHECK(over.err == pss::error::packet_too_large);
  CHECK(over.packets.empty());
}

TEST_CASE("lines decode with their newline, split anywhere") {
  std::string stream = "one\n\ntwo words\nthree";
  std::vector<std::string> expected{"one\n", "\n", "two words\n"};
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    frame_decoder decoder{packet_type::line, 100};
    std::vector<std::string> packets;
    auto collect = [&](const char* data, size_t size) {
      packets.emplace_back(data, size);
    };
    CHECK(!decoder.feed(stream.data(), cut, collect));
    CHECK(!decoder.feed(stream.data() + cut, stream.size() - cut, collect));
    CHECK(packets == expected);
    CHECK(decoder.buffered() == 5);
    CHECK(!decoder.finish(collect));
    CHECK(packets.back() == "three");
  }
}

TEST_CASE("a line longer than the limit fails even without its newline") {
  frame_decoder decoder{packet_type::line, 10};
  auto ignore = [](const char*, size_t) {};
  CHECK(!decoder.feed("12345", 5, ignore));
  CHECK(decoder.feed("678901", 6, ignore) == pss::error::packet_too_large);
  auto fits = decode(packet_type::line, 10, {"123456789\n"});
  CHECK(!fits.err);
  CHECK(fits.packets.size() == 1);
}

TEST_CASE("raw reads are packets, cut at the limit") {
  auto out = decode(packet_type::raw, 4, {"abcdefghij", "k"});
  CHECK(!out.err);
  CHECK(out.packets == std::vector<std::string>{"abcd", "efgh", "ij", "k"});
}

TEST_CASE("a stream that ends inside a length-prefixed packet is truncated") {
  frame_decoder decoder{packet_type::u32, 100};
  auto ignore = [](const char*, size_t) {};
  std::string partial("\x00\x00\x00\x05he", 6);
  CHECK(!decoder.feed(partial.data(), partial.size(), ignore));
  CHECK(decoder.finish(ignore) == pss::error::truncated_frame);
  CHECK(decoder.buffered() == 0);
  frame_decoder clean{packet_type::u32, 100};
  CHECK(!clean.finish(ignore));
}

TEST_CASE("limits default to the framing's reach, capped for safety") {
  CHECK(pss::effective_packet_limit(packet_type::u8, 0) == 255);
  CHECK(pss::effective_packet_limit(packet_type::u16, 0) == 65535);
  CHECK(pss::effective_packet_limit(packet_type::u32, 0)
        == pss::default_packet_size_limit);
  CHECK(pss::effective_packet_limit(packet_type::u32, 100) == 100);
  CHECK(pss::effective_packet_limit(packet_type::u8, 1000) == 255);
}
