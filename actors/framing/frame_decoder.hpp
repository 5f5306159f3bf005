#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "pss/errors.hpp"
#include "pss/framing.hpp"

namespace pss {

/// Bytes of an unfinished packet, allocated only once a packet is split
/// across reads: a pointer in every idle session instead of a vector.
class partial_buffer {
public:
  bool empty() const {
    return !bytes_ || bytes_->empty();
  }

  size_t size() const {
    return bytes_ ? bytes_->size() : 0;
  }

  const char* data() const {
    return bytes_ ? bytes_->data() : nullptr;
  }

  void append(const char* first, const char* last) {
    if (!bytes_)
      bytes_ = std::make_unique<std::vector<char>>();
    bytes_->insert(bytes_->end(), first, last);
  }

  /// Empties the buffer; frees it when it grew beyond `keep` bytes.
  void clear(size_t keep) {
    if (!bytes_)
      return;
    bytes_->clear();
    if (bytes_->capacity() > keep)
      bytes_.reset();
  }

private:
  std::unique_ptr<std::vector<char>> bytes_;
};

/// Cuts a TCP byte stream into packets by one framing. It meets every byte a
/// peer sends, hostile ones included, so it is kept free of actors and I/O:
/// bytes in, packets out. Packets that arrive whole in one read are handed
/// out in place (no copy); only an unfinished packet is buffered, and a
/// buffer grown by a large packet is given back once that packet is out.
class frame_decoder {
public:
  /// A decoder for `type` that refuses packets longer than `limit` bytes.
  frame_decoder(packet_type type, size_t limit)
      : type_(type),
        limit_(static_cast<uint32_t>(std::min<size_t>(limit, UINT32_MAX))) {
    // nop
  }

  /// Feeds `size` bytes and calls `on_packet(const char*, size_t)` for every
  /// packet they complete, in order. Stops at the first packet longer than
  /// the limit and returns `packet_too_large`; the stream cannot be trusted
  /// after that, so the decoder must not be fed again.
  template <class OnPacket>
  caf::error feed(const char* data, size_t size, OnPacket&& on_packet) {
    switch (type_) {
      case packet_type::raw:
        return feed_raw(data, size, on_packet);
      case packet_type::line:
        return feed_line(data, size, on_packet);
      default:
        return feed_length_prefixed(data, size, on_packet);
    }
  }

  /// Ends the stream. For `line`, an unterminated last line is handed out;
  /// for length headers, a packet cut off mid-way is `truncated_frame`.
  template <class OnPacket>
  caf::error finish(OnPacket&& on_packet) {
    if (partial_.empty())
      return caf::none;
    if (type_ == packet_type::line) {
      on_packet(partial_.data(), partial_.size());
      release_partial();
      return caf::none;
    }
    auto held = partial_.size();
    release_partial();
    return caf::make_error(error::truncated_frame,
                           std::to_string(held)
                               + " bytes of an unfinished packet");
  }

  /// Bytes held of an unfinished packet (header included).
  size_t buffered() const {
    return partial_.size();
  }

  /// The largest packet this decoder accepts.
  size_t limit() const {
    return limit_;
  }

private:
  // A buffer that held a packet larger than this is freed afterwards, so
  // that one burst does not pin memory for the rest of a long session.
  static constexpr size_t keep_capacity = 64 * 1024;

  caf::error too_large(size_t size) const {
    return caf::make_error(error::packet_too_large,
                           std::to_string(size) + " bytes, limit "
                               + std::to_string(limit_));
  }

  void release_partial() {
    partial_.clear(keep_capacity);
  }

  template <class OnPacket>
  caf::error feed_raw(const char* data, size_t size, OnPacket& on_packet) {
    // No boundaries exist in a raw stream, so a read longer than the limit
    // is handed out in pieces of at most `limit_` bytes.
    while (size > 0) {
      auto chunk = size < limit_ ? size : limit_;
      on_packet(data, chunk);
      data += chunk;
      size -= chunk;
    }
    return caf::none;
  }

  template <class OnPacket>
  caf::error feed_line(const char* data, size_t size, OnPacket& on_packet) {
    while (size > 0) {
      auto newline = static_cast<const char*>(std::memchr(data, '\n', size));
      if (newline == nullptr) {
        if (partial_.size() + size > limit_)
          return too_large(partial_.size() + size);
        partial_.append(data, data + size);
        return caf::none;
      }
      auto length = static_cast<size_t>(newline - data) + 1;
      if (partial_.size() + length > limit_)
        return too_large(partial_.size() + length);
      if (partial_.empty()) {
        on_packet(data, length);
      } else {
        partial_.append(data, data + length);
        on_packet(partial_.data(), partial_.size());
        release_partial();
      }
      data += length;
      size -= length;
    }
    return caf::none;
  }

  size_t read_length(const char* header) const {
    size_t length = 0;
    for (size_t i = 0; i < header_size(type_); ++i)
      length = (length << 8) | static_cast<unsigned char>(header[i]);
    return length;
  }

  template <class OnPacket>
  caf::error feed_length_prefixed(const char* data, size_t size,
                                  OnPacket& on_packet) {
    auto header = header_size(type_);
    while (size > 0) {
      if (partial_.empty()) {
        // Fast path: a whole packet inside this read goes out in place.
        if (size >= header) {
          auto length = read_length(data);
          if (length > limit_)
            return too_large(length);
          if (size - header >= length) {
            on_packet(data + header, length);
            data += header + length;
            size -= header + length;
            continue;
          }
        }
        // Never reserve the announced length up front: a peer could then
        // make us allocate the limit with a header alone.
        partial_.append(data, data + size);
        return caf::none;
      }
      if (partial_.size() < header) {
        auto take = std::min(header - partial_.size(), size);
        partial_.append(data, data + take);
        data += take;
        size -= take;
        if (partial_.size() < header)
          return caf::none;
        auto length = read_length(partial_.data());
        if (length > limit_)
          return too_large(length);
      }
      auto total = header + read_length(partial_.data());
      auto take = std::min(total - partial_.size(), size);
      partial_.append(data, data + take);
      data += take;
      size -= take;
      if (partial_.size() == total) {
        on_packet(partial_.data() + header, total - header);
        release_partial();
      }
    }
    return caf::none;
  }

  packet_type type_;
  /// 32 bits (next to `type_`: 8 bytes less per session): no length header
  /// and no `PacketSize` goes beyond.
  uint32_t limit_;
  partial_buffer partial_;
};

} // namespace pss
