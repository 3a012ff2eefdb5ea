# Writes the git revision into OUT at build time (not configure time), and
# only when it changed, so a commit shows up in --version without a
# reconfigure and an unchanged tree relinks nothing.
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --abbrev=12
                OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE res ERROR_QUIET)
if(NOT res EQUAL 0 OR rev STREQUAL "")
  set(rev "unknown")
endif()
set(text "#define PDB_GIT_REV \"${rev}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE "${OUT}" "${text}")
endif()
