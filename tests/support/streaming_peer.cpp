#include "streaming_peer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pss::test {

namespace {

using clock = std::chrono::steady_clock;

// Echoed bytes kept before the buffer is compacted.
constexpr size_t compact_after = 1024 * 1024;

// Polls every peer once (at most 50 ms) and pumps those with events.
void pump_once(std::vector<std::unique_ptr<streaming_peer>>& peers) {
  std::vector<pollfd> fds;
  fds.reserve(peers.size());
  for (auto& peer : peers)
    fds.push_back(
        pollfd{peer->ended() ? -1 : peer->fd(), peer->wanted_events(), 0});
  if (::poll(fds.data(), fds.size(), 50) <= 0)
    return;
  for (size_t i = 0; i < peers.size(); ++i)
    if (fds[i].revents != 0)
      peers[i]->pump();
}

bool pump_until(std::vector<std::unique_ptr<streaming_peer>>& peers,
                const std::function<bool(const streaming_peer&)>& done,
                std::chrono::milliseconds deadline) {
  auto until = clock::now() + deadline;
  for (;;) {
    if (std::all_of(peers.begin(), peers.end(),
                    [&](const auto& peer) { return done(*peer); }))
      return true;
    if (clock::now() >= until)
      return false;
    pump_once(peers);
  }
}

} // namespace

streaming_peer::streaming_peer(uint16_t port, packet_type framing,
                               size_t max_payload, uint32_t seed)
    : framing_(framing), max_payload_(max_payload), rng_(seed | 1) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0)
    return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  auto rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc != 0 && errno != EINPROGRESS) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

streaming_peer::~streaming_peer() {
  if (fd_ >= 0)
    ::close(fd_);
}

short streaming_peer::wanted_events() const {
  if (ended_)
    return 0;
  return static_cast<short>(POLLIN | POLLOUT);
}

void streaming_peer::queue_packet() {
  // A multiplicative generator: sizes vary, runs repeat.
  rng_ = rng_ * 1103515245u + 12345u;
  auto size = echo_offset_ == 0 && unechoed_.empty()
                  ? max_payload_
                  : 1 + (rng_ >> 8) % max_payload_;
  auto header = header_size(framing_);
  for (size_t i = header; i > 0; --i)
    unechoed_ += static_cast<char>((size >> (8 * (i - 1))) & 0xFF);
  auto start = unechoed_.size();
  unechoed_.resize(start + size);
  for (size_t i = 0; i < size; ++i)
    unechoed_[start + i] = static_cast<char>('a' + (rng_ + i) % 26);
  if (framing_ == packet_type::line)
    unechoed_.back() = '\n';
  packet_ends_.push_back(echo_offset_ + unechoed_.size());
}

void streaming_peer::send_some() {
  // A pipelining client: up to two largest packets ahead of the echoes.
  auto ahead = 2 * (max_payload_ + header_size(framing_)) + 64 * 1024;
  for (;;) {
    if (sent_pos_ == unechoed_.size()) {
      if (unechoed_.size() - echo_pos_ >= ahead)
        return;
      queue_packet();
    }
    auto rc = ::send(fd_, unechoed_.data() + sent_pos_,
                     unechoed_.size() - sent_pos_, MSG_NOSIGNAL);
    if (rc < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINPROGRESS
          && errno != ENOTCONN)
        finish(false);
      return;
    }
    sent_pos_ += static_cast<size_t>(rc);
  }
}

void streaming_peer::read_some() {
  char buf[65536];
  for (;;) {
    auto rc = ::recv(fd_, buf, sizeof(buf), 0);
    if (rc == 0) {
      finish(true);
      return;
    }
    if (rc < 0) {
      if (errno == EINTR)
        continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK)
        finish(false);
      return;
    }
    auto n = static_cast<size_t>(rc);
    if (n > sent_pos_ - echo_pos_
        || std::memcmp(buf, unechoed_.data() + echo_pos_, n) != 0)
      intact_ = false;
    echo_pos_ += std::min(n, sent_pos_ - echo_pos_);
    auto echoed = echo_offset_ + echo_pos_;
    while (!packet_ends_.empty() && packet_ends_.front() <= echoed) {
      last_boundary_ = packet_ends_.front();
      packet_ends_.pop_front();
      ++echoed_packets_;
    }
    if (echo_pos_ > compact_after && echo_pos_ * 2 > unechoed_.size()) {
      unechoed_.erase(0, echo_pos_);
      sent_pos_ -= echo_pos_;
      echo_offset_ += echo_pos_;
      echo_pos_ = 0;
    }
  }
}

void streaming_peer::pump() {
  if (ended_)
    return;
  read_some();
  if (!ended_)
    send_some();
}

void streaming_peer::finish(bool fin) {
  ended_ = true;
  fin_ = fin;
  ::close(fd_);
  fd_ = -1;
}

bool streaming_peer::ends_whole() const {
  // Raw streams have no packets: any prefix is whole.
  return framing_ == packet_type::raw
         || echo_offset_ + echo_pos_ == last_boundary_;
}

bool warm_up(std::vector<std::unique_ptr<streaming_peer>>& peers,
             size_t warm_packets, std::chrono::milliseconds deadline) {
  return pump_until(
      peers,
      [warm_packets](const streaming_peer& peer) {
        return peer.ended() || peer.packets_echoed() >= warm_packets;
      },
      deadline);
}

bool pump_to_end(std::vector<std::unique_ptr<streaming_peer>>& peers,
                 std::chrono::milliseconds deadline) {
  return pump_until(
      peers, [](const streaming_peer& peer) { return peer.ended(); }, deadline);
}

peer_endings
count_endings(const std::vector<std::unique_ptr<streaming_peer>>& peers) {
  peer_endings result;
  for (auto& peer : peers) {
    if (peer->ended_by_fin() && peer->echo_intact() && peer->ends_whole())
      ++result.clean;
    else
      ++result.cut;
  }
  return result;
}

} // namespace pss::test
