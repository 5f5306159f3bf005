# What `cmake --install` puts in the prefix: the libraries pss, pss_node and
# pss_handlers with their headers, the programs, a CMake package (pss::pss,
# pss::node, pss::handlers) and pss.pc. Tests, the REPL's internal library
# and the fuzzers are never installed. Every path is relative to the prefix,
# so `cmake --install build --prefix DIR` gives a working tree anywhere.
include(CMakePackageConfigHelpers)

set(PSS_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/pss")

install(TARGETS pss pss_handlers pss_node EXPORT pss_targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS pss-node pss-repl pss-bench
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY include/pss DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# The node's public headers under the names a user includes (see app/).
install(FILES app/handlers/handlers.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pss RENAME builtin_handlers.hpp)
install(FILES app/node/node.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pss)

# -- CMake package: find_package(pss 0.2 CONFIG) -----------------------------

install(EXPORT pss_targets NAMESPACE pss:: FILE pssTargets.cmake
  DESTINATION ${PSS_CMAKE_DIR})
configure_package_config_file(tools/cmake/pssConfig.cmake.in
  "${PROJECT_BINARY_DIR}/pssConfig.cmake"
  INSTALL_DESTINATION ${PSS_CMAKE_DIR})
# 0.x: a minor release may break the API, so 0.2 accepts only 0.2.x.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/pssConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
# Debian ships no CMake package for CAF: the config finds it with a copy of
# our own find module, installed next to it.
install(FILES
  "${PROJECT_BINARY_DIR}/pssConfig.cmake"
  "${PROJECT_BINARY_DIR}/pssConfigVersion.cmake"
  tools/cmake/FindCAF.cmake
  DESTINATION ${PSS_CMAKE_DIR})

# -- pkg-config: pss.pc --------------------------------------------------------

# Relocatable: the prefix is found from the .pc file's own directory.
file(RELATIVE_PATH pss_pc_to_prefix
  "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" pss_pc_to_prefix "${pss_pc_to_prefix}")
set(PSS_PC_PREFIX "\${pcfiledir}/${pss_pc_to_prefix}")

# CAF is a public dependency (pss's headers and its users call it), so it is
# always in Libs. libssl, libcrypto and threads are pss's own business: Libs.private
# for a shared libpss, Libs for a static one (which carries no link deps).
set(PSS_PC_CAF_LIBS "-lcaf_io -lcaf_core")
get_filename_component(pss_caf_libdir "${CAF_CORE_LIBRARY}" DIRECTORY)
if(NOT pss_caf_libdir IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  set(PSS_PC_CAF_LIBS "-L${pss_caf_libdir} ${PSS_PC_CAF_LIBS}")
endif()
set(PSS_PC_CFLAGS "-I\${includedir}")
if(NOT CAF_INCLUDE_DIR IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
  string(APPEND PSS_PC_CFLAGS " -I${CAF_INCLUDE_DIR}")
endif()
if(BUILD_SHARED_LIBS)
  set(PSS_PC_LIBS "-L\${libdir} -lpss ${PSS_PC_CAF_LIBS}")
  set(PSS_PC_LIBS_PRIVATE "-lssl -lcrypto -pthread")
else()
  set(PSS_PC_LIBS "-L\${libdir} -lpss ${PSS_PC_CAF_LIBS} -lssl -lcrypto -pthread")
  set(PSS_PC_LIBS_PRIVATE "")
endif()
configure_file(tools/cmake/pss.pc.in "${PROJECT_BINARY_DIR}/pss.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/pss.pc"
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
