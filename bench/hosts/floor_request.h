/* The floor host's request (bench/hosts/floor_host.c): one fixed struct. */
#ifndef NSBOOT_BENCH_HOSTS_FLOOR_REQUEST_H_
#define NSBOOT_BENCH_HOSTS_FLOOR_REQUEST_H_

#include <stdint.h>

enum { FLOOR_CREATE = 1, FLOOR_JOIN = 2, FLOOR_USER = 3 };

struct floor_request {
  uint32_t mode;       /* FLOOR_* */
  uint32_t flags;      /* CLONE_NEW* to create (create, user) or join (join) */
  int32_t target_pid;  /* join: the process whose namespaces to join */
  uint32_t map_len;    /* user: bytes of map, used for uid_map and gid_map */
  char map[64];        /* user: "0 100000 65536\n" */
};

#endif /* NSBOOT_BENCH_HOSTS_FLOOR_REQUEST_H_ */
