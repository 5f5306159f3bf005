#pragma once

// What end-to-end TLS tests share: Python's ssl module as the independent
// client, the test certificates, and a node to start servers on.

#include <unistd.h>

#include <catch2/catch.hpp>

#include "pss/options.hpp"
#include "test_node.hpp"
#include "test_pki.hpp"

namespace pss::test {

/// Debian's Python: its ssl module is linked against the system OpenSSL.
/// (`python3` on a PATH may be another build.)
constexpr const char* python = "/usr/bin/python3";

/// Python and the certificates, both required.
struct tls_fixture {
  tls_fixture() {
    REQUIRE(::access(python, X_OK) == 0);
    INFO(pki.error());
    REQUIRE(pki.ok());
  }

  const test_pki& pki = shared_pki();
};

/// The same and a node to start servers on.
struct tls_node_fixture : tls_fixture {
  test_node node;
};

/// The server side of TLS with the test server certificate.
inline tls_options server_tls(const test_pki& pki) {
  tls_options tls;
  tls.cert = pki.server_cert();
  tls.key = pki.server_key();
  return tls;
}

} // namespace pss::test
