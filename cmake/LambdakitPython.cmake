# lambdakit_add_python_module(<target> PYTHON <3.X> SOURCES <src>... [MODULE <name>] [ARCH x86_64|arm64])
#
# Builds the function's sources into a CPython extension module: <name>.abi3.so (Python 3.12 and
# later: one build against the stable ABI of 3.12 serves 3.12, 3.13, 3.14) or
# <name>.cpython-3XY-<arch>-linux-gnu.so (3.10, 3.11). The module never links libpython (symbols
# bind at import, as in manylinux wheels), keeps libstdc++ and libgcc static (zig's libc++ is
# static anyway) and exports only PyInit_<name>. <name> (default <target>) is the module name:
# the function's Handler is then <name>.handler. The sources are the function's unchanged: its
# main() runs at import and hands its handler over (src/python/module.cc, docs/python.md).
#
# Needs the Python headers of that version and nanobind (pip install nanobind==3.1.0). Found:
#   LAMBDAKIT_PYTHON_INCLUDE_3.X  a folder with Python.h; else pyenv's versions/3.X.*, python3.X
#                                 on PATH (sysconfig), /usr/include/python3.X
#   LAMBDAKIT_NANOBIND_DIR        nanobind's package folder; else `python3 -m nanobind --cmake_dir`
set(LAMBDAKIT_NANOBIND_VERSION 3.1.0)

function(_lambdakit_python_include version out)
  set(var LAMBDAKIT_PYTHON_INCLUDE_${version})
  if(${var})
    set(${out} ${${var}} PARENT_SCOPE)
    return()
  endif()
  set(candidates)
  foreach(root "$ENV{PYENV_ROOT}" "$ENV{HOME}/.pyenv")
    if(root)
      file(GLOB found LIST_DIRECTORIES true "${root}/versions/${version}.*/include/python${version}")
      list(APPEND candidates ${found})
    endif()
  endforeach()
  find_program(_lambdakit_python_${version} python${version})
  if(_lambdakit_python_${version})
    execute_process(COMMAND ${_lambdakit_python_${version}} -c
                            "import sysconfig; print(sysconfig.get_paths()['include'])"
                    OUTPUT_VARIABLE inc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0)
      list(APPEND candidates ${inc})
    endif()
  endif()
  list(APPEND candidates /usr/include/python${version} /usr/local/include/python${version})
  foreach(dir ${candidates})
    if(EXISTS "${dir}/Python.h")
      set(${var} ${dir} CACHE PATH "Python ${version} headers (Python.h) for lambdakit's modules")
      set(${out} ${dir} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set(${out} "" PARENT_SCOPE)
endfunction()

function(_lambdakit_nanobind_dir out)
  if(LAMBDAKIT_NANOBIND_DIR)
    set(${out} ${LAMBDAKIT_NANOBIND_DIR} PARENT_SCOPE)
    return()
  endif()
  find_program(_lambdakit_python3 NAMES python3 python)
  if(_lambdakit_python3)
    execute_process(COMMAND ${_lambdakit_python3} -m nanobind --cmake_dir
                    OUTPUT_VARIABLE dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
    if(rc EQUAL 0 AND EXISTS "${dir}/../include/nanobind/nanobind.h")
      get_filename_component(dir "${dir}/.." ABSOLUTE)
      set(LAMBDAKIT_NANOBIND_DIR ${dir} CACHE PATH "nanobind's package folder")
      set(${out} ${dir} PARENT_SCOPE)
      return()
    endif()
  endif()
  set(${out} "" PARENT_SCOPE)
endfunction()

# True when modules for `version` can be built here (headers and nanobind found).
function(lambdakit_python_available version out)
  _lambdakit_python_include(${version} inc)
  _lambdakit_nanobind_dir(nb)
  if(inc AND nb)
    set(${out} ON PARENT_SCOPE)
  else()
    set(${out} OFF PARENT_SCOPE)
  endif()
endfunction()

# The libraries every module of one ABI shares: nanobind's (static) and lambdakit's glue.
function(_lambdakit_python_libraries abi header_version abi3 out_nb out_glue)
  set(nb_target lambdakit_nanobind_${abi})
  set(glue_target lambdakit_python_${abi})
  set(${out_nb} ${nb_target} PARENT_SCOPE)
  set(${out_glue} ${glue_target} PARENT_SCOPE)
  if(TARGET ${glue_target})
    return()
  endif()
  _lambdakit_python_include(${header_version} inc)
  _lambdakit_nanobind_dir(nb)
  if(NOT inc)
    message(FATAL_ERROR "lambdakit: no Python ${header_version} headers (Python.h) found for a "
      "python${header_version} module: install that Python with its headers (pyenv install "
      "${header_version}, or Debian's python${header_version}-dev), or set "
      "LAMBDAKIT_PYTHON_INCLUDE_${header_version} to the folder holding Python.h")
  endif()
  if(NOT nb)
    message(FATAL_ERROR "lambdakit: nanobind not found for a Python module: "
      "python3 -m pip install nanobind==${LAMBDAKIT_NANOBIND_VERSION}, or set "
      "LAMBDAKIT_NANOBIND_DIR to nanobind's package folder")
  endif()
  set(sources)
  foreach(f nb_internals nb_func nb_type nb_enum nb_ndarray nb_static_property nb_datetime
            common error trampoline implicit)
    list(APPEND sources ${nb}/src/${f}.cpp)
  endforeach()
  add_library(${nb_target} STATIC ${sources})
  target_include_directories(${nb_target} SYSTEM PUBLIC ${inc} ${nb}/include
                             PRIVATE ${nb}/ext/robin_map/include)
  target_compile_definitions(${nb_target} PRIVATE NB_BUILD NB_COMPACT_ASSERTIONS)
  if(abi3)
    target_compile_definitions(${nb_target} PUBLIC Py_LIMITED_API=0x030C0000)
  endif()
  target_compile_options(${nb_target} PRIVATE -fno-strict-aliasing -ffunction-sections -fdata-sections)
  # nanobind's headers use stderr without <cstdio>, which libc++ (zig's) does not pull in for them.
  target_compile_options(${nb_target} PUBLIC -include cstdio)
  target_compile_features(${nb_target} PUBLIC cxx_std_17)
  set_target_properties(${nb_target} PROPERTIES POSITION_INDEPENDENT_CODE ON
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON CXX_CLANG_TIDY "")

  set(src ${LAMBDAKIT_SOURCE_ROOT}/src)
  add_library(${glue_target} STATIC ${src}/python/context.cc ${src}/python/errors.cc
              ${src}/python/from_json.cc ${src}/python/module.cc ${src}/python/to_json.cc)
  target_include_directories(${glue_target} PUBLIC ${src})
  target_link_libraries(${glue_target} PUBLIC ${nb_target} lambdakit::lambdakit lambdakit::wire)
  target_compile_options(${glue_target} PRIVATE -ffunction-sections -fdata-sections)
  set_target_properties(${glue_target} PROPERTIES POSITION_INDEPENDENT_CODE ON
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(COMMAND lambdakit_warnings AND lambdakit_top)
    lambdakit_warnings(${glue_target})
  endif()
endfunction()

function(lambdakit_add_python_module target)
  cmake_parse_arguments(PARSE_ARGV 1 py "" "PYTHON;MODULE;ARCH" "SOURCES")
  if(NOT py_MODULE)
    set(py_MODULE ${target})
  endif()
  if(NOT py_ARCH)
    set(py_ARCH x86_64)
  endif()
  if(NOT py_MODULE MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "lambdakit_add_python_module(${target}): the module name \"${py_MODULE}\" "
      "must be a Python identifier (letters, digits, _), since the Handler is <name>.handler")
  endif()
  if(NOT py_PYTHON MATCHES "^3\\.([0-9]+)$")
    message(FATAL_ERROR "lambdakit_add_python_module(${target}): PYTHON must be 3.X, not \"${py_PYTHON}\"")
  endif()
  set(minor ${CMAKE_MATCH_1})
  if(minor LESS 10)
    message(FATAL_ERROR "lambdakit_add_python_module(${target}): python${py_PYTHON} is too old "
      "for nanobind ${LAMBDAKIT_NANOBIND_VERSION} (3.10 or later)")
  endif()
  if(py_ARCH STREQUAL "arm64")
    set(triplet aarch64-linux-gnu)
  else()
    set(triplet x86_64-linux-gnu)
  endif()
  if(minor GREATER_EQUAL 12)
    set(abi abi3)
    set(header_version 3.12)  # the oldest the stable-ABI module serves
    set(suffix ".abi3.so")
    set(abi3 ON)
  else()
    set(abi cp3${minor})
    set(header_version ${py_PYTHON})
    set(suffix ".cpython-3${minor}-${triplet}.so")
    set(abi3 OFF)
  endif()
  _lambdakit_python_libraries(${abi} ${header_version} ${abi3} nb_lib glue_lib)

  add_library(${target} MODULE ${py_SOURCES} ${LAMBDAKIT_SOURCE_ROOT}/src/python/module_entry.cc)
  target_link_libraries(${target} PRIVATE ${glue_lib} lambdakit::lambdakit)
  target_compile_definitions(${target} PRIVATE LAMBDAKIT_PYTHON_MODULE_NAME=${py_MODULE})
  target_compile_options(${target} PRIVATE -ffunction-sections -fdata-sections)
  set(exports ${CMAKE_CURRENT_BINARY_DIR}/${target}.exports)
  file(CONFIGURE OUTPUT ${exports} CONTENT "{ global: PyInit_${py_MODULE}; local: *; };\n")
  target_link_options(${target} PRIVATE -Wl,--version-script=${exports} -Wl,--gc-sections
                      -static-libgcc $<$<CONFIG:Release,MinSizeRel>:-s>)
  if(NOT LAMBDAKIT_STRATEGY STREQUAL "zig")
    target_link_options(${target} PRIVATE -static-libstdc++)
  endif()
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX ${suffix} OUTPUT_NAME ${py_MODULE}
                        POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden
                        VISIBILITY_INLINES_HIDDEN ON LINK_DEPENDS ${exports})
endfunction()
