# The API reference: `cmake --build build --target docs` runs Doxygen over
# the public headers' `///` comments into build/docs/html (settings and why
# in Doxyfile.in). Every warning, an undocumented public declaration above
# all, fails the target; so does a public namespace without a comment
# (apidoc_check.cmake). Without doxygen the target still exists and says
# how to get it.
find_package(Doxygen QUIET)

set(PSS_DOCS_DIR "${PROJECT_BINARY_DIR}/docs")
# Everything a user can include: include/pss/ and the node's two public
# headers, installed as pss/node.hpp and pss/builtin_handlers.hpp (see
# install.cmake); the first page is docs/apidoc.md.
set(PSS_DOCS_INPUT
  "${PROJECT_SOURCE_DIR}/docs/apidoc.md"
  "${PROJECT_SOURCE_DIR}/include/pss"
  "${PROJECT_SOURCE_DIR}/app/node/node.hpp"
  "${PROJECT_SOURCE_DIR}/app/handlers/handlers.hpp")

if(DOXYGEN_FOUND)
  list(JOIN PSS_DOCS_INPUT "\" \\\n                         \"" pss_docs_input)
  set(PSS_DOCS_INPUT_LINES "\"${pss_docs_input}\"")
  configure_file(tools/cmake/Doxyfile.in "${PSS_DOCS_DIR}/Doxyfile" @ONLY)
  string(REPLACE ";" "|" pss_docs_input "${PSS_DOCS_INPUT}")
  # The old pages go first: a page that is no longer made must not linger
  # and pass the namespace check.
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E rm -rf "${PSS_DOCS_DIR}/html"
    COMMAND Doxygen::doxygen "${PSS_DOCS_DIR}/Doxyfile"
    COMMAND ${CMAKE_COMMAND} "-DINPUT=${pss_docs_input}"
      "-DHTML=${PSS_DOCS_DIR}/html"
      -P "${PROJECT_SOURCE_DIR}/tools/cmake/apidoc_check.cmake"
    COMMAND ${CMAKE_COMMAND} -E echo "docs: ${PSS_DOCS_DIR}/html/index.html"
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    COMMENT "Generating the API reference with Doxygen"
    VERBATIM)
else()
  add_custom_target(docs
    COMMAND ${CMAKE_COMMAND} -E echo
      "docs: doxygen not found: run tools/setup.sh (it installs doxygen), then configure again (cmake ${PROJECT_BINARY_DIR})"
    COMMAND ${CMAKE_COMMAND} -E false
    VERBATIM)
endif()
