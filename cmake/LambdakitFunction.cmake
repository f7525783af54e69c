# lambdakit_add_function(<target> SOURCES <src>... [RUNTIME <runtime>] [ARCH x86_64|arm64] [DYNAMIC])
#
# Builds <target> as a Lambda function binary (its main is `return lambdakit::run(handler);`),
# linked fully static unless DYNAMIC (then only libstdc++/libgcc are static), and adds
# <target>_zip, which makes ${CMAKE_CURRENT_BINARY_DIR}/<target>.zip with `lambdakit package`:
# the deployment zip for RUNTIME (default provided.al2023), checked against its glibc.
function(lambdakit_add_function target)
  cmake_parse_arguments(PARSE_ARGV 1 fn "DYNAMIC" "RUNTIME;ARCH" "SOURCES")
  if(NOT fn_SOURCES)
    message(FATAL_ERROR "lambdakit_add_function(${target}): SOURCES is required")
  endif()
  if(NOT fn_RUNTIME)
    set(fn_RUNTIME provided.al2023)
  endif()
  if(NOT fn_ARCH)
    set(fn_ARCH x86_64)
  endif()
  add_executable(${target} ${fn_SOURCES})
  target_link_libraries(${target} PRIVATE lambdakit::lambdakit)
  target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
  if(fn_DYNAMIC)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--gc-sections)
  else()
    target_link_options(${target} PRIVATE -static -Wl,--gc-sections)
  endif()
  if(TARGET lambdakit_cli)
    set(packager $<TARGET_FILE:lambdakit_cli>)
  elseif(LAMBDAKIT_CLI)
    set(packager ${LAMBDAKIT_CLI})
  else()
    find_program(packager_path lambdakit HINTS ${LAMBDAKIT_BIN_DIR})
    set(packager ${packager_path})
  endif()
  if(packager)
    add_custom_command(
      OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/${target}.zip
      COMMAND ${packager} package $<TARGET_FILE:${target}> --runtime ${fn_RUNTIME} --arch ${fn_ARCH}
              --output ${CMAKE_CURRENT_BINARY_DIR}/${target}.zip
      DEPENDS ${target}
      COMMENT "lambdakit package ${target} for ${fn_RUNTIME} (${fn_ARCH})"
      VERBATIM)
    add_custom_target(${target}_zip ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/${target}.zip)
  else()
    message(WARNING "lambdakit_add_function(${target}): no lambdakit CLI found, so no ${target}_zip target")
  endif()
endfunction()
