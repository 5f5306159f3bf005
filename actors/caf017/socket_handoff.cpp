#include "caf017/socket_handoff.hpp"

#include <unistd.h>

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/make_counted.hpp>

namespace pss {

handed_socket::~handed_socket() {
  if (fd_ != caf::io::network::invalid_native_socket)
    ::close(fd_);
}

caf::io::connection_handle adopt_socket(caf::io::abstract_broker* self,
                                        handed_socket& sock) {
  auto mpx
      = dynamic_cast<caf::io::network::default_multiplexer*>(&self->backend());
  if (mpx == nullptr)
    return self->add_scribe(sock.release());
  auto ptr = caf::make_counted<direct_scribe>(*mpx, sock.release());
  auto hdl = ptr->hdl();
  self->add_scribe(std::move(ptr));
  return hdl;
}

} // namespace pss
