# Builds the board page into a C array: src/board/page/board.html with board.css and
# board.js inlined (the page is one response, nothing else to fetch), written to OUT as
# board_page_html[] (NUL-terminated) and board_page_len. The source stays three plain files
# a browser can open as they are; the size budget is checked by the compiler against
# PDB_BOARD_PAGE_MAX.
# Usage: cmake -DSRC=<src/board/page> -DOUT=<file.c> -P board_page.cmake
file(READ "${SRC}/board.html" html)
file(READ "${SRC}/board.css" css)
file(READ "${SRC}/board.js" js)
# Replace @tag in html by @text; the tag must be there (a renamed file fails the build).
function(inline tag text)
  string(FIND "${html}" "${tag}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "board.html lost its ${tag}")
  endif()
  string(REPLACE "${tag}" "${text}" out "${html}")
  set(html "${out}" PARENT_SCOPE)
endfunction()
inline("<link rel=\"stylesheet\" href=\"board.css\">" "<style>\n${css}</style>")
inline("<script src=\"board.js\"></script>" "<script>\n${js}</script>")
file(WRITE "${OUT}.page" "${html}")
file(READ "${OUT}.page" hex HEX)
file(REMOVE "${OUT}.page")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
# Bytes over 0x7f (UTF-8) into a plain char array: an explicit conversion.
string(REGEX REPLACE "0x([89a-f][0-9a-f])" "(char)0x\\1" hex "${hex}")
string(REGEX REPLACE "([^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,[^,]+,)" "\\1\n" hex "${hex}")
file(WRITE "${OUT}" "/* Generated from src/board/page/ by scripts/cmake/board_page.cmake: do not edit. */
#include \"board_page.h\"

#include <pdbridge/limits.h>

const char board_page_html[] = {
${hex}0x00};
const size_t board_page_len = sizeof(board_page_html) - 1;

_Static_assert(sizeof(board_page_html) - 1 <= PDB_BOARD_PAGE_MAX,
               \"the board page is over its budget (PDB_BOARD_PAGE_MAX)\");
")
