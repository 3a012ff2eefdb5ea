# Any ARMv7-A board on a 32-bit hard-float OS (Pi 2/3/4 on 32-bit Raspberry Pi OS, BeagleBone Black).
set(PDB_BOARD generic-armhf)
set(PDB_TRIPLET arm-linux-gnueabihf)
set(PDB_PROCESSOR arm)
set(PDB_CPU_FLAGS "")
set(PDB_QEMU qemu-arm-static)
set(PDB_QEMU_CPU cortex-a7)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
