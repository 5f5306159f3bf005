#pragma once

#include <cstddef>

#include <caf/io/abstract_broker.hpp>
#include <caf/io/accept_handle.hpp>
#include <caf/io/connection_handle.hpp>
#include <caf/io/network/doorman_impl.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/io/network/scribe_impl.hpp>

namespace pss {

/// Handles bytes a scribe read, for the broker that owns it. Returns false
/// to decline them: the scribe then delivers them as CAF does.
using direct_reader
    = bool (*)(caf::io::abstract_broker* owner, const char* data, size_t size);

/// CAF's TCP scribe, with a shorter way from a read to its broker.
///
/// Why: CAF 0.17 delivers every read as a `new_data_msg` through the
/// broker's full message dispatch (categorize, behavior match, result
/// visitor, response promise, ...): about half of what the I/O thread
/// executes per request of a small ping-pong. Once a reader is installed,
/// `consume` calls it directly and then does what CAF's activation does
/// after a handler (behavior cleanup, `finalize`, receive timeout), so that
/// a broker that quits, fails or changes its behavior while reading ends or
/// changes exactly as it would after a message. Whenever the broker is in a
/// state where CAF would not simply run its handler (activity tokens, an
/// awaited response, a proxy registry, shutting down), or the reader
/// declines, the read goes CAF's way.
class direct_scribe : public caf::io::network::scribe_impl {
public:
  using scribe_impl::scribe_impl;

  /// Sends the reads of this scribe to `reader` from now on.
  void set_reader(direct_reader reader) {
    reader_ = reader;
  }

  bool consume(caf::execution_unit* ctx, const void* data,
               size_t num_bytes) override;

private:
  // Whether CAF's activation would do more than run the broker's handler.
  bool needs_caf_dispatch(caf::io::abstract_broker* owner) const;

  direct_reader reader_ = nullptr;
};

/// CAF's TCP doorman, making a `direct_scribe` for every connection
/// (without a reader: reads go CAF's way until one is installed).
class direct_doorman : public caf::io::network::doorman_impl {
public:
  using doorman_impl::doorman_impl;

  bool new_connection() override;
};

/// Adds a `direct_doorman` on the listening socket `fd` to `self`: what
/// `self->add_doorman(fd)` does, with `direct_scribe`s for its connections.
caf::io::accept_handle add_direct_doorman(caf::io::abstract_broker* self,
                                          caf::io::network::native_socket fd);

/// Installs `reader` on the scribe of `hdl` in `self`. False if that scribe
/// is not a `direct_scribe` (its reads then go CAF's way, which is correct,
/// only slower).
bool set_direct_reader(caf::io::abstract_broker* self,
                       caf::io::connection_handle hdl, direct_reader reader);

} // namespace pss
