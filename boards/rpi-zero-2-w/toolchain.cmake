# Raspberry Pi Zero 2 W / Pi 3 (RP3A0 / BCM2710, Cortex-A53) on a 64-bit OS.
set(PDB_BOARD rpi-zero-2-w)
set(PDB_TRIPLET aarch64-linux-gnu)
set(PDB_PROCESSOR aarch64)
set(PDB_CPU_FLAGS "-mcpu=cortex-a53")
set(PDB_QEMU qemu-aarch64-static)
set(PDB_QEMU_CPU cortex-a53)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
