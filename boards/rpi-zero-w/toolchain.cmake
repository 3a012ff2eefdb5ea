# Raspberry Pi Zero / Zero W / Pi 1 (BCM2835, ARM1176JZF-S, ARMv6): Debian armel (ARMv5TE soft-float) code runs there; armhf (ARMv7) does not.
set(PDB_BOARD rpi-zero-w)
set(PDB_TRIPLET arm-linux-gnueabi)
set(PDB_PROCESSOR arm)
set(PDB_CPU_FLAGS "-mtune=arm1176jzf-s")
set(PDB_QEMU qemu-arm-static)
set(PDB_QEMU_CPU arm1176)
include(${CMAKE_CURRENT_LIST_DIR}/../cross.cmake)
