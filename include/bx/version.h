/* bx/version.h — library and program version. */
#ifndef BX_VERSION_H
#define BX_VERSION_H

#define BX_VERSION_MAJOR 0
#define BX_VERSION_MINOR 1
#define BX_VERSION_PATCH 0
#define BX_VERSION_STRING "0.1.0"

#endif /* BX_VERSION_H */
