#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "pss/control.hpp"

namespace pss {

/// The door of a control endpoint: owns its listening socket and lets a
/// connection through to CAF's protocol (BASP) only once the peer completed
/// the handshake of auth/challenge.hpp.
///
/// Why a door of our own: CAF 0.17's BASP broker trusts every connection.
/// It allocates whatever payload a header announces before any check (one
/// 32-byte header: 256 MiB), keeps a connection that never speaks forever,
/// and its listener spins when the process is out of descriptors. Before
/// the door lets a peer through, the peer holds a fixed-size buffer
/// (`auth::response_size` bytes) and a slot; slots are limited, and a
/// connection that does not finish the handshake in time is closed.
///
/// It runs on a thread of its own (poll(2) over at most `max_pending` + 2
/// descriptors): the handshake costs the node's I/O threads nothing, and
/// the door keeps accepting while they are busy.
class front_door {
public:
  /// What the door does with a connection that completed the handshake
  /// (the descriptor is the callee's from then on).
  using admit_fn = std::function<void(int fd)>;

  /// Starts the door on the listening socket `listen_fd` (the door owns it
  /// from now on).
  front_door(int listen_fd, std::string secret, control_options options,
             admit_fn admit);

  /// Stops the thread, closes the listening socket and every connection
  /// still in its handshake.
  ~front_door();

  front_door(const front_door&) = delete;
  front_door& operator=(const front_door&) = delete;

private:
  struct loop;
  std::unique_ptr<loop> loop_;
  std::thread thread_;
};

} // namespace pss
