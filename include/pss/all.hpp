#pragma once

/// Everything pss offers, for users who want it all.
#include "pss/atoms.hpp"
#include "pss/config.hpp"
#include "pss/control.hpp"
#include "pss/errors.hpp"
#include "pss/framing.hpp"
#include "pss/handlers.hpp"
#include "pss/live_operations.hpp"
#include "pss/log.hpp"
#include "pss/metrics.hpp"
#include "pss/options.hpp"
#include "pss/proc_socket_server.hpp"
#include "pss/registry.hpp"
#include "pss/reply_slot.hpp"
#include "pss/server_info.hpp"
#include "pss/server_ref.hpp"
#include "pss/session.hpp"
