#include "caf017/socket_handoff.hpp"

#include <unistd.h>

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/make_counted.hpp>

namespace pss {

handed_socket::~handed_socket() {
  if (fd_ != caf::io::network::invalid_native_socket)
    ::close(fd_);
}

bool handing_doorman::new_connection() {
  // Owned from the first instruction: every return below either hands it
  // to the broker's handler or closes it.
  auto sock = std::make_shared<handed_socket>(acceptor_.accepted_socket());
  acceptor_.accepted_socket() = caf::io::network::invalid_native_socket;
  if (detached())
    return false;
  auto owner = parent();
  // As broker_servant::invoke_mailbox_element: hold the broker while its
  // handler runs, activate it with the message in this loop turn. A broker
  // that CAF does not run (terminated) drops the element, and with it the
  // socket.
  caf::strong_actor_ptr guard{owner->ctrl()};
  auto elem
      = caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                  accepted_socket_msg{hdl(), std::move(sock)});
  owner->activate(&acceptor_.backend(), *elem);
  return !detached();
}

caf::io::accept_handle add_handing_doorman(caf::io::abstract_broker* self,
                                           caf::io::network::native_socket fd) {
  auto mpx
      = dynamic_cast<caf::io::network::default_multiplexer*>(&self->backend());
  if (mpx == nullptr)
    return caf::io::accept_handle{};
  auto ptr = caf::make_counted<handing_doorman>(*mpx, fd);
  auto hdl = ptr->hdl();
  self->add_doorman(std::move(ptr));
  return hdl;
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
