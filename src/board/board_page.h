/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * board_page.h - the board page as compiled in: src/board/page/board.html with its CSS
 * and JS inlined, made into a C array at build time (scripts/cmake/board_page.cmake).
 */
#ifndef PDBRIDGE_BOARD_PAGE_H
#define PDBRIDGE_BOARD_PAGE_H

#include <stddef.h>

extern const char board_page_html[]; /* NUL-terminated */
extern const size_t board_page_len;  /* without the NUL */

#endif /* PDBRIDGE_BOARD_PAGE_H */
