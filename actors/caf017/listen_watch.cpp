#include "caf017/listen_watch.hpp"

#include <sys/epoll.h>

#include <cerrno>

#include <caf/mailbox_element.hpp>

namespace pss {

namespace {

// Names a private member of a class through an explicit instantiation,
// where access checks do not apply: the one way to reach CAF 0.17's
// `default_multiplexer::epollfd_` without changing CAF.
template <class Tag, typename Tag::type Member>
struct private_member {
  friend typename Tag::type member_of(Tag) {
    return Member;
  }
};

struct epoll_fd_tag {
  using type = caf::io::network::native_socket
      caf::io::network::default_multiplexer::*;
  friend type member_of(epoll_fd_tag);
};

template struct private_member<
    epoll_fd_tag, &caf::io::network::default_multiplexer::epollfd_>;

} // namespace

int epoll_fd_of(caf::io::network::default_multiplexer& mpx) {
  return mpx.*member_of(epoll_fd_tag{});
}

listen_watch::listen_watch(caf::io::network::default_multiplexer& mpx,
                           caf::io::network::native_socket fd,
                           caf::io::abstract_broker* owner)
    : event_handler(mpx, fd), owner_(owner), epoll_fd_(epoll_fd_of(mpx)) {
  // nop
}

bool listen_watch::control(int op) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  // The loop casts this back to `event_handler*` (as for CAF's own).
  ev.data.ptr = static_cast<caf::io::network::event_handler*>(this);
  return ::epoll_ctl(epoll_fd_, op, fd(), &ev) == 0;
}

void listen_watch::resume() {
  if (!listening_)
    listening_ = control(EPOLL_CTL_ADD);
}

void listen_watch::pause() {
  if (listening_) {
    control(EPOLL_CTL_DEL);
    listening_ = false;
  }
}

void listen_watch::step_back() {
  if (listening_) {
    control(EPOLL_CTL_DEL);
    listening_ = control(EPOLL_CTL_ADD);
  }
}

void listen_watch::handle_event(caf::io::network::operation) {
  // A paused watch can still be in this turn's events: nothing to do. An
  // error on the socket (it was shut down) goes to the broker as well:
  // its accept finds the reason, and it pauses the watch.
  if (!listening_)
    return;
  // As CAF's doorman does with a new connection: hold the broker while
  // its handler runs, activate it with the message in this loop turn. A
  // broker that CAF does not run any more drops it.
  caf::strong_actor_ptr guard{owner_->ctrl()};
  auto elem = caf::make_mailbox_element(nullptr, caf::make_message_id(), {},
                                        listen_ready_msg{this});
  owner_->activate(&backend(), *elem);
}

void listen_watch::removed_from_loop(caf::io::network::operation) {
  // Never in CAF's registrations: nothing to undo.
}

void listen_watch::graceful_shutdown() {
  pause();
}

void close_listen_watch(std::unique_ptr<listen_watch> watch,
                        std::function<void()> done) {
  watch->pause();
  auto& mpx = watch->backend();
  std::shared_ptr<listen_watch> held{std::move(watch)};
  // Posted from the loop's own thread, this runs after the loop finished
  // the turn (and its list of ready sockets) that may still name the watch.
  mpx.post([held, done]() mutable {
    held.reset();
    if (done)
      done();
  });
}

} // namespace pss
