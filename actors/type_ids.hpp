#pragma once

#include <vector>

#include <caf/type_id.hpp>

#include "pss/framing.hpp"
#include "pss/options.hpp"
#include "pss/server_info.hpp"
#include "pss/server_ref.hpp"
#include "pss/session.hpp"

// Every pss type that crosses the network, announced in this one place. The
// names given here are what goes on the wire: nodes must agree on them.
CAF_BEGIN_TYPE_ID_BLOCK(pss, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(pss, (pss::packet_type))
CAF_ADD_TYPE_ID(pss, (pss::packet))
CAF_ADD_TYPE_ID(pss, (pss::session_options))
CAF_ADD_TYPE_ID(pss, (pss::server_spec))
CAF_ADD_TYPE_ID(pss, (pss::server_ref))
CAF_ADD_TYPE_ID(pss, (pss::status))
CAF_ADD_TYPE_ID(pss, (pss::child_info))
CAF_ADD_TYPE_ID(pss, (pss::server_info))
CAF_ADD_TYPE_ID(pss, (pss::server_totals))
CAF_ADD_TYPE_ID(pss, (pss::drain_report))
CAF_ADD_TYPE_ID(pss, (std::vector<pss::child_info>))
CAF_ADD_TYPE_ID(pss, (std::vector<pss::server_info>))

CAF_END_TYPE_ID_BLOCK(pss)
