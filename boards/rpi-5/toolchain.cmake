# Raspberry Pi 5 / CM5 (BCM2712, Cortex-A76, RP1 south bridge) on a 64-bit OS.
set(PDB_BOARD rpi-5)
set(PDB_TRIPLET aarch64-linux-gnu)
set(PDB_PROCESSOR aarch64)
set(PDB_CPU_FLAGS "-mcpu=cortex-a76")
set(PDB_QEMU qemu-aarch64-static)
set(PDB_QEMU_CPU cortex-a76)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
