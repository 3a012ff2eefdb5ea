# Raspberry Pi 4 / 400 / CM4 (BCM2711, Cortex-A72) on a 64-bit OS. No ARMv8 crypto extensions.
set(PDB_BOARD rpi-4)
set(PDB_TRIPLET aarch64-linux-gnu)
set(PDB_PROCESSOR aarch64)
set(PDB_CPU_FLAGS "-mcpu=cortex-a72")
set(PDB_QEMU qemu-aarch64-static)
set(PDB_QEMU_CPU cortex-a72)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
