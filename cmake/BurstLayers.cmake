# The layers of the source tree, declared by each folder and checked at configure time
# (docs/architecture.md, "What each folder owns and may use").
#
#   burst_layer(<folder> [OBJECT] [USES <layer>...])
#
# declares, in <folder>/CMakeLists.txt, that the folder is one layer and which layers its sources
# and headers may include. A layer may use what the layers it uses may use (the check follows the
# USES edges). OBJECT: the folder is part of libburst; its sources go into an OBJECT library
# burst_<folder> that gets the usage requirements of burst_base and of the burst_<layer> libraries
# it uses, and whose objects are folded into the one installed library `burst`. Without OBJECT the
# folder builds its own target (burst_db, burst_tuner, burst-tune) and links what it needs.
#
# Every source includes headers relative to the project root ("kernels/registry.hpp",
# "burst/types.hpp"), so include paths cannot stop a back edge. burst_check_layers(), called once
# after every folder is declared, reads the #include "..." lines of every source and header of each
# declared folder, and of the include/burst headers that BURST_PUBLIC_HEADERS_<layer> below gives
# each layer, and stops the configure with one line per include the folder may not use:
#   kernels/registry.cpp includes "tuner/space.hpp": kernels may use only base
# An include belongs to the folder of the file it names (found next to the including file, else
# under the source root) or, for "burst/<name>", to the layer the table gives <name>. Folders that
# are not declared layers (tests/, bench/, examples/, or db/ when tools are not built) may be used
# by no layer.
#
# burst_fold_layers(), also called once after every folder: libburst links what the OBJECT layers
# link (CUDA runtime, CUPTI, NCCL, MPI, ...), so a static libburst.a exports those link dependencies
# as before. A build-time-only dependency of a layer (header-only) is linked as
# $<BUILD_INTERFACE:...>.
include_guard(GLOBAL)

# Public headers, include/burst/<name>, by layer. A header named in no list counts as runtime's
# (the configure says so): add new headers here.
set(BURST_PUBLIC_HEADERS_base types.hpp error.hpp log.hpp config.hpp cuda_check.hpp params.hpp schedule.hpp
    mask.hpp mask_keys.inc)
set(BURST_PUBLIC_HEADERS_comm communicator.hpp launch.hpp)
set(BURST_PUBLIC_HEADERS_profiles profile.hpp fingerprint.hpp)
set(BURST_PUBLIC_HEADERS_runtime attention.hpp shard.hpp burst.h system.hpp)
set(BURST_PUBLIC_HEADER_LAYERS base comm profiles runtime)

# Temporarily allowed edges, "<file>|<included header>", each with the reason. Empty is the goal;
# the configure says when an entry is no longer needed.
set(BURST_LAYER_ALLOWED_EDGES)

set(BURST_LAYER_SOURCE_GLOBS *.cpp *.cc *.c *.hpp *.h *.cu *.cuh *.inl)

function(burst_layer name)
  cmake_parse_arguments(L "OBJECT" "" "USES" ${ARGN})
  if(L_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "burst_layer(${name}): unexpected arguments ${L_UNPARSED_ARGUMENTS}")
  endif()
  file(RELATIVE_PATH _dir ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  if(NOT _dir STREQUAL name)
    message(FATAL_ERROR "burst_layer(${name}) is declared in ${_dir}/CMakeLists.txt: a layer is a top-level folder and declares itself")
  endif()
  get_property(_layers GLOBAL PROPERTY BURST_LAYERS)
  if(name IN_LIST _layers)
    message(FATAL_ERROR "burst_layer(${name}) is declared twice")
  endif()
  foreach(_u IN LISTS L_USES)
    if(NOT _u IN_LIST _layers)
      message(FATAL_ERROR "burst_layer(${name} USES ${_u}): ${_u} is not declared before ${name} (add_subdirectory order in CMakeLists.txt)")
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY BURST_LAYERS ${name})
  set_property(GLOBAL PROPERTY BURST_LAYER_${name}_USES ${L_USES})

  if(L_OBJECT)
    if(NOT TARGET burst)
      message(FATAL_ERROR "burst_layer(${name} OBJECT): the libburst target `burst` must exist first")
    endif()
    add_library(burst_${name} OBJECT)
    if(NOT name STREQUAL "base")
      target_link_libraries(burst_${name} PUBLIC burst_base)
    endif()
    foreach(_u IN LISTS L_USES)
      if(NOT _u STREQUAL "base")
        if(NOT TARGET burst_${_u})
          message(FATAL_ERROR "burst_layer(${name} OBJECT USES ${_u}): ${_u} is not part of libburst")
        endif()
        target_link_libraries(burst_${name} PUBLIC burst_${_u})
      endif()
    endforeach()
    burst_set_warnings(burst_${name})
    target_sources(burst PRIVATE $<TARGET_OBJECTS:burst_${name}>)
    set_property(GLOBAL APPEND PROPERTY BURST_OBJECT_LAYERS ${name})
  endif()
endfunction()

# libburst links what its OBJECT layers link (their LINK_LIBRARIES, less the layers themselves).
function(burst_fold_layers)
  get_property(_object_layers GLOBAL PROPERTY BURST_OBJECT_LAYERS)
  foreach(_l IN LISTS _object_layers)
    get_target_property(_libs burst_${_l} LINK_LIBRARIES)
    if(NOT _libs)
      continue()
    endif()
    foreach(_lib IN LISTS _libs)
      if(TARGET ${_lib})
        get_target_property(_type ${_lib} TYPE)
        if(_type STREQUAL "OBJECT_LIBRARY")
          continue()
        endif()
      endif()
      target_link_libraries(burst PRIVATE ${_lib})
    endforeach()
  endforeach()
endfunction()

# The layer of a public header name (include/burst/<name>); unknown names are runtime's.
function(_burst_public_header_layer name out)
  string(REGEX REPLACE "\\.in$" "" name "${name}")
  foreach(_l IN LISTS BURST_PUBLIC_HEADER_LAYERS)
    if(name IN_LIST BURST_PUBLIC_HEADERS_${_l})
      set(${out} ${_l} PARENT_SCOPE)
      return()
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY BURST_UNASSIGNED_HEADERS ${name})
  set(${out} runtime PARENT_SCOPE)
endfunction()

# The layer (or undeclared top-level folder) an include of `file` (relative to the root) names;
# empty when it names nothing in the source tree (a system or third-party header).
function(_burst_include_layer file include out)
  set(_root ${PROJECT_SOURCE_DIR})
  set(${out} "" PARENT_SCOPE)
  if(include MATCHES "^burst/(.+)$")
    _burst_public_header_layer("${CMAKE_MATCH_1}" _layer)
    set(${out} ${_layer} PARENT_SCOPE)
    return()
  endif()
  get_filename_component(_dir ${_root}/${file} DIRECTORY)
  set(_path "")
  if(EXISTS ${_dir}/${include} AND NOT IS_DIRECTORY ${_dir}/${include})
    get_filename_component(_abs ${_dir}/${include} ABSOLUTE)
    file(RELATIVE_PATH _path ${_root} ${_abs})
  elseif(include MATCHES "/" AND NOT include MATCHES "^\\.")
    set(_path ${include})
  endif()
  if(_path MATCHES "^include/burst/(.+)$")
    _burst_public_header_layer("${CMAKE_MATCH_1}" _layer)
    set(${out} ${_layer} PARENT_SCOPE)
  elseif(_path MATCHES "^([^/.][^/]*)/" AND IS_DIRECTORY ${_root}/${CMAKE_MATCH_1})
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  endif()
endfunction()

# Every layer `layer` may use, itself included (the closure of its USES edges).
function(_burst_layer_closure layer out)
  set(_seen ${layer})
  set(_pending ${layer})
  while(_pending)
    list(POP_FRONT _pending _l)
    get_property(_uses GLOBAL PROPERTY BURST_LAYER_${_l}_USES)
    foreach(_u IN LISTS _uses)
      if(_u STREQUAL layer)
        message(FATAL_ERROR "burst_layer: ${layer} reaches itself through USES (a cycle)")
      endif()
      if(NOT _u IN_LIST _seen)
        list(APPEND _seen ${_u})
        list(APPEND _pending ${_u})
      endif()
    endforeach()
  endwhile()
  set(${out} ${_seen} PARENT_SCOPE)
endfunction()

function(burst_check_layers)
  set(_root ${PROJECT_SOURCE_DIR})
  get_property(_layers GLOBAL PROPERTY BURST_LAYERS)
  set_property(GLOBAL PROPERTY BURST_UNASSIGNED_HEADERS)

  # The files of each layer: its folder, and its public headers.
  foreach(_l IN LISTS _layers)
    set(_globs)
    foreach(_g IN LISTS BURST_LAYER_SOURCE_GLOBS)
      list(APPEND _globs ${_root}/${_l}/${_g})
    endforeach()
    file(GLOB_RECURSE _files_${_l} RELATIVE ${_root} ${_globs})
  endforeach()
  file(GLOB _public RELATIVE ${_root} ${_root}/include/burst/*.hpp ${_root}/include/burst/*.h
       ${_root}/include/burst/*.hpp.in)
  foreach(_f IN LISTS _public)
    get_filename_component(_name ${_f} NAME)
    _burst_public_header_layer(${_name} _l)
    if(_l IN_LIST _layers)
      list(APPEND _files_${_l} ${_f})
    endif()
  endforeach()

  set(_violations)
  set(_allowed_seen)
  foreach(_l IN LISTS _layers)
    _burst_layer_closure(${_l} _may)
    list(REMOVE_ITEM _may ${_l})
    if(_may)
      list(JOIN _may ", " _may_text)
      set(_may_text "${_l} may use only ${_may_text}")
    else()
      set(_may_text "${_l} may use no other layer")
    endif()
    foreach(_f IN LISTS _files_${_l})
      file(STRINGS ${_root}/${_f} _lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
      foreach(_line IN LISTS _lines)
        if(NOT _line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
          continue()
        endif()
        set(_inc ${CMAKE_MATCH_1})
        _burst_include_layer(${_f} ${_inc} _target)
        if(NOT _target OR _target STREQUAL _l OR _target IN_LIST _may)
          continue()
        endif()
        if("${_f}|${_inc}" IN_LIST BURST_LAYER_ALLOWED_EDGES)
          list(APPEND _allowed_seen "${_f}|${_inc}")
          continue()
        endif()
        list(APPEND _violations " ${_f} includes \"${_inc}\": ${_may_text}")
      endforeach()
    endforeach()
  endforeach()

  get_property(_unassigned GLOBAL PROPERTY BURST_UNASSIGNED_HEADERS)
  if(_unassigned)
    list(REMOVE_DUPLICATES _unassigned)
    list(JOIN _unassigned ", " _unassigned)
    message(AUTHOR_WARNING "burst layers: include/burst/{${_unassigned}} not in cmake/BurstLayers.cmake's header table; counted as runtime's")
  endif()
  foreach(_edge IN LISTS BURST_LAYER_ALLOWED_EDGES)
    if(NOT _edge IN_LIST _allowed_seen)
      message(AUTHOR_WARNING "burst layers: allowed edge ${_edge} is gone; remove it from BURST_LAYER_ALLOWED_EDGES")
    endif()
  endforeach()
  if(_violations)
    list(LENGTH _violations _n)
    list(JOIN _violations "\n" _text)
    message(FATAL_ERROR "${_n} include(s) against the layers declared with burst_layer() (cmake/BurstLayers.cmake):\n${_text}")
  endif()
  list(JOIN _layers " " _layers_text)
  message(STATUS "burst: layers checked: ${_layers_text}")
endfunction()
