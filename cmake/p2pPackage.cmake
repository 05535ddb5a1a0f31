# The installed package: `cmake --install build --prefix P` puts the layer headers under
# P/include/p2p/<layer>/, the libraries, the `p2p` executable, the plotting scripts under
# P/share/p2p/plot/, and p2pConfig.cmake with its version file, so another project can
# `find_package(p2p)` and link `p2p::sim`, `p2p::cli`, ... Included by the top-level CMakeLists
# once every layer's target exists.
include(CMakePackageConfigHelpers)

# The layer libraries, exported as p2p::<name>. Each layer's CMakeLists defines the same name as
# an ALIAS, so a target links `p2p::sim` the same way in the tree and from an installed package.
set(_p2p_libraries "")
foreach(lib protocol identity codec analysis sim experiment campaign_mpi shard_mpi transport cli)
  if(TARGET ${lib})
    list(APPEND _p2p_libraries ${lib})
    # The headers are C++20: a user's target gets the standard with the library.
    target_compile_features(${lib} PUBLIC cxx_std_20)
    # Installed beside other projects' libraries: libp2p_sim.a, not libsim.a.
    set_target_properties(${lib} PROPERTIES OUTPUT_NAME p2p_${lib})
  endif()
endforeach()
install(TARGETS ${_p2p_libraries} EXPORT p2pTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS p2p RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Headers keep their layer folder, so their own "protocol/x.hpp" includes resolve from
# include/p2p/ and a user writes <p2p/protocol/x.hpp> from include/.
foreach(layer protocol analysis sim experiment transport)
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/${layer})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/${layer}/
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/p2p/${layer}
            FILES_MATCHING PATTERN "*.hpp")
  endif()
endforeach()
# Of the command line, only the one call that runs it is public.
install(FILES ${PROJECT_SOURCE_DIR}/runner/cli.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/p2p/runner)

# `p2p plot` runs these; the installed executable finds them at ../share/p2p/plot.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/plot/ DESTINATION ${CMAKE_INSTALL_DATADIR}/p2p/plot
        USE_SOURCE_PERMISSIONS
        PATTERN "__pycache__" EXCLUDE
        PATTERN "*.pyc" EXCLUDE)

# What p2pConfig.cmake finds again: the packages whose targets the exported libraries link (a
# static library's private links included, as its users link them too); header-only ones used
# only inside our sources are linked as $<BUILD_INTERFACE:...> and need nothing.
set(_p2p_known_dependencies
    "Threads::=Threads" "Boost::=Boost ${P2P_BOOST_MIN_VERSION}" "cereal::=cereal"
    "tomlplusplus::=tomlplusplus" "CLI11::=CLI11" "MPI::=MPI COMPONENTS CXX" "Eigen3::=Eigen3 NO_MODULE" "Spectra::=Spectra")
set(_p2p_linked "")
foreach(lib IN LISTS _p2p_libraries)
  get_target_property(_links ${lib} INTERFACE_LINK_LIBRARIES)
  if(_links)
    string(REGEX REPLACE "\\$<BUILD_INTERFACE:[^>]*>" "" _links "${_links}")
    string(REGEX MATCHALL "[A-Za-z0-9_]+::" _namespaces "${_links}")
    list(APPEND _p2p_linked ${_namespaces})
  endif()
endforeach()
list(REMOVE_DUPLICATES _p2p_linked)
set(P2P_FIND_DEPENDENCIES "")
foreach(entry IN LISTS _p2p_known_dependencies)
  string(REPLACE "=" ";" entry "${entry}")
  list(GET entry 0 _namespace)
  list(GET entry 1 _find)
  if(_namespace IN_LIST _p2p_linked)
    string(APPEND P2P_FIND_DEPENDENCIES "find_dependency(${_find})\n")
    list(REMOVE_ITEM _p2p_linked ${_namespace})
  endif()
endforeach()
if(_p2p_linked)
  message(FATAL_ERROR "The installed p2p libraries link ${_p2p_linked} targets: say in "
                      "cmake/p2pPackage.cmake which package p2pConfig.cmake finds them in")
endif()

set(_p2p_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/p2p)
install(EXPORT p2pTargets NAMESPACE p2p:: DESTINATION ${_p2p_cmake_dir})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/p2pConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/p2pConfig.cmake
                              INSTALL_DESTINATION ${_p2p_cmake_dir})
# Before 1.0 a minor release may change the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/p2pConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/p2pConfig.cmake ${PROJECT_BINARY_DIR}/p2pConfigVersion.cmake
        DESTINATION ${_p2p_cmake_dir})
