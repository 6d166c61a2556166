# cmake --install: burst-tune, libburst, its headers, a CMake package (find_package(Burst) ->
# burst::burst) and a pkg-config file (burst.pc). docs/install.md describes the installed tree.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(BURST_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/Burst CACHE STRING
    "Where BurstConfig.cmake is installed, relative to the prefix")
mark_as_advanced(BURST_INSTALL_CMAKEDIR)

# Installed binaries find libburst.so next to them (bin/../lib), wherever the tree is moved.
file(RELATIVE_PATH _burst_bin_to_lib /${CMAKE_INSTALL_BINDIR} /${CMAKE_INSTALL_LIBDIR})
if(BURST_SHARED AND TARGET burst-tune)
  set_target_properties(burst-tune PROPERTIES INSTALL_RPATH "$ORIGIN/${_burst_bin_to_lib}")
endif()

install(TARGETS burst EXPORT BurstTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/burst DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h" PATTERN "*.inc")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/burst/config.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/burst)
if(TARGET burst-tune)
  install(TARGETS burst-tune RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT BurstTargets NAMESPACE burst:: DESTINATION ${BURST_INSTALL_CMAKEDIR})
if(BURST_NCCL_LIBRARY)
  get_filename_component(BURST_NCCL_LIBRARY_DIR ${BURST_NCCL_LIBRARY} DIRECTORY)
endif()
configure_package_config_file(cmake/BurstConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/BurstConfig.cmake
                              INSTALL_DESTINATION ${BURST_INSTALL_CMAKEDIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/BurstConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/BurstConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/BurstConfigVersion.cmake
        DESTINATION ${BURST_INSTALL_CMAKEDIR})

# burst.pc is relocatable: its prefix is found from the file's own place (${pcfiledir}), so the
# prefix given to `cmake --install --prefix` at install time is the one it names.
file(RELATIVE_PATH _burst_pc_to_prefix /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
set(CMAKE_INSTALL_PREFIX_PC "\${pcfiledir}/${_burst_pc_to_prefix}")
set(BURST_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(BURST_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
# Libs.private (pkg-config --static): what a static libburst.a needs on the link line.
if(CMAKE_DL_LIBS)
  set(BURST_PC_LIBS_PRIVATE "-lpthread -l${CMAKE_DL_LIBS}")
else()
  set(BURST_PC_LIBS_PRIVATE "-lpthread")
endif()
if(NOT BURST_SHARED)
  if(BURST_HAVE_CUDA)
    string(APPEND BURST_PC_LIBS_PRIVATE " -L${CUDAToolkit_LIBRARY_DIR} -lcudart")
    if(BURST_HAVE_CUPTI)
      string(APPEND BURST_PC_LIBS_PRIVATE " -lcupti")
    endif()
  endif()
  if(BURST_HAVE_NCCL)
    string(APPEND BURST_PC_LIBS_PRIVATE " ${BURST_NCCL_LIBRARY}")
  endif()
  if(BURST_HAVE_MPI)
    list(JOIN MPI_C_LIBRARIES " " _burst_mpi_libs)
    string(APPEND BURST_PC_LIBS_PRIVATE " ${_burst_mpi_libs}")
  endif()
endif()
configure_file(cmake/burst.pc.in ${CMAKE_CURRENT_BINARY_DIR}/burst.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/burst.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
