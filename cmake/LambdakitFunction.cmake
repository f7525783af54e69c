# lambdakit_add_function(<target> SOURCES <src>... [RUNTIME <runtime>] [ARCH x86_64|arm64] [DYNAMIC])
# (RUNTIME go1.x: the zip holds the binary as <target>, which is then the function's Handler.
#  RUNTIME python3.X: <target> is a CPython extension module, <target>.abi3.so or
#  <target>.cpython-3XY-....so, and the Handler is <target>.handler; see LambdakitPython.cmake.)
#
# Builds <target> as a Lambda function binary (its main is `return lambdakit::run(handler);`)
# and adds <target>_zip, which makes ${CMAKE_CURRENT_BINARY_DIR}/<target>.zip with
# `lambdakit package`: the deployment zip for RUNTIME (default provided.al2023), checked against
# its glibc.
#
# How it links depends on LAMBDAKIT_STRATEGY, which `lambdakit build --strategy` sets:
#   zig     dynamic against the target's glibc (the zig toolchain links libc++ statically)
#   bundle  dynamic against this machine's glibc; the zip carries those libraries and the loader
#   static  fully static (the default when LAMBDAKIT_STRATEGY is unset, unless DYNAMIC is given:
#           then only libstdc++/libgcc are static)
# LAMBDAKIT_RUNTIME and LAMBDAKIT_ARCH, when set, override RUNTIME and ARCH (`lambdakit build
# --runtime/--arch`). Each function is recorded in ${CMAKE_BINARY_DIR}/lambdakit-functions/ for
# `lambdakit build` to report.
include(${CMAKE_CURRENT_LIST_DIR}/LambdakitPython.cmake)

function(lambdakit_add_function target)
  cmake_parse_arguments(PARSE_ARGV 1 fn "DYNAMIC" "RUNTIME;ARCH" "SOURCES")
  if(NOT fn_SOURCES)
    message(FATAL_ERROR "lambdakit_add_function(${target}): SOURCES is required")
  endif()
  if(LAMBDAKIT_RUNTIME)
    set(fn_RUNTIME ${LAMBDAKIT_RUNTIME})
  elseif(NOT fn_RUNTIME)
    set(fn_RUNTIME provided.al2023)
  endif()
  if(LAMBDAKIT_ARCH)
    set(fn_ARCH ${LAMBDAKIT_ARCH})
  elseif(NOT fn_ARCH)
    set(fn_ARCH x86_64)
  endif()
  if(LAMBDAKIT_STRATEGY)
    set(strategy ${LAMBDAKIT_STRATEGY})
  elseif(fn_DYNAMIC)
    set(strategy dynamic)
  else()
    set(strategy static)
  endif()

  set(package_flags)
  if(fn_RUNTIME MATCHES "^python(3\\.[0-9]+)$")
    # A module is a shared object: the strategy's libc choice (zig's glibc target or this
    # machine's) applies, and libstdc++ is static; there is no static or bundled module.
    lambdakit_add_python_module(${target} PYTHON ${CMAKE_MATCH_1} ARCH ${fn_ARCH} SOURCES ${fn_SOURCES})
  else()
    add_executable(${target} ${fn_SOURCES})
    target_link_libraries(${target} PRIVATE lambdakit::lambdakit)
    target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
    target_link_options(${target} PRIVATE -Wl,--gc-sections $<$<CONFIG:Release,MinSizeRel>:-s>)
  endif()
  if(fn_RUNTIME MATCHES "^python3")
    # (linked as lambdakit_add_python_module says)
  elseif(strategy STREQUAL "static")
    target_link_options(${target} PRIVATE -static)
  elseif(strategy STREQUAL "dynamic")
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
  elseif(strategy STREQUAL "bundle")
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
    set(package_flags --bundle-libraries)
  elseif(NOT strategy STREQUAL "zig")
    message(FATAL_ERROR "LAMBDAKIT_STRATEGY is \"${strategy}\": use zig, bundle or static")
  endif()

  if(TARGET lambdakit_cli)
    set(packager $<TARGET_FILE:lambdakit_cli>)
  elseif(LAMBDAKIT_CLI)
    set(packager ${LAMBDAKIT_CLI})
  else()
    find_program(packager_path lambdakit HINTS ${LAMBDAKIT_BIN_DIR})
    set(packager ${packager_path})
  endif()
  set(zip ${CMAKE_CURRENT_BINARY_DIR}/${target}.zip)
  if(packager)
    add_custom_command(
      OUTPUT ${zip}
      COMMAND ${packager} package $<TARGET_FILE:${target}> --runtime ${fn_RUNTIME} --arch ${fn_ARCH}
              ${package_flags} --output ${zip}
      DEPENDS ${target}
      COMMENT "lambdakit package ${target} for ${fn_RUNTIME} (${fn_ARCH})"
      VERBATIM)
    add_custom_target(${target}_zip ALL DEPENDS ${zip})
  else()
    message(WARNING "lambdakit_add_function(${target}): no lambdakit CLI found, so no ${target}_zip target")
    set(zip "")
  endif()
  # One record per configuration under multi-config generators (their contents differ).
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(multi_config)
    set(record ${CMAKE_BINARY_DIR}/lambdakit-functions/$<CONFIG>/${target})
  else()
    set(record ${CMAKE_BINARY_DIR}/lambdakit-functions/${target})
  endif()
  file(GENERATE OUTPUT ${record}
       CONTENT "binary=$<TARGET_FILE:${target}>\nzip=${zip}\nruntime=${fn_RUNTIME}\narch=${fn_ARCH}\nstrategy=${strategy}\n")
endfunction()
