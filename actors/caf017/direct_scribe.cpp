#include "caf017/direct_scribe.hpp"

#include <cerrno>

#include <sys/socket.h>

#include <caf/io/network/default_multiplexer.hpp>
#include <caf/io/network/native_socket.hpp>
#include <caf/make_counted.hpp>

namespace pss {

namespace {

// CAF 0.17 keeps a broker's servants protected; a derived class may name
// them (read only, never changed here).
struct broker_access : caf::io::abstract_broker {
  static caf::io::scribe* scribe_of(caf::io::abstract_broker* self,
                                    caf::io::connection_handle hdl) {
    using map_of_scribes
        = scribe_map& (caf::io::abstract_broker::*)(caf::io::connection_handle);
    auto map_fn = static_cast<map_of_scribes>(&broker_access::get_map);
    auto& scribes = (self->*map_fn)(hdl);
    auto i = scribes.find(hdl);
    return i == scribes.end() ? nullptr : i->second.get();
  }

  static caf::io::doorman* doorman_of(caf::io::abstract_broker* self,
                                      caf::io::accept_handle hdl) {
    using map_of_doormen
        = doorman_map& (caf::io::abstract_broker::*)(caf::io::accept_handle);
    auto map_fn = static_cast<map_of_doormen>(&broker_access::get_map);
    auto& doormen = (self->*map_fn)(hdl);
    auto i = doormen.find(hdl);
    return i == doormen.end() ? nullptr : i->second.get();
  }
};

} // namespace

bool direct_scribe::start_owner(caf::execution_unit* ctx,
                                caf::io::abstract_broker* owner) {
  using flags = caf::abstract_actor;
  if (owner->getf(flags::is_initialized_flag))
    return !owner->getf(flags::is_terminated_flag);
  // What CAF's resume does first (the launch still queued then finds the
  // broker initialized and only runs its mailbox). The broker may end in its
  // behavior function: finalize inside activate cleans it up.
  caf::strong_actor_ptr guard{owner->ctrl()};
  return owner->activate(ctx);
}

bool direct_scribe::needs_caf_dispatch(caf::io::abstract_broker* owner) const {
  using flags = caf::abstract_actor;
  // Activity tokens: CAF counts reads and reports running out of them.
  // Not initialized or shutting down: CAF's activation handles both. A
  // proxy registry: CAF installs it for the handler (remoting brokers). An
  // awaited response is no reason: the broker holds what it cannot take.
  return static_cast<bool>(activity_tokens())
         || !owner->getf(flags::is_initialized_flag)
         || owner->getf(flags::is_shutting_down_flag
                        | flags::is_terminated_flag)
         || owner->proxy_registry_ptr() != nullptr;
}

template <class F>
void direct_scribe::run_as_handler(caf::execution_unit* ctx,
                                   caf::io::abstract_broker* owner, F&& fn) {
  // The broker may end itself in `fn` (finalize below).
  caf::strong_actor_ptr guard{owner->ctrl()};
  // What CAF sets up before a handler: the context that messages sent
  // meanwhile use, and the current message, which on CAF's way would be
  // this same element (our new_data_msg).
  owner->context(ctx);
  owner->current_mailbox_element(&value_);
  fn();
  // What CAF does after a handler (scheduled_actor::reactivate and
  // activate): release behaviors replaced meanwhile, end the broker if it
  // quit (without this, a broker that quits outside CAF's activation is
  // never cleaned up; CAF's own manager::detach calls finalize after
  // delivering connection_closed_msg the same way), and re-arm a receive
  // timeout of its behavior.
  owner->bhvr_stack().cleanup();
  if (!owner->finalize())
    owner->set_receive_timeout();
}

bool direct_scribe::consume(caf::execution_unit* ctx, const void* data,
                            size_t num_bytes) {
  // A scribe whose broker is gone: as in scribe::consume.
  if (detached())
    return false;
  auto owner = parent();
  // Started here, the broker installs its events before the first read.
  if (!start_owner(ctx, owner) || detached())
    return false;
  if (events_ == nullptr || needs_caf_dispatch(owner))
    return scribe::consume(ctx, data, num_bytes);
  bool taken = true;
  run_as_handler(ctx, owner, [&] {
    taken = events_->on_data(owner, static_cast<const char*>(data), num_bytes);
  });
  if (!taken)
    return scribe::consume(ctx, data, num_bytes);
  // As scribe::consume: hand CAF what the broker queued in its buffer.
  flush();
  return true;
}

void direct_scribe::data_transferred(caf::execution_unit* ctx, size_t written,
                                     size_t remaining) {
  if (detached())
    return;
  auto owner = parent();
  if (events_ == nullptr || needs_caf_dispatch(owner)) {
    scribe::data_transferred(ctx, written, remaining);
    return;
  }
  run_as_handler(ctx, owner,
                 [&] { events_->on_transferred(owner, written, remaining); });
}

void direct_scribe::graceful_shutdown() {
  closing_ = true;
  scribe_impl::graceful_shutdown();
}

void direct_scribe::detach_from(caf::io::abstract_broker* ptr) {
  // CAF's manager::detach has already stopped reading and cleared our
  // parent, and hands the broker the close next (detach_message): start it
  // first, so that it has its behavior and its events (see the class).
  // A session's start registers nothing (its gate takes the socket as it
  // is), so reading stays off.
  if (!closing_)
    start_owner(&stream_.backend(), ptr);
  // The first failure keeps us in the broker's table of scribes;
  // detach_message, called next, re-attaches us.
  if (events_ != nullptr && !closing_ && !kept_once_) {
    kept_once_ = true;
    kept_by_ = ptr;
    return;
  }
  scribe_impl::detach_from(ptr);
}

caf::message direct_scribe::detach_message() {
  if (kept_by_ != nullptr) {
    set_parent(kept_by_);
    kept_by_ = nullptr;
  }
  return scribe_impl::detach_message();
}

bool accept4_policy::try_accept(caf::io::network::native_socket& result,
                                caf::io::network::native_socket fd) {
  result = ::accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (result >= 0)
    return true;
  result = caf::io::network::invalid_native_socket;
  auto err = errno;
  if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
    out_of_descriptors = true;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR
         || errno == ECONNABORTED;
}

void shortage_acceptor::handle_event(caf::io::network::operation op) {
  handle_event_impl(op, policy_);
  if (policy_.out_of_descriptors) {
    policy_.out_of_descriptors = false;
    stopped_ = true;
    passivate();
  }
}

direct_doorman::direct_doorman(caf::io::network::default_multiplexer& mpx,
                               caf::io::network::native_socket fd)
    : doorman(caf::io::network::accept_hdl_from_socket(fd)),
      acceptor_(mpx, fd) {
  // nop
}

void direct_doorman::graceful_shutdown() {
  acceptor_.graceful_shutdown();
  detach(&acceptor_.backend(), false);
}

void direct_doorman::launch() {
  acceptor_.start(this);
}

std::string direct_doorman::addr() const {
  auto x = caf::io::network::local_addr_of_fd(acceptor_.fd());
  return x ? std::move(*x) : std::string{};
}

uint16_t direct_doorman::port() const {
  auto x = caf::io::network::local_port_of_fd(acceptor_.fd());
  return x ? *x : 0;
}

void direct_doorman::add_to_loop() {
  acceptor_.activate(this);
}

void direct_doorman::remove_from_loop() {
  acceptor_.passivate();
}

bool direct_doorman::new_connection() {
  // As doorman_impl::new_connection, with the default multiplexer's
  // new_scribe replaced by ours. CAF's also turns keepalive on for every
  // connection; pss's servers set it (or not) once on the listening
  // socket, which connections inherit.
  if (detached())
    return false;
  auto& mpx = acceptor_.backend();
  auto fd = acceptor_.accepted_socket();
  auto ptr = caf::make_counted<direct_scribe>(mpx, fd);
  auto hdl = ptr->hdl();
  parent()->add_scribe(std::move(ptr));
  return doorman::new_connection(&mpx, hdl);
}

caf::io::accept_handle add_direct_doorman(caf::io::abstract_broker* self,
                                          caf::io::network::native_socket fd) {
  auto mpx
      = dynamic_cast<caf::io::network::default_multiplexer*>(&self->backend());
  // Another backend (CAF's test multiplexer) makes scribes of its own.
  if (mpx == nullptr)
    return self->add_doorman(fd);
  auto ptr = caf::make_counted<direct_doorman>(*mpx, fd);
  auto hdl = ptr->hdl();
  self->add_doorman(std::move(ptr));
  return hdl;
}

bool take_accept_failure(caf::io::abstract_broker* self,
                         caf::io::accept_handle hdl) {
  auto ptr
      = dynamic_cast<direct_doorman*>(broker_access::doorman_of(self, hdl));
  return ptr != nullptr && ptr->take_accept_failure();
}

bool set_direct_events(caf::io::abstract_broker* self,
                       caf::io::connection_handle hdl,
                       const direct_events* events) {
  auto ptr = dynamic_cast<direct_scribe*>(broker_access::scribe_of(self, hdl));
  if (ptr == nullptr)
    return false;
  ptr->set_events(events);
  return true;
}

} // namespace pss
