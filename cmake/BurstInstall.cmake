# cmake --install: burst-tune, libburst, its headers, a CMake package (find_package(Burst) ->
# burst::burst) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS burst EXPORT BurstTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/burst DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/generated/burst/config.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/burst)
if(TARGET burst-tune)
  install(TARGETS burst-tune RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT BurstTargets NAMESPACE burst:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Burst)
configure_package_config_file(cmake/BurstConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/BurstConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Burst)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/BurstConfigVersion.cmake
                                 COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/BurstConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/BurstConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/Burst)

configure_file(cmake/burst.pc.in ${CMAKE_CURRENT_BINARY_DIR}/burst.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/burst.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
