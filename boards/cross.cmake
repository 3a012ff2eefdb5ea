# cross.cmake - shared body of every cross board's toolchain file.
#
# The board file sets PDB_BOARD, PDB_TRIPLET, PDB_PROCESSOR, PDB_CPU_FLAGS
# (tuning for our code only: the pinned dependencies are built once per
# triplet), PDB_QEMU and PDB_QEMU_CPU, then includes this. Cross-built test
# programs are static, so ctest runs them through qemu-user with no sysroot.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${PDB_PROCESSOR})
set(CMAKE_C_COMPILER ${PDB_TRIPLET}-gcc)
set(CMAKE_AR ${PDB_TRIPLET}-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${PDB_TRIPLET}-ranlib CACHE FILEPATH "")
set(CMAKE_STRIP ${PDB_TRIPLET}-strip CACHE FILEPATH "")
set(CMAKE_C_FLAGS_INIT "${PDB_CPU_FLAGS}")
set(CMAKE_CROSSCOMPILING_EMULATOR ${PDB_QEMU};-cpu;${PDB_QEMU_CPU})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
