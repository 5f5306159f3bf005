#pragma once

#include <memory>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/io/abstract_broker.hpp>
#include <caf/io/accept_handle.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/network/native_socket.hpp>

#include "caf017/direct_scribe.hpp"

namespace pss {

/// An accepted socket on its way from the thread that accepted it to the
/// broker (of any actor system) that will read it: the owner of the bare
/// descriptor until a multiplexer owns it. Closes it when destroyed unless
/// released, so that every way a handoff can fail (a dropped message, a dead
/// receiver, a mailbox drained at exit, an early return) closes the socket.
class handed_socket {
public:
  /// Takes ownership of `fd` (a connected, non-blocking socket).
  explicit handed_socket(caf::io::network::native_socket fd) : fd_(fd) {
    // nop
  }

  handed_socket(const handed_socket&) = delete;
  handed_socket& operator=(const handed_socket&) = delete;

  /// Closes the socket unless it was released.
  ~handed_socket();

  /// The descriptor (still owned), or `invalid_native_socket`.
  caf::io::network::native_socket fd() const {
    return fd_;
  }

  /// Gives the descriptor up to the caller, who must close it.
  caf::io::network::native_socket release() {
    auto result = fd_;
    fd_ = caf::io::network::invalid_native_socket;
    return result;
  }

private:
  caf::io::network::native_socket fd_;
};

/// How a handed socket travels in CAF messages (which copy their values).
using handed_socket_ptr = std::shared_ptr<handed_socket>;

/// Adds the socket of `sock` to `self`'s own multiplexer as a
/// `direct_scribe` (what `add_scribe(fd)` does, with pss's scribe), and
/// releases `sock`: from now on `self` owns the connection. With another
/// backend than CAF's default multiplexer, a plain CAF scribe.
caf::io::connection_handle adopt_socket(caf::io::abstract_broker* self,
                                        handed_socket& sock);

} // namespace pss

// Sockets in transit are local by nature: they never cross the network.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(pss::handed_socket_ptr)
