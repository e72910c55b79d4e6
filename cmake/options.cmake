# Compiler warnings and sanitizer switches, carried by the INTERFACE target
# aftershock_options that every target in the project links.
option(AFTERSHOCK_WERROR "Treat compiler warnings as errors (on in CI)" OFF)
set(AFTERSHOCK_SANITIZE "" CACHE STRING "Sanitizers: empty, 'address,undefined' or 'thread'")

add_library(aftershock_options INTERFACE)
target_compile_options(aftershock_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough)
if(AFTERSHOCK_WERROR)
  target_compile_options(aftershock_options INTERFACE -Werror)
endif()

if(AFTERSHOCK_SANITIZE)
  if(NOT AFTERSHOCK_SANITIZE MATCHES "^(address,undefined|undefined,address|address|undefined|thread)$")
    message(FATAL_ERROR "AFTERSHOCK_SANITIZE must be 'address,undefined' or 'thread', got '${AFTERSHOCK_SANITIZE}'")
  endif()
  target_compile_options(aftershock_options INTERFACE
    -fsanitize=${AFTERSHOCK_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(aftershock_options INTERFACE -fsanitize=${AFTERSHOCK_SANITIZE})
endif()
