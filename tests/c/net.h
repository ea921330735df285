/* Sockets for the C tests' local servers: only ever on 127.0.0.1. */
#ifndef OPSKIT_TEST_NET_H
#define OPSKIT_TEST_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* A listening socket on 127.0.0.1 (a free port); its port in *port. */
static inline int listener(int *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 8) != 0 ||
      getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
    perror("listener");
    exit(2);
  }
  *port = ntohs(a.sin_port);
  return fd;
}

#endif
