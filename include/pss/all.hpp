#pragma once

/// \file
/// Everything pss offers, for users who want it all: every header of
/// include/pss/.

/// \namespace pss
/// Erlang's proc_socket_server on CAF 0.17: managed TCP servers whose
/// sessions are actors, a registry that names them, and the original's
/// blocking API beside the actors' requests.

#include "pss/atoms.hpp"
#include "pss/config.hpp"
#include "pss/control.hpp"
#include "pss/errors.hpp"
#include "pss/framing.hpp"
#include "pss/handlers.hpp"
#include "pss/io_threads.hpp"
#include "pss/live_operations.hpp"
#include "pss/log.hpp"
#include "pss/metrics.hpp"
#include "pss/options.hpp"
#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"
#include "pss/reply_slot.hpp"
#include "pss/requests.hpp"
#include "pss/server_info.hpp"
#include "pss/server_ref.hpp"
#include "pss/session.hpp"
