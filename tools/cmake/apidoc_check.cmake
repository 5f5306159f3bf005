# Run by the `docs` target after Doxygen (apidoc.cmake):
#   cmake -DINPUT=PATH|PATH... -DHTML=DIR -P apidoc_check.cmake
# Doxygen 1.9.4 warns about an undocumented declaration only inside a
# documented namespace: a namespace without a `///` comment drops out of the
# reference with everything in it, silently. This fails when a namespace of
# the public headers (detail ones aside) has no page in HTML.
string(REPLACE "|" ";" inputs "${INPUT}")
set(headers)
foreach(input IN LISTS inputs)
  if(IS_DIRECTORY "${input}")
    file(GLOB found "${input}/*.hpp")
    list(APPEND headers ${found})
  elseif(input MATCHES "\\.hpp$")
    list(APPEND headers "${input}")
  endif()
endforeach()

set(missing 0)
foreach(header IN LISTS headers)
  file(STRINGS "${header}" lines REGEX "^namespace [A-Za-z0-9_:]+ {")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^namespace ([A-Za-z0-9_:]+) {.*" "\\1" name "${line}")
    if(name MATCHES "(^|::)detail$")
      continue()
    endif()
    # Doxygen's file names: `_` doubled, `::` as `_1_1`.
    string(REPLACE "_" "__" page "${name}")
    string(REPLACE "::" "_1_1" page "${page}")
    if(NOT EXISTS "${HTML}/namespace${page}.html")
      message("${header}: namespace ${name} is not documented: give it a "
              "/// comment, or Doxygen leaves it and its members out "
              "without a warning")
      set(missing 1)
    endif()
  endforeach()
endforeach()
if(missing)
  message(FATAL_ERROR "apidoc: undocumented namespaces")
endif()
