/* The number of elements of an array (not a pointer): the one way to count a table. */
#ifndef SELFMOD_ARRAY_SIZE_H
#define SELFMOD_ARRAY_SIZE_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
