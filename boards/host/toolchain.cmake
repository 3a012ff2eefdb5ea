# The build machine itself (x86_64 Debian): the development and CI target.
set(PDB_BOARD host)
set(PDB_TRIPLET x86_64-linux-gnu)
set(CMAKE_C_COMPILER gcc)
