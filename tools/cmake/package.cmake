# The Debian package: `cpack -G DEB` in a build dir gives pss_<version>_<arch>.deb
# with everything `cmake --install` installs (programs, libraries, headers,
# CMake package, pss.pc) plus what only a system package has: the
# pss-node.service unit and its config /etc/pss/pss-node.conf (a conffile).
# tools/package.sh builds it as meant (Release, prefix /usr);
# tools/deb_test.sh checks it. Docs: docs/install.md.

# What only the system package has goes in a component of its own that
# `cmake --install` leaves out: the service files take absolute paths (/etc
# is not under the prefix /usr), and installing into a scratch prefix must
# never write the real /etc.
set(pss_package_dir "${PROJECT_SOURCE_DIR}/tools/package")
install(FILES "${pss_package_dir}/pss-node.conf"
  DESTINATION /etc/pss COMPONENT system EXCLUDE_FROM_ALL)
# Debian 12's systemd unit directory (pkg-config systemd systemdsystemunitdir).
install(FILES "${pss_package_dir}/pss-node.service"
  DESTINATION /lib/systemd/system COMPONENT system EXCLUDE_FROM_ALL)
# The docs the unit points to, and the licence where Debian keeps it.
install(FILES docs/install.md docs/node.md docs/security.md docs/operations.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT system EXCLUDE_FROM_ALL)
install(FILES LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright
  COMPONENT system EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pss)
set(CPACK_PACKAGE_VENDOR pss)
set(CPACK_PACKAGE_CONTACT "pss maintainers <pss@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "managed TCP servers on CAF (Erlang's proc_socket_server in C++)")
set(CPACK_PACKAGE_DESCRIPTION
  "pss-node runs TCP servers whose sessions are actors, with limits, a
control endpoint (pss-repl) and Prometheus metrics, as a sandboxed systemd
service (pss-node.service, configured in /etc/pss/pss-node.conf). The
package also holds the pss library (static), its headers, CMake package and
pkg-config file for building programs on it, and pss-bench.")

# One package with both components. DESTDIR staging keeps /etc and /lib
# absolute under the package root, everything else goes under /usr: the
# install prefix with DESTDIR is CPACK_INSTALL_PREFIX (by default this
# build's CMAKE_INSTALL_PREFIX, /usr/local unless set).
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified system)
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
# Programs without their debug information, as Debian ships them.
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The programs' own libraries (CAF, libcrypto, libstdc++) come from
# dpkg-shlibdeps. The -dev packages are there for the headers, the static
# libpss.a and pssConfig.cmake, which need CAF's and OpenSSL's headers and
# link libraries to build anything on pss.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libcaf-dev (>= 0.17.6), libcaf-dev (<< 0.18), libssl-dev (>= 3)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${pss_package_dir}/conffiles"
  "${pss_package_dir}/postinst"
  "${pss_package_dir}/prerm"
  "${pss_package_dir}/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
